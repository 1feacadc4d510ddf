/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/chart"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// EventSource is the name RayCluster events are reported under.
const EventSource = "ray-ha-operator"

// Config is what SetupRayCluster needs besides the manager.
type Config struct {
	// Watch is the RayCluster entry of watches.yaml. Its chart is loaded
	// again from ChartPath with LoadSpecChart: the chart's values.yaml
	// describes an example cluster and must not be merged under a spec.
	Watch helm.Watch
	// Policy is the operator-wide head-replacement policy (flags).
	Policy raycluster.Policy
	// FleetBrake tunes the fleet brake (flags); nil: the defaults.
	FleetBrake *raycluster.FleetBrakeOptions
	// Registerer receives the head-health metrics (controller-runtime's
	// metrics.Registry in main).
	Registerer prometheus.Registerer
	// OperatorVersion is part of every release's input hash.
	OperatorVersion string
	// Clock defaults to the real clock.
	Clock clock.PassiveClock
	// Reachability tunes the Redis reachability check; Cleanup the Redis
	// clean-up on delete (Cleanup.Enabled is the operator-wide switch).
	Reachability raycluster.ReachabilityOptions
	Cleanup      raycluster.CleanupOptions
	// BatchScheduler is the operator-wide batch scheduler (empty: none).
	BatchScheduler raycluster.BatchScheduler
	// Tune, when set, may change the reconciler options last (tests
	// shorten periods with it).
	Tune func(*helm.Options)
	// Remediation deletes and force-deletes heads, with a rate limit of its
	// own so that a burst of creations never delays a recovery (nil: the
	// manager's client).
	Remediation client.Client
}

// Setup is what SetupRayCluster built.
type Setup struct {
	Reconciler *helm.Reconciler
	Metrics    *raycluster.Metrics
}

// SetupRayCluster adds the RayCluster controller to mgr. The manager's
// cache must hold Pods, Nodes, StatefulSets, ReplicaSets and Services (the
// default cache does: it starts an informer per type on first use).
func SetupRayCluster(mgr ctrl.Manager, cfg Config) (*Setup, error) {
	if cfg.Watch.GVK.GroupKind() != rayv1.GroupVersion.WithKind("RayCluster").GroupKind() {
		return nil, fmt.Errorf("setting up the RayCluster controller: watch is for %s", cfg.Watch.GVK)
	}
	if err := cfg.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("setting up the RayCluster controller: head policy: %w", err)
	}
	brakeOpts := raycluster.DefaultFleetBrakeOptions()
	if cfg.FleetBrake != nil {
		brakeOpts = *cfg.FleetBrake
	}
	if err := brakeOpts.Validate(); err != nil {
		return nil, fmt.Errorf("setting up the RayCluster controller: %w", err)
	}
	ch, err := chart.LoadSpecChart(cfg.Watch.ChartPath)
	if err != nil {
		return nil, fmt.Errorf("setting up the RayCluster controller: %w", err)
	}
	metrics, err := raycluster.NewMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("setting up the RayCluster controller: %w", err)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	rec := mgr.GetEventRecorder(EventSource)
	// Secrets are read from the API server, not cached: an informer on
	// every Secret of the cluster would hold every credential in memory.
	secrets := mgr.GetAPIReader()
	// One brake for every RayCluster: its budget and zone view are fleet-wide.
	brake := raycluster.NewFleetBrake(mgr.GetCache(), brakeOpts)
	redisMetrics, err := raycluster.NewRedisMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("setting up the RayCluster controller: %w", err)
	}
	reach := raycluster.NewRedisReachability(secrets, rec, cfg.Clock, nil, cfg.Reachability)
	reach.Metrics = redisMetrics
	cleanup := raycluster.NewRedisCleanup(mgr.GetCache(), secrets, rec, cfg.Clock, cfg.Cleanup)
	cleanup.Metrics = redisMetrics
	if cfg.Remediation == nil {
		cfg.Remediation = mgr.GetClient()
	}
	hooks := raycluster.NewHooks(raycluster.Deps{
		Client: mgr.GetClient(), Remediation: cfg.Remediation, Reader: mgr.GetCache(), APIReader: mgr.GetAPIReader(), Recorder: rec,
		Clock: cfg.Clock, Policy: cfg.Policy, Metrics: metrics, FleetBrake: brake, BatchScheduler: cfg.BatchScheduler,
		RedisPreHooks:  []helm.PreReconcileHook{reach},
		UninstallHooks: []helm.UninstallHook{cleanup},
	})
	w := cfg.Watch
	w.Chart, w.ChartDigest = ch, ""
	opts := helm.OptionsFromWatch(w)
	opts.OperatorVersion = cfg.OperatorVersion
	// The chart's objects come from values the CRD's structural schema has
	// already checked (the pod templates are PodTemplateSpecs there, and
	// the chart tests decode every rendered object strictly), so Helm's own
	// OpenAPI check before each install adds CPU, not safety.
	opts.SkipOpenAPIValidation = true
	hooks.Apply(&opts)
	opts.OnGone = append(opts.OnGone, metrics.ForgetCluster, redisMetrics.ForgetCluster)
	// A created or changed Secret re-checks the RayClusters that read it
	// (metadata-only watch: no credential is cached).
	opts.ExtraWatches = append(opts.ExtraWatches, PodWatch(mgr.GetCache()), HeadTroubleWatch(mgr.GetCache()), ReplicaSetWatch(mgr.GetCache()),
		reach.SecretWatch(mgr.GetCache()))
	if cfg.Tune != nil {
		cfg.Tune(&opts)
	}
	r, err := helm.New(opts)
	if err != nil {
		return nil, fmt.Errorf("setting up the RayCluster controller: %w", err)
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the RayCluster controller: %w", err)
	}
	return &Setup{Reconciler: r, Metrics: metrics}, nil
}
