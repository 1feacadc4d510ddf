/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// BatchSchedulerEnv sets the batch scheduler when Options.BatchScheduler is
// empty: an OLM Subscription can set the operator's environment, not its
// flags.
const BatchSchedulerEnv = "BATCH_SCHEDULER"

// Operator is a manager with one reconciler per watches.yaml entry, built
// but not started.
type Operator struct {
	Manager ctrl.Manager
	// RayCluster is the RayCluster controller (nil when watches.yaml has
	// no RayCluster entry).
	RayCluster *Setup
	// Watches are the entries read from the watches file.
	Watches []helm.Watch
	// BatchScheduler is the resolved batch scheduler ("" for none).
	BatchScheduler raycluster.BatchScheduler
	// kubeRay runs before the manager starts; nil with
	// Options.AllowRunningKubeRay.
	kubeRay *KubeRayGuard
}

// NewScheme knows the built-in kinds and ray.io/v1.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("registering client-go types: %w", err)
	}
	if err := rayv1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("registering ray.io/v1 types: %w", err)
	}
	return s, nil
}

// New builds the operator main.go runs: the manager with the operator's
// cache, health checks and leader election, and a release reconciler per
// watches.yaml entry (the RayCluster one with its hooks).
func New(cfg *rest.Config, o Options) (*Operator, error) {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	scheme, err := NewScheme()
	if err != nil {
		return nil, err
	}
	batch, err := raycluster.ResolveBatchScheduler(o.BatchScheduler, o.Getenv(BatchSchedulerEnv), o.EnableBatchScheduler)
	if err != nil {
		return nil, err
	}
	watches, err := helm.LoadWatches(o.WatchesFile, o.Getenv, helm.WatchDefaults{
		ReconcilePeriod:         helm.DefaultReconcilePeriod,
		MaxConcurrentReconciles: 1,
	})
	if err != nil {
		return nil, err
	}
	if err := o.LeaderElection.Validate(); err != nil {
		return nil, err
	}
	if err := o.ClientLimits.Validate(); err != nil {
		return nil, err
	}
	cfg = o.ClientLimits.apply(cfg)
	if o.LeaderElection.Enabled && o.LeaderElection.ID == KubeRayLeaseName && !o.AllowRunningKubeRay {
		return nil, fmt.Errorf("--leader-election-id %s: that is KubeRay's Lease, which this operator reads to refuse to run beside KubeRay", KubeRayLeaseName)
	}
	watched := Namespaces(o.WatchNamespace)
	mgrOpts := ctrl.Options{
		Scheme:                 scheme,
		Metrics:                o.Metrics,
		HealthProbeBindAddress: o.HealthProbeBindAddress,
		Cache:                  CacheOptions(watched),
		Logger:                 o.Logger,
	}
	o.LeaderElection.Apply(&mgrOpts)
	if o.Manager != nil {
		o.Manager(&mgrOpts)
	}
	mgr, err := ctrl.NewManager(cfg, mgrOpts)
	if err != nil {
		return nil, fmt.Errorf("creating manager: %w", err)
	}
	op := &Operator{Manager: mgr, Watches: watches, BatchScheduler: batch}
	log := mgr.GetLogger().WithName("setup")
	if !o.AllowRunningKubeRay {
		op.kubeRay = newKubeRayGuard(mgr, o, slices.Collect(maps.Keys(watched)), log)
	}
	for _, w := range watches {
		if err := op.setupWatch(w, o, slices.Collect(maps.Keys(watched))); err != nil {
			return nil, err
		}
		log.Info("Watching", "gvk", w.GVK.String(), "chart", w.ChartPath, "reconcilePeriod", w.ReconcilePeriod.String())
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, fmt.Errorf("adding health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, fmt.Errorf("adding ready check: %w", err)
	}
	return op, nil
}

// Start runs the manager until ctx ends, unless a KubeRay operator is
// reconciling RayClusters.
func (op *Operator) Start(ctx context.Context) error {
	if op.kubeRay != nil {
		if err := op.kubeRay.Check(ctx); err != nil {
			return err
		}
	}
	return op.Manager.Start(ctx)
}

// newKubeRayGuard reads with the manager's uncached reader, which works
// before the manager starts.
func newKubeRayGuard(mgr ctrl.Manager, o Options, watched []string, log logr.Logger) *KubeRayGuard {
	namespaces := watched
	if ns := o.LeaderElection.Namespace; ns != "" && !slices.Contains(namespaces, ns) {
		namespaces = append(namespaces, ns)
	}
	c := o.Clock
	if c == nil {
		c = clock.RealClock{}
	}
	return &KubeRayGuard{Reader: mgr.GetAPIReader(), Namespaces: namespaces, Clock: c, Log: log}
}

func (op *Operator) setupWatch(w helm.Watch, o Options, namespaces []string) error {
	tune := func(h *helm.Options) {
		h.OperatorVersion = o.Version
		h.Namespaces = namespaces
		o.Helm.apply(h)
		if o.Tune != nil {
			o.Tune(h)
		}
	}
	if w.GVK == rayv1.GroupVersion.WithKind("RayCluster") {
		if o.ChartPath != "" {
			w.ChartPath = o.ChartPath
		}
		reg := o.Registerer
		if reg == nil {
			reg = ctrlmetrics.Registry
		}
		remediation, err := o.ClientLimits.remediationClient(op.Manager)
		if err != nil {
			return err
		}
		setup, err := SetupRayCluster(op.Manager, Config{
			Watch: w, Remediation: remediation, Policy: o.HeadPolicy, FleetBrake: o.FleetBrake, Registerer: reg,
			OperatorVersion: o.Version, Clock: o.Clock, Reachability: o.Reachability, Cleanup: o.Cleanup,
			BatchScheduler: op.BatchScheduler, Tune: tune,
		})
		op.RayCluster = setup
		return err
	}
	// Any other kind in watches.yaml is a plain Helm-managed kind.
	h := helm.OptionsFromWatch(w)
	tune(&h)
	r, err := helm.New(h)
	if err != nil {
		return err
	}
	if err := r.SetupWithManager(op.Manager); err != nil {
		return fmt.Errorf("setting up the Helm reconciler for %s: %w", w.GVK, err)
	}
	return nil
}

// Namespaces turns WATCH_NAMESPACE into cache namespaces; empty means all.
func Namespaces(env string) map[string]cache.Config {
	if strings.TrimSpace(env) == "" {
		return nil
	}
	out := map[string]cache.Config{}
	for _, ns := range strings.Split(env, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			out[ns] = cache.Config{}
		}
	}
	return out
}
