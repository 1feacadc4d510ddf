// Command ray-ha-operator runs the RayCluster operator: a hybrid Helm
// operator that renders each ray.io/v1 RayCluster with the ray-cluster chart
// and keeps its release installed, upgraded and repaired.
//
// main only reads flags and the environment; operator.New builds the
// manager and one Helm reconciler per watches.yaml entry, the same way for
// this binary and for the tests that run the operator in-process.
package main

import (
	"flag"
	"os"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
)

// version is the operator's build version, set with
// -ldflags "-X main.version=...". It is part of every release's input hash,
// so a new build re-checks each release once.
var version = "dev"

// watchNamespaceEnv restricts the operator to a comma-separated list of
// namespaces (OLM sets it for OwnNamespace/MultiNamespace installs).
const watchNamespaceEnv = "WATCH_NAMESPACE"

// podNamespaceEnv is the operator's own namespace (the downward API's
// metadata.namespace): the default home of Helm release storage.
const podNamespaceEnv = "POD_NAMESPACE"

// batchSchedulerEnv sets the batch scheduler when --batch-scheduler is not
// given: an OLM Subscription can set the operator's environment, not its
// flags.
const batchSchedulerEnv = operator.BatchSchedulerEnv

type flags struct {
	metrics            operator.MetricsServing
	probeAddr          string
	leaderElection     operator.LeaderElection
	clientLimits       operator.ClientLimits
	watchesFile        string
	pendingGrace       time.Duration
	fullCheckInterval  time.Duration
	maxHistory         int
	helmTimeout        time.Duration
	maxRetryBackoff    time.Duration
	maxRejectedBackoff time.Duration
	rollbackOnFailure  bool
	allowKubeRay       bool
	releaseNamespace   string
	zap                zap.Options

	// RayCluster hooks.
	headPolicy   raycluster.Policy
	fleetBrake   raycluster.FleetBrakeOptions
	reachability raycluster.ReachabilityOptions
	cleanup      raycluster.CleanupOptions

	// Batch scheduler, as KubeRay's flags of the same names.
	batchScheduler       string
	enableBatchScheduler bool
}

