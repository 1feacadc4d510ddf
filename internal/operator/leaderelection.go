/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"k8s.io/client-go/tools/leaderelection"
	ctrl "sigs.k8s.io/controller-runtime"
)

// Leader election timings: client-go's and controller-runtime's defaults.
// A standby takes a crashed leader's Lease over at most LeaseDuration plus
// RetryPeriod after the leader's last renewal; docs/operator-ha.md adds them
// up with the node-lost grace into the worst-case head recovery.
const (
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
)

// LeaderElection is how operator replicas agree on the one that reconciles.
type LeaderElection struct {
	Enabled   bool
	Namespace string
	ID        string
	// LeaseDuration is how long a standby waits, from the last renewal it
	// saw, before it takes the Lease: the fail-over time after a crash.
	LeaseDuration time.Duration
	// RenewDeadline is how long the leader keeps trying to renew before it
	// stops leading (and exits); it must stay below LeaseDuration, so a
	// leader cut off from the API server stops before a standby can start.
	RenewDeadline time.Duration
	// RetryPeriod is the wait between two tries to acquire or renew.
	RetryPeriod time.Duration
}

// DefaultLeaderElection is leader election off, with the default timings.
func DefaultLeaderElection() LeaderElection {
	return LeaderElection{
		ID:            "ray-ha-operator-leader",
		LeaseDuration: DefaultLeaseDuration,
		RenewDeadline: DefaultRenewDeadline,
		RetryPeriod:   DefaultRetryPeriod,
	}
}

// BindFlags registers the leader election flags on fs, with l's values as
// defaults.
func (l *LeaderElection) BindFlags(fs *flag.FlagSet) {
	fs.BoolVar(&l.Enabled, "leader-elect", l.Enabled, "Elect a leader so that only one replica reconciles at a time.")
	fs.StringVar(&l.Namespace, "leader-election-namespace", l.Namespace,
		"Namespace of the leader election lease (default: the operator's own namespace).")
	fs.StringVar(&l.ID, "leader-election-id", l.ID, "Name of the leader election lease.")
	fs.DurationVar(&l.LeaseDuration, "leader-election-lease-duration", l.LeaseDuration,
		"How long a standby waits after the leader's last renewal before it takes the lease: the fail-over time when the leader's pod or node is lost.")
	fs.DurationVar(&l.RenewDeadline, "leader-election-renew-deadline", l.RenewDeadline,
		"How long the leader retries renewing before it gives up leading and exits; must be below the lease duration.")
	fs.DurationVar(&l.RetryPeriod, "leader-election-retry-period", l.RetryPeriod,
		"Wait between two tries to acquire or renew the lease; the renew deadline must exceed 1.2 times it.")
}

// Validate refuses timings under which two replicas could lead at once or
// the leader could never renew, with the flags' names, before the manager
// starts (client-go would refuse them later, with less to go on).
func (l LeaderElection) Validate() error {
	if !l.Enabled {
		return nil
	}
	var errs []error
	if l.RetryPeriod <= 0 {
		errs = append(errs, fmt.Errorf("--leader-election-retry-period %s: must be positive", l.RetryPeriod))
	}
	// client-go retries with up to JitterFactor of jitter on the period.
	if minRenew := time.Duration(leaderelection.JitterFactor * float64(l.RetryPeriod)); l.RenewDeadline <= minRenew {
		errs = append(errs, fmt.Errorf("--leader-election-renew-deadline %s: must be above %.1f times the retry period, %s",
			l.RenewDeadline, leaderelection.JitterFactor, minRenew))
	}
	if l.LeaseDuration <= l.RenewDeadline {
		errs = append(errs, fmt.Errorf("--leader-election-lease-duration %s: must be above the renew deadline %s", l.LeaseDuration, l.RenewDeadline))
	}
	return errors.Join(errs...)
}

// Apply sets the manager options. A leader that stops on purpose releases
// the Lease, so a rolling update or a drain hands over at once rather than
// after LeaseDuration; only a crash or a lost node costs the full wait.
func (l LeaderElection) Apply(o *ctrl.Options) {
	o.LeaderElection = l.Enabled
	o.LeaderElectionID = l.ID
	o.LeaderElectionNamespace = l.Namespace
	o.LeaderElectionReleaseOnCancel = true
	o.LeaseDuration = &l.LeaseDuration
	o.RenewDeadline = &l.RenewDeadline
	o.RetryPeriod = &l.RetryPeriod
}
