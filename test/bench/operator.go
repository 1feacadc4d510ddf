/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"io"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
)

// operatorOptions shape one in-process operator.
type operatorOptions struct {
	// FullCheckInterval, when set, replaces the default (the reconcile
	// period): a tiny value sends every reconcile through Helm's dry-run.
	FullCheckInterval time.Duration
	// Log receives the operator's log (JSON lines).
	Log io.Writer
	// QPS and Burst are the client rate limit.
	QPS   float32
	Burst int
	// LeaderElection, when set, makes the operator a candidate for the
	// Lease, as main.go's --leader-elect does. The Lease is never released
	// on stop: the bench stops a leader only to play a crash.
	LeaderElection *operator.LeaderElection
}

// runningOperator is the operator running in this process, as main.go
// wires it, with its API requests counted.
type runningOperator struct {
	setup    *operator.Setup
	requests *requestCounter
	// elected is closed once the operator leads (at once without leader
	// election).
	elected <-chan struct{}
	// crash stops the operator without waiting for it, as a SIGKILL or a
	// lost node would; stop also waits until it has stopped.
	crash, stop func()
}

// startOperator runs the operator main.go runs (simenv.RunOperator, from
// main.go's defaults and the repository's watches.yaml) with the bench's
// changes, and returns once its cache has synced; stop ends it.
func (e *env) startOperator(ctx context.Context, o operatorOptions) (*runningOperator, error) {
	counter := newRequestCounter()
	cfg := e.cluster.RESTConfig()
	cfg.Wrap(counter.wrap)
	opts, err := simenv.InProcessOptions(zap.New(zap.WriteTo(o.Log), zap.UseDevMode(false)))
	if err != nil {
		return nil, err
	}
	// main.go's --kube-api-qps and --kube-api-burst.
	opts.ClientLimits = operator.ClientLimits{QPS: o.QPS, Burst: o.Burst}
	opts.Version = "bench"
	opts.FleetBrake = benchFleetBrake()
	opts.Helm.FullCheckInterval = o.FullCheckInterval
	if o.LeaderElection != nil {
		opts.LeaderElection = *o.LeaderElection
		inProcess := opts.Manager
		opts.Manager = func(m *ctrl.Options) {
			inProcess(m)
			m.LeaderElectionReleaseOnCancel = false
		}
	}
	// crash cancels runCtx: the operator stops as Stop would, but nothing
	// waits for it.
	runCtx, crash := context.WithCancel(ctx)
	op, err := simenv.RunOperator(runCtx, cfg, opts, func(err error) {
		e.logf("operator stopped with an error: %v", err)
	})
	if err != nil {
		crash()
		return nil, err
	}
	stop := func() { op.Stop(); crash() }
	return &runningOperator{setup: op.RayCluster, requests: counter, elected: op.Manager.Elected(), crash: crash, stop: stop}, nil
}

// benchFleetBrake is main.go's fleet brake without its budget: the bench
// force-deletes heads again and again on purpose (two forced modes, -runs
// each), and the budget would hold them after ten in ten minutes. The zone
// rule stays: the bench loses one node at a time.
func benchFleetBrake() *raycluster.FleetBrakeOptions {
	o := raycluster.DefaultFleetBrakeOptions()
	o.MaxForcedReplacements = 0
	return &o
}
