package helm

import (
	"fmt"
	"time"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// releaseCacheRunnable lets the manager start the release-Secret cache with
// its own caches, so it is synced before any controller runs.
type releaseCacheRunnable struct{ cache.Cache }

// GetCache marks the runnable as a cache for the manager.
func (c releaseCacheRunnable) GetCache() cache.Cache { return c.Cache }

// SetupWithManager wires the reconciler: a cache of this kind's release
// Secrets only (an informer on every Secret of the cluster would hold every
// credential in memory), Helm action configurations that share the
// manager's RESTMapper, and a controller for the kind whose own status and
// finalizer writes do not re-trigger it.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	store := releaseStore{namespace: r.opts.ReleaseNamespace}
	var namespaces map[string]cache.Config
	cached := r.opts.Namespaces
	if store.relocated() {
		cached = []string{store.namespace}
	}
	for _, ns := range cached {
		if namespaces == nil {
			namespaces = map[string]cache.Config{}
		}
		namespaces[ns] = cache.Config{}
	}
	relCache, err := cache.New(mgr.GetConfig(), cache.Options{
		Scheme:            mgr.GetScheme(),
		Mapper:            mgr.GetRESTMapper(),
		DefaultNamespaces: namespaces,
		// Release Secrets are large already; their managedFields are
		// never read.
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {Label: releaseSecretSelector(r.opts.GVK)},
		},
	})
	if err != nil {
		return fmt.Errorf("creating release secret cache for %s: %w", r.opts.GVK, err)
	}
	if err := mgr.Add(releaseCacheRunnable{relCache}); err != nil {
		return fmt.Errorf("adding release secret cache for %s: %w", r.opts.GVK, err)
	}
	r.configs, err = newActionConfigs(mgr.GetConfig(), mgr.GetRESTMapper(), relCache, store, r.opts.CapabilitiesTTL)
	if err != nil {
		return fmt.Errorf("helm reconciler for %s: %w", r.opts.GVK, err)
	}
	r.client = mgr.GetClient()
	r.reader = mgr.GetCache()
	r.apiReader = mgr.GetAPIReader()
	r.releases = newReleaseReader(relCache, store)
	r.legacy = newLegacyReleases(mgr.GetAPIReader(), mgr.GetClient(), store, r.opts.GVK)
	r.drift = &driftRepairer{cache: mgr.GetCache(), writer: mgr.GetClient(), mapper: mgr.GetRESTMapper()}
	r.recorder = mgr.GetEventRecorder(r.Name())

	preds, err := primaryPredicates(r.opts.Selector)
	if err != nil {
		return fmt.Errorf("helm reconciler for %s: %w", r.opts.GVK, err)
	}
	b := builder.ControllerManagedBy(mgr).
		Named(r.Name()).
		For(r.newObject(), builder.WithPredicates(preds...)).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: r.opts.MaxConcurrentReconciles,
			RateLimiter:             retryRateLimiter(r.opts.MaxRetryBackoff),
		})
	for _, src := range r.opts.ExtraWatches {
		b = b.WatchesRawSource(src)
	}
	c, err := b.Build(r)
	if err != nil {
		return fmt.Errorf("creating controller for %s: %w", r.opts.GVK, err)
	}
	if r.opts.WatchDependentResources {
		r.deps = &dependentWatcher{
			ctrl: c, cache: mgr.GetCache(), scheme: mgr.GetScheme(), mapper: mgr.GetRESTMapper(),
			owner: r.opts.GVK, watched: map[schema.GroupVersionKind]bool{}, seen: map[types.NamespacedName]int{},
		}
	}
	return nil
}

// primaryPredicates pass changes of spec (generation), labels and
// annotations (which feed values and Helm options), and deletion (which
// bumps the generation of a resource with finalizers), but not the
// reconciler's own status and finalizer writes.
func primaryPredicates(sel metav1.LabelSelector) ([]predicate.Predicate, error) {
	preds := []predicate.Predicate{predicate.Or(
		predicate.GenerationChangedPredicate{},
		predicate.AnnotationChangedPredicate{},
		predicate.LabelChangedPredicate{},
	)}
	if len(sel.MatchLabels)+len(sel.MatchExpressions) > 0 {
		p, err := predicate.LabelSelectorPredicate(sel)
		if err != nil {
			return nil, fmt.Errorf("watch selector: %w", err)
		}
		preds = append(preds, p)
	}
	return preds, nil
}

// retryRateLimiter is controller-runtime's default (per-resource exponential
// backoff from 5 ms, and 10 retries a second overall with bursts of 100)
// with the per-resource backoff capped at maxBackoff instead of 1000 s.
func retryRateLimiter(maxBackoff time.Duration) workqueue.TypedRateLimiter[reconcile.Request] {
	return workqueue.NewTypedMaxOfRateLimiter(
		workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](5*time.Millisecond, maxBackoff),
		&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
	)
}
