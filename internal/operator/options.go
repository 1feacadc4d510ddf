/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// Options are everything that shapes one operator: main.go fills them from
// its flags and environment, the test harness fills them for an operator
// run in the test process. A zero field means the component's default.
type Options struct {
	// Version is part of every release's input hash.
	Version string
	// WatchesFile maps kinds to charts (watches.yaml); chart paths in it
	// are relative to the file.
	WatchesFile string
	// Getenv expands $VAR in the watches file and reads BATCH_SCHEDULER;
	// nil: an empty environment.
	Getenv func(string) string
	// WatchNamespace is WATCH_NAMESPACE: a comma-separated list of the
	// namespaces the cache holds ("" for all).
	WatchNamespace string

	// Metrics and HealthProbeBindAddress serve the manager's endpoints.
	Metrics                metricsserver.Options
	HealthProbeBindAddress string
	LeaderElection         LeaderElection
	// ClientLimits are the client-side rate limits of every API client the
	// operator makes (zero: DefaultClientLimits).
	ClientLimits ClientLimits

	// Helm tunes every release reconciler.
	Helm HelmOptions

	// HeadPolicy, FleetBrake, Reachability and Cleanup tune the RayCluster
	// hooks (FleetBrake nil: the defaults).
	HeadPolicy   raycluster.Policy
	FleetBrake   *raycluster.FleetBrakeOptions
	Reachability raycluster.ReachabilityOptions
	Cleanup      raycluster.CleanupOptions
	// BatchScheduler and EnableBatchScheduler are KubeRay's flags of the
	// same names; BatchScheduler "" falls back to $BATCH_SCHEDULER.
	BatchScheduler       string
	EnableBatchScheduler bool
	// AllowRunningKubeRay skips the start-up check that refuses to run
	// while a KubeRay operator holds its leader-election Lease.
	AllowRunningKubeRay bool

	// What follows is for operators run inside another program.

	// Registerer receives the operator's metrics (nil: controller-runtime's
	// registry, which the metrics endpoint serves).
	Registerer prometheus.Registerer
	// Logger is the manager's logger (zero: ctrl.Log).
	Logger logr.Logger
	// Clock defaults to the real clock.
	Clock clock.PassiveClock
	// ChartPath, when set, replaces the RayCluster watch's chart (an
	// operator upgrade with a new chart).
	ChartPath string
	// Tune may change each reconciler's options last.
	Tune func(*helm.Options)
	// Manager may change the manager's options last.
	Manager func(*ctrl.Options)
}

// HelmOptions are the release reconciler's knobs (helm.Options of the same
// names).
type HelmOptions struct {
	PendingGrace       time.Duration
	FullCheckInterval  time.Duration
	MaxHistory         int
	HelmTimeout        time.Duration
	MaxRetryBackoff    time.Duration
	MaxRejectedBackoff time.Duration
	RollbackOnFailure  bool
	// ReleaseNamespace keeps every release in this namespace (the
	// operator's own); empty: in each resource's namespace.
	ReleaseNamespace string
}

// apply writes the knobs into a reconciler's options.
func (h HelmOptions) apply(o *helm.Options) {
	o.PendingGrace = h.PendingGrace
	o.FullCheckInterval = h.FullCheckInterval
	o.MaxHistory = h.MaxHistory
	o.RollbackOnFailure = h.RollbackOnFailure
	o.HelmTimeout = h.HelmTimeout
	o.MaxRetryBackoff = h.MaxRetryBackoff
	o.MaxRejectedBackoff = h.MaxRejectedBackoff
	o.ReleaseNamespace = h.ReleaseNamespace
}
