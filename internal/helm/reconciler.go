package helm

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// UninstallFinalizer is the finalizer that keeps a resource until its
// release is uninstalled (the Operator Framework's name, so resources made
// by an earlier Helm-based operator are handled the same way).
const UninstallFinalizer = "uninstall-helm-release"

// Defaults for Options left at zero.
const (
	DefaultPendingGrace    = 30 * time.Second
	DefaultMaxHistory      = 3
	DefaultCapabilitiesTTL = 10 * time.Minute
	DefaultReconcilePeriod = 5 * time.Minute
	DefaultHelmTimeout     = 5 * time.Minute
	// DefaultMaxRetryBackoff caps the wait before a failed reconcile is
	// retried; see Options.MaxRetryBackoff.
	DefaultMaxRetryBackoff = 5 * time.Second
)

// Options configure one Reconciler (one watched kind).
type Options struct {
	GVK         schema.GroupVersionKind
	Chart       *chart.Chart
	ChartDigest string
	// OverrideValues are --set style key=value pairs (already env-expanded)
	// that win over the spec.
	OverrideValues map[string]string
	// ValuesMapper supplies operator-owned values; they win over everything.
	ValuesMapper ValuesMapper

	// ReconcilePeriod requeues every resource this long after a successful
	// reconcile: the safety net for anything no watch reports.
	ReconcilePeriod time.Duration
	// FullCheckInterval is how old the last Helm dry-run of a resource may
	// be before a reconcile does one again even though the inputs are
	// unchanged (e.g. charts with `lookup`). Default: ReconcilePeriod.
	FullCheckInterval       time.Duration
	MaxConcurrentReconciles int
	// Namespaces limits the release-Secret cache to these namespaces (empty:
	// all). Set it to the manager's namespaces when the operator is scoped,
	// or a namespace-scoped Role cannot list the Secrets it watches.
	Namespaces []string
	// ReleaseNamespace, when set, keeps every release's Secrets in this
	// namespace (the operator's own) instead of the resource's, so the
	// operator needs no write access to Secrets where it serves; releases
	// an earlier version left in a resource's namespace are moved here.
	ReleaseNamespace        string
	Selector                metav1.LabelSelector
	WatchDependentResources bool

	// Observer gathers what the hooks need once per reconcile; see Observer.
	Observer       Observer
	PreHooks       []PreReconcileHook
	PostHooks      []PostReconcileHook
	UninstallHooks []UninstallHook
	// StatusProjectors run at the end of every reconcile of a live
	// resource, whatever its outcome; see StatusProjector.
	StatusProjectors []StatusProjector
	// ExtraWatches are more event sources for the controller, for objects
	// the release does not render but hooks depend on (for RayCluster: the
	// pods the head StatefulSet and worker ReplicaSets create, so that a
	// failed head is seen at once rather than at the next period).
	ExtraWatches []source.TypedSource[reconcile.Request]
	// OnGone is called when a reconcile finds the resource deleted, so that
	// hooks can drop what they keep per resource (metrics series, caches).
	OnGone []func(types.NamespacedName)

	// OperatorVersion is part of the input hash, so a new operator build
	// re-checks every release once.
	OperatorVersion string
	// PendingGrace is how long a pending-* revision is left alone before it
	// is taken for the leftover of a dead process and recovered.
	PendingGrace time.Duration
	// MaxHistory is the number of release revisions kept per resource.
	MaxHistory int
	// RollbackOnFailure rolls a failed upgrade back to the previous revision
	// (off by default: once an upgrade has changed things, a rollback can
	// do more harm than a failed release that is retried with backoff).
	RollbackOnFailure bool
	// SkipOpenAPIValidation skips Helm's check of each rendered object
	// against the API server's OpenAPI schema before an install or upgrade.
	// That check re-reads the schema every time (about half of the CPU of
	// creating many releases). Only for a kind whose chart renders objects
	// the API server has already validated in substance, e.g. a pod template
	// that is itself a field of the watched resource's structural schema;
	// the API server still validates every object it is sent.
	SkipOpenAPIValidation bool
	// HelmTimeout bounds how long Helm waits for chart hooks (Jobs, Pods)
	// during install, upgrade and uninstall; Helm treats zero as "no time at
	// all", which would fail every chart hook.
	HelmTimeout time.Duration
	// MaxRetryBackoff caps the per-resource backoff before a failed
	// reconcile runs again (it starts at 5 ms and doubles). Without a cap it
	// grows to minutes: a reconcile failing every few milliseconds while the
	// API server restarts would then hold a head recovery back long after
	// the API server is back.
	MaxRetryBackoff time.Duration
	// MaxRejectedBackoff caps the wait before inputs that the chart or the
	// API server rejected (a render error, an immutable field change) are
	// tried again. Such a failure is not a reconcile error: the first retry
	// waits MaxRetryBackoff, each next one twice as long up to this cap,
	// and a change of the resource is tried at once. Head recovery and the
	// status projection go on meanwhile: only the Helm apply waits.
	MaxRejectedBackoff time.Duration
	// CapabilitiesTTL is how long the cluster's version and API list, as
	// templates see them, are reused before being read again.
	CapabilitiesTTL time.Duration
	// Now is the clock; tests may replace it.
	Now func() time.Time
}