func parseFlags() flags {
	var f flags
	f.metrics = operator.DefaultMetricsServing()
	f.metrics.BindFlags(flag.CommandLine)
	flag.StringVar(&f.probeAddr, "health-probe-bind-address", ":8081", "Address the /healthz and /readyz endpoints bind to.")
	f.leaderElection = operator.DefaultLeaderElection()
	f.leaderElection.BindFlags(flag.CommandLine)
	f.clientLimits = operator.DefaultClientLimits()
	f.clientLimits.BindFlags(flag.CommandLine)
	flag.StringVar(&f.watchesFile, "watches-file", "watches.yaml", "Path of the watches file mapping kinds to charts.")
	flag.DurationVar(&f.pendingGrace, "pending-release-grace", helm.DefaultPendingGrace,
		"How long a release left pending-install/-upgrade/-rollback is left alone before it is recovered. "+
			"Keep it above --leader-election-lease-duration, so an old leader can finish first.")
	flag.DurationVar(&f.fullCheckInterval, "full-check-interval", 0,
		"Maximum age of a release's last Helm dry-run check while its inputs are unchanged (default: the watch's reconcilePeriod).")
	flag.IntVar(&f.maxHistory, "max-release-history", helm.DefaultMaxHistory, "Release revisions kept per resource.")
	flag.DurationVar(&f.helmTimeout, "helm-timeout", helm.DefaultHelmTimeout, "How long Helm waits for chart hooks during install, upgrade and uninstall.")
	flag.DurationVar(&f.maxRetryBackoff, "max-retry-backoff", helm.DefaultMaxRetryBackoff,
		"Longest wait before a failed reconcile of a resource is retried (the wait starts at 5ms and doubles). "+
			"Keeps a head recovery prompt after an API server outage.")
	flag.DurationVar(&f.maxRejectedBackoff, "max-rejected-backoff", helm.DefaultMaxRejectedBackoff,
		"Longest wait before inputs the chart or the API server rejected (a render error, an immutable field change) are tried again "+
			"(the wait starts at --max-retry-backoff and doubles; a change of the resource is tried at once). Reported once per distinct failure.")
	flag.StringVar(&f.releaseNamespace, "release-namespace", os.Getenv(podNamespaceEnv),
		"Namespace holding every release's Helm storage Secrets (default: $"+podNamespaceEnv+", the operator's own namespace). "+
			"Releases an earlier version kept in a resource's namespace are moved here. Empty: each release is kept in its resource's namespace, "+
			"which needs write access to Secrets there.")
	flag.BoolVar(&f.rollbackOnFailure, "rollback-on-failure", false, "Roll a failed upgrade back to the previous revision (off: the failed revision is retried).")
	f.headPolicy = raycluster.DefaultPolicy()
	f.headPolicy.BindFlags(flag.CommandLine)
	f.fleetBrake = raycluster.DefaultFleetBrakeOptions()
	f.fleetBrake.BindFlags(flag.CommandLine)
	flag.BoolVar(&f.cleanup.Enabled, "redis-cleanup-enabled", true,
		"Delete a RayCluster's GCS data from Redis when the RayCluster is deleted (adds the ray.io/gcs-ft-redis-cleanup-finalizer).")
	flag.DurationVar(&f.cleanup.DefaultTimeout, "redis-cleanup-timeout", raycluster.DefaultDeletionTimeout,
		"How long the Redis clean-up of a deleted RayCluster may take, from its deletion, before the finalizer is removed anyway "+
			"(per cluster: annotation ray.io/gcs-ft-deletion-timeout).")
	flag.DurationVar(&f.reachability.Interval, "redis-probe-interval", raycluster.DefaultRedisProbeInterval,
		"Least time between two reachability checks of one RayCluster's Redis.")
	flag.DurationVar(&f.reachability.Timeout, "redis-probe-timeout", rayredis.DefaultProbeTimeout,
		"Bound of one Redis reachability check (connect, TLS, AUTH, PING).")
	flag.StringVar(&f.batchScheduler, "batch-scheduler", "",
		"Batch scheduler for Ray pods, as KubeRay's flag: volcano, yunikorn, kai-scheduler or scheduler-plugins "+
			"(default: $"+batchSchedulerEnv+", else none).")
	flag.BoolVar(&f.enableBatchScheduler, "enable-batch-scheduler", false,
		"(Deprecated, as in KubeRay) Use volcano as the batch scheduler; use --batch-scheduler=volcano instead.")
	flag.BoolVar(&f.allowKubeRay, operator.AllowRunningKubeRayFlag, false,
		"Start even while a KubeRay operator holds its leader-election Lease (ray-operator-leader); only when the two reconcile different RayClusters (e.g. different watched namespaces).")
	f.zap.BindFlags(flag.CommandLine)
	flag.Parse()
	return f
}

func main() {
	f := parseFlags()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&f.zap)))
	if err := run(f); err != nil {
		ctrl.Log.WithName("setup").Error(err, "Operator stopped")
		os.Exit(1)
	}
}

func run(f flags) error {
	if err := f.metrics.Validate(); err != nil {
		return err
	}
	op, err := operator.New(ctrl.GetConfigOrDie(), operator.Options{
		Version:                version,
		WatchesFile:            f.watchesFile,
		Getenv:                 os.Getenv,
		WatchNamespace:         os.Getenv(watchNamespaceEnv),
		Metrics:                f.metrics.ServerOptions(),
		HealthProbeBindAddress: f.probeAddr,
		LeaderElection:         f.leaderElection,
		ClientLimits:           f.clientLimits,
		Helm: operator.HelmOptions{
			PendingGrace:       f.pendingGrace,
			FullCheckInterval:  f.fullCheckInterval,
			MaxHistory:         f.maxHistory,
			HelmTimeout:        f.helmTimeout,
			MaxRetryBackoff:    f.maxRetryBackoff,
			MaxRejectedBackoff: f.maxRejectedBackoff,
			RollbackOnFailure:  f.rollbackOnFailure,
			ReleaseNamespace:   f.releaseNamespace,
		},
		HeadPolicy:           f.headPolicy,
		FleetBrake:           &f.fleetBrake,
		Reachability:         f.reachability,
		Cleanup:              f.cleanup,
		BatchScheduler:       f.batchScheduler,
		EnableBatchScheduler: f.enableBatchScheduler,
		AllowRunningKubeRay:  f.allowKubeRay,
	})
	if err != nil {
		return err
	}
	ctrl.Log.WithName("setup").Info("Starting manager", "version", version, "batchScheduler", string(op.BatchScheduler), "releaseNamespace", f.releaseNamespace)
	return op.Start(ctrl.SetupSignalHandler())
}
