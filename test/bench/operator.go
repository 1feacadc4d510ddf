/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
	"github.com/ray-ha-operator/ray-ha-operator/test/e2e"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
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

// startOperator builds the manager and the RayCluster controller and
// starts them; stop ends both.
func (e *env) startOperator(ctx context.Context, o operatorOptions) (*runningOperator, error) {
	counter := newRequestCounter()
	cfg := e.cluster.RESTConfig()
	cfg.Wrap(counter.wrap)
	// main.go's ctrl.GetConfigOrDie sets controller-runtime's client rate
	// limit (20/s, burst 30); the simulated cluster's config has none.
	cfg.QPS, cfg.Burst = o.QPS, o.Burst
	logger := zap.New(zap.WriteTo(o.Log), zap.UseDevMode(false))
	opts := ctrl.Options{
		Scheme:                 e2e.Scheme(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Each phase starts a new operator in this process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
		Logger:     logger,
		Cache:      operator.CacheOptions(nil),
	}
	if o.LeaderElection != nil {
		o.LeaderElection.Apply(&opts)
		opts.LeaderElectionReleaseOnCancel = false
	}
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("creating the operator's manager: %w", err)
	}
	w, err := rayClusterWatch()
	if err != nil {
		return nil, err
	}
	setup, err := operator.SetupRayCluster(mgr, operator.Config{
		Watch:           w,
		Policy:          raycluster.DefaultPolicy(),
		FleetBrake:      benchFleetBrake(),
		Registerer:      prometheus.NewRegistry(),
		OperatorVersion: "bench",
		// main.go's defaults.
		Reachability: raycluster.ReachabilityOptions{Interval: raycluster.DefaultRedisProbeInterval, Timeout: rayredis.DefaultProbeTimeout},
		Cleanup:      raycluster.CleanupOptions{Enabled: true},
		Tune: func(h *helm.Options) {
			if o.FullCheckInterval > 0 {
				h.FullCheckInterval = o.FullCheckInterval
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("setting up the operator: %w", err)
	}
	runCtx, cancel := context.WithCancel(log.IntoContext(ctx, logger))
	done := make(chan error, 1)
	go func() { done <- mgr.Start(runCtx) }()
	if !mgr.GetCache().WaitForCacheSync(runCtx) {
		cancel()
		return nil, fmt.Errorf("the operator's cache did not sync: %v", <-done)
	}
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			e.logf("operator stopped with an error: %v", err)
		}
	}
	return &runningOperator{setup: setup, requests: counter, elected: mgr.Elected(), crash: cancel, stop: stop}, nil
}

// rayClusterWatch is the RayCluster entry of the repository's watches.yaml,
// read as main.go reads it, so the bench measures the shipped settings
// (reconcile period, concurrent reconciles).
func rayClusterWatch() (helm.Watch, error) {
	root, err := testbin.ModuleRoot()
	if err != nil {
		return helm.Watch{}, fmt.Errorf("finding the module root: %w", err)
	}
	watches, err := helm.LoadWatches(filepath.Join(root, "watches.yaml"), func(string) string { return "" },
		helm.WatchDefaults{ReconcilePeriod: helm.DefaultReconcilePeriod, MaxConcurrentReconciles: 1})
	if err != nil {
		return helm.Watch{}, fmt.Errorf("reading watches.yaml: %w", err)
	}
	gvk := rayv1.GroupVersion.WithKind("RayCluster")
	for _, w := range watches {
		if w.GVK == gvk {
			return w, nil
		}
	}
	return helm.Watch{}, fmt.Errorf("watches.yaml has no entry for %s", gvk)
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