// OptionsFromWatch fills Options from a watches.yaml entry.
func OptionsFromWatch(w Watch) Options {
	return Options{
		GVK:                     w.GVK,
		Chart:                   w.Chart,
		ChartDigest:             w.ChartDigest,
		OverrideValues:          w.OverrideValues,
		ReconcilePeriod:         w.ReconcilePeriod,
		MaxConcurrentReconciles: w.MaxConcurrentReconciles,
		Selector:                w.Selector,
		WatchDependentResources: w.WatchDependentResources,
	}
}

func (o *Options) setDefaults() {
	if o.ReconcilePeriod <= 0 {
		o.ReconcilePeriod = DefaultReconcilePeriod
	}
	if o.FullCheckInterval <= 0 {
		o.FullCheckInterval = o.ReconcilePeriod
	}
	if o.MaxConcurrentReconciles < 1 {
		o.MaxConcurrentReconciles = 1
	}
	if o.PendingGrace <= 0 {
		o.PendingGrace = DefaultPendingGrace
	}
	if o.MaxHistory <= 0 {
		o.MaxHistory = DefaultMaxHistory
	}
	if o.HelmTimeout <= 0 {
		o.HelmTimeout = DefaultHelmTimeout
	}
	if o.MaxRetryBackoff <= 0 {
		o.MaxRetryBackoff = DefaultMaxRetryBackoff
	}
	if o.MaxRejectedBackoff <= 0 {
		o.MaxRejectedBackoff = DefaultMaxRejectedBackoff
	}
	o.MaxRejectedBackoff = max(o.MaxRejectedBackoff, o.MaxRetryBackoff)
	if o.CapabilitiesTTL <= 0 {
		o.CapabilitiesTTL = DefaultCapabilitiesTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Reconciler keeps one Helm release per resource of one kind.
type Reconciler struct {
	opts   Options
	client client.Client // writes (and nothing cached)
	reader client.Reader // the manager's cache: the resource and rendered objects
	// apiReader reads from the API server, for a resource the cache is
	// behind on.
	apiReader client.Reader
	releases  *releaseReader
	legacy    *legacyReleases
	configs   *actionConfigs
	drift     *driftRepairer
	deps      *dependentWatcher
	recorder  events.EventRecorder

	// rejected holds back inputs that were rejected (see reportFailure).
	rejected *rejections

	mu         sync.Mutex
	fullChecks map[types.UID]time.Time
	writes     *writeTracker
}

// New validates opts; SetupWithManager completes the Reconciler.
func New(opts Options) (*Reconciler, error) {
	if opts.GVK.Kind == "" || opts.GVK.Version == "" {
		return nil, fmt.Errorf("helm reconciler: a group/version/kind is required")
	}
	if opts.Chart == nil {
		return nil, fmt.Errorf("helm reconciler for %s: a chart is required", opts.GVK)
	}
	if opts.ChartDigest == "" {
		d, err := chartDigest(opts.Chart)
		if err != nil {
			return nil, fmt.Errorf("helm reconciler for %s: %w", opts.GVK, err)
		}
		opts.ChartDigest = d
	}
	opts.setDefaults()
	return &Reconciler{opts: opts, fullChecks: map[types.UID]time.Time{}, writes: newWriteTracker(),
		rejected: newRejections(opts.MaxRetryBackoff, opts.MaxRejectedBackoff)}, nil
}

// Name is the controller's name: the lower-case kind plus "-helm".
func (r *Reconciler) Name() string { return strings.ToLower(r.opts.GVK.Kind) + "-helm" }

func (r *Reconciler) newObject() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(r.opts.GVK)
	return u
}

// Reconcile brings one resource's release in line with its spec.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := ctrl.LoggerFrom(ctx)
	obj, err := r.read(ctx, req.NamespacedName)
	if apierrors.IsNotFound(err) {
		r.forget(req.NamespacedName)
		return ctrl.Result{}, nil
	}
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("reading %s %s: %w", r.opts.GVK.Kind, req, err)
	}
	ctx = ctrl.LoggerInto(ctx, log.WithValues("release", obj.GetName()))
	if err := r.moveLegacyRelease(ctx, obj); err != nil {
		return ctrl.Result{}, fmt.Errorf("moving the release of %s %s: %w", r.opts.GVK.Kind, req, err)
	}
	if !obj.GetDeletionTimestamp().IsZero() {
		return r.reconcileDelete(ctx, obj)
	}
	if err := r.ensureFinalizers(ctx, obj); err != nil {
		return ctrl.Result{}, err
	}
	s := newScope(obj)
	res, err := r.reconcileNormal(ctx, s)
	for _, cerr := range s.condErrors {
		log.Error(cerr, "Could not update a status condition")
	}
	if s.succeeded && err == nil {
		if serr := setObservedGeneration(s.obj); serr != nil {
			return res, serr
		}
	}
	if perr := r.patchStatus(ctx, s); perr != nil && err == nil {
		err = perr
	}
	if s.urgent {
		res.Priority = ptr.To(UrgentPriority)
	}
	return res, err
}

