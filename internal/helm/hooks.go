package helm

import (
	"context"
	"time"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Request is what a hook sees. Object is the reconciler's working copy of the
// resource: whatever a hook writes under its .status is persisted by the
// reconcile's single status patch (hooks must not write status themselves,
// and must not touch the conditions the reconciler owns). Hooks must not
// change Object's spec or metadata: those are never written back.
type Request struct {
	Object *unstructured.Unstructured
	// Values are the values the chart renders with (chart defaults included).
	Values chartutil.Values
	// Release is the last release revision (nil before the first install).
	// Before an apply it comes from the cache, and its Chart carries only
	// the chart's metadata; after an apply it is the resulting revision.
	// Read-only.
	Release *release.Release
	// Observation is the Options.Observer's value for this reconcile (nil
	// without an Observer): gathered once, shared by every hook and the
	// status projectors. The reconciler never looks inside it.
	Observation any
}

// Result tells the reconciler what to do after a hook.
type Result struct {
	// Stop ends the reconcile before anything is applied. The reconciler
	// sets Irreconcilable=True with Reason and Message, emits a Warning event
	// and requeues after RequeueAfter (if set). Nothing is deleted.
	Stop bool
	// Wait also ends the reconcile before anything is applied, but reports
	// nothing: no condition, no event. It is for a hook waiting on a step it
	// started itself that must finish before the apply (the RayCluster hooks
	// wait for the garbage collector to orphan the pods of an earlier
	// chart's workloads). The reconciler requeues after RequeueAfter.
	Wait bool
	// Reason is an UpperCamelCase reason for the condition and event.
	Reason string
	// Message is shown to users; it must not contain secrets.
	Message string
	// RequeueAfter asks to look again within this time (the shortest of all
	// hooks and the reconcile period wins).
	RequeueAfter time.Duration
	// Urgent marks a remediation under way (a head being replaced): this
	// resource's next reconcile goes ahead of routine ones in the
	// controller's priority queue (UrgentPriority), so that a burst of
	// installs does not hold back the step a grace was waiting for.
	Urgent bool
}

// UrgentPriority is the priority queue's priority of a reconcile that a hook
// marked Urgent; routine reconciles have 0, unchanged re-lists
// controller-runtime's LowPriority.
const UrgentPriority = 100

// PreReconcileHook runs before the chart is applied, on every reconcile of a
// resource that is not being deleted, including the fast path that skips
// Helm. Returning an error fails the reconcile (Irreconcilable=True, a
// Warning event, retried with backoff); a reconcile.TerminalError is not
// retried until the resource changes.
type PreReconcileHook interface {
	PreReconcile(ctx context.Context, req *Request) (Result, error)
}

// PostReconcileHook runs after a successful install, upgrade or check. Stop
// is ignored (everything is applied already); errors fail the reconcile as
// for pre-reconcile hooks, but the release stays as applied.
type PostReconcileHook interface {
	PostReconcile(ctx context.Context, req *Request) (Result, error)
}

// UninstallHook runs around the Helm uninstall of a deleted resource and can
// hold its own finalizer until its work is done (e.g. deleting a Ray
// cluster's GCS keys in Redis once the head is gone).
//
// The reconciler adds Finalizer() before the first install when Applies
// says so, calls BeforeUninstall until it reports done, uninstalls the
// release, then calls AfterUninstall until it reports done and removes
// the finalizer. A hook whose finalizer is not on the resource is skipped,
// so a user removing the finalizer by hand always unblocks deletion.
type UninstallHook interface {
	Finalizer() string
	Applies(obj *unstructured.Unstructured) bool
	BeforeUninstall(ctx context.Context, req *Request) (done bool, requeueAfter time.Duration, err error)
	AfterUninstall(ctx context.Context, req *Request) (done bool, requeueAfter time.Duration, err error)
}

// PreReconcileFunc adapts a function to PreReconcileHook.
type PreReconcileFunc func(ctx context.Context, req *Request) (Result, error)

// PreReconcile calls f.
func (f PreReconcileFunc) PreReconcile(ctx context.Context, req *Request) (Result, error) {
	return f(ctx, req)
}

// PostReconcileFunc adapts a function to PostReconcileHook.
type PostReconcileFunc func(ctx context.Context, req *Request) (Result, error)

// PostReconcile calls f.
func (f PostReconcileFunc) PostReconcile(ctx context.Context, req *Request) (Result, error) {
	return f(ctx, req)
}

// shorterRequeue returns the shorter of two non-zero requeue delays.
func shorterRequeue(a, b time.Duration) time.Duration {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	case a < b:
		return a
	default:
		return b
	}
}
