package helm

import (
	"context"
	"fmt"
	"time"

	"helm.sh/helm/v3/pkg/release"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
)

// reconcileDelete tears a deleted resource down: uninstall hooks' before
// phase, Helm uninstall (which also handles pending releases), uninstall
// hooks' after phase, then the finalizers that are done are removed in one
// update, after the one status patch.
func (r *Reconciler) reconcileDelete(ctx context.Context, obj *unstructured.Unstructured) (ctrl.Result, error) {
	s := newScope(obj)
	var err error
	if s.last, err = r.releases.last(ctx, obj.GetNamespace(), obj.GetName()); err != nil {
		return ctrl.Result{}, err
	}
	res, err := r.teardown(ctx, s)
	// The status patch refreshes s.obj from the server, finalizers included,
	// so take the finalizers teardown left first.
	fins := s.obj.GetFinalizers()
	changed := len(fins) != len(s.orig.GetFinalizers())
	if perr := r.patchStatus(ctx, s); perr != nil && err == nil {
		err = perr
	}
	if changed {
		if ferr := r.setFinalizers(ctx, s.obj, fins); ferr != nil && err == nil {
			err = ferr
		}
	}
	return res, err
}

// teardown removes finalizers from s.obj (in memory) as their work is done.
func (r *Reconciler) teardown(ctx context.Context, s *scope) (ctrl.Result, error) {
	req := s.request(s.last)
	var wait time.Duration
	for _, h := range r.activeUninstallHooks(s.obj) {
		done, after, err := h.BeforeUninstall(ctx, req)
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("uninstall hook %s before uninstall of %s/%s: %w", h.Finalizer(), s.obj.GetNamespace(), s.obj.GetName(), err)
		}
		if !done {
			wait = shorterRequeue(wait, orDefault(after, time.Second))
		}
	}
	if wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	if hasFinalizer(s.obj, UninstallFinalizer) {
		if err := r.uninstallRelease(ctx, s); err != nil {
			return ctrl.Result{}, err
		}
	}
	for _, h := range r.activeUninstallHooks(s.obj) {
		done, after, err := h.AfterUninstall(ctx, req)
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("uninstall hook %s after uninstall of %s/%s: %w", h.Finalizer(), s.obj.GetNamespace(), s.obj.GetName(), err)
		}
		if done {
			removeFinalizer(s.obj, h.Finalizer())
			continue
		}
		wait = shorterRequeue(wait, orDefault(after, time.Second))
	}
	return ctrl.Result{RequeueAfter: wait}, nil
}

func (r *Reconciler) uninstallRelease(ctx context.Context, s *scope) error {
	removed, err := r.uninstall(ctx, s.obj)
	if err != nil {
		s.cond(ConditionReleaseFailed, metav1.ConditionTrue, ReasonUninstallError, err.Error())
		s.cond(ConditionIrreconcilable, metav1.ConditionTrue, ReasonReconcileError, err.Error())
		r.event(s.obj, true, EventUninstallFailed, actionUninstall, "Uninstalling the release failed: %v", err)
		return err
	}
	if removed {
		ctrl.LoggerFrom(ctx).Info("Uninstalled release")
		r.event(s.obj, false, EventUninstallSucceeded, actionUninstall, "Uninstalled the release")
	}
	s.cond(ConditionDeployed, metav1.ConditionFalse, ReasonUninstallSuccessful, "the release was uninstalled")
	s.cond(ConditionReleaseFailed, metav1.ConditionFalse, ReasonReleaseSucceeded, "")
	_ = setDeployedRelease(s.obj, (*release.Release)(nil))
	removeFinalizer(s.obj, UninstallFinalizer)
	r.releases.forget(s.obj.GetNamespace(), s.obj.GetName())
	r.forgetFullCheck(s.obj.GetUID())
	r.rejected.forget(s.obj.GetUID())
	if r.deps != nil {
		r.deps.forget(types.NamespacedName{Namespace: s.obj.GetNamespace(), Name: s.obj.GetName()})
	}
	return nil
}

// activeUninstallHooks are the hooks whose finalizer is still on obj.
func (r *Reconciler) activeUninstallHooks(obj *unstructured.Unstructured) []UninstallHook {
	var out []UninstallHook
	for _, h := range r.opts.UninstallHooks {
		if hasFinalizer(obj, h.Finalizer()) {
			out = append(out, h)
		}
	}
	return out
}

// setFinalizers writes the finalizers left after teardown; an Update, so a
// concurrent change of the list is a conflict and retried, never lost.
func (r *Reconciler) setFinalizers(ctx context.Context, obj *unstructured.Unstructured, fins []string) error {
	obj.SetFinalizers(fins)
	before := obj.GetResourceVersion()
	if err := r.client.Update(ctx, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("removing finalizers of %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
	}
	r.replaced(obj, before)
	return nil
}

func hasFinalizer(obj *unstructured.Unstructured, f string) bool {
	return containsString(obj.GetFinalizers(), f)
}

func removeFinalizer(obj *unstructured.Unstructured, f string) {
	var out []string
	for _, v := range obj.GetFinalizers() {
		if v != f {
			out = append(out, v)
		}
	}
	obj.SetFinalizers(out)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