// read gets the resource from the cache, or from the API server when the
// cache has not seen this reconciler's last write yet (see writeTracker):
// acting on the old copy would repeat what that write recorded, and waiting
// for the cache could miss a failure that Kubernetes repairs within the
// wait. Only reconciles right after a write of their own pay the request.
func (r *Reconciler) read(ctx context.Context, key types.NamespacedName) (*unstructured.Unstructured, error) {
	obj := r.newObject()
	if err := r.reader.Get(ctx, key, obj); err != nil {
		return nil, err
	}
	if !r.writes.behind(key, obj.GetResourceVersion(), r.opts.Now()) {
		return obj, nil
	}
	ctrl.LoggerFrom(ctx).V(1).Info("The cache has not seen this controller's last write yet; reading from the API server",
		"cachedResourceVersion", obj.GetResourceVersion())
	if err := r.apiReader.Get(ctx, key, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// forget drops what the reconciler keeps about a deleted resource and tells
// the OnGone callbacks.
func (r *Reconciler) forget(key types.NamespacedName) {
	r.releases.forget(key.Namespace, key.Name)
	r.legacy.forget(key)
	r.writes.forget(key)
	for _, gone := range r.opts.OnGone {
		gone(key)
	}
}

// ensureFinalizers adds, in one update before anything is installed, our
// finalizer and those of uninstall hooks that apply, so nothing the release
// creates can outlive the resource.
func (r *Reconciler) ensureFinalizers(ctx context.Context, obj *unstructured.Unstructured) error {
	want := []string{UninstallFinalizer}
	for _, h := range r.opts.UninstallHooks {
		if h.Applies(obj) {
			want = append(want, h.Finalizer())
		}
	}
	changed := false
	fins := obj.GetFinalizers()
	for _, f := range want {
		if !containsString(fins, f) {
			fins = append(fins, f)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	obj.SetFinalizers(fins)
	before := obj.GetResourceVersion()
	if err := r.client.Update(ctx, obj); err != nil {
		return fmt.Errorf("adding finalizers to %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
	}
	r.replaced(obj, before)
	return nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (r *Reconciler) event(obj *unstructured.Unstructured, warning bool, reason, action, note string, args ...any) {
	typ := corev1.EventTypeNormal
	if warning {
		typ = corev1.EventTypeWarning
	}
	r.recorder.Eventf(obj, nil, typ, reason, action, note, args...)
}

func (r *Reconciler) lastFullCheck(uid types.UID) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fullChecks[uid]
}

func (r *Reconciler) recordFullCheck(uid types.UID, t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fullChecks[uid] = t
}

func (r *Reconciler) forgetFullCheck(uid types.UID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.fullChecks, uid)
}
