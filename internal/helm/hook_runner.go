package helm

import (
	"context"
	"fmt"

	"helm.sh/helm/v3/pkg/release"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
)

// runPreHooks runs the pre-reconcile hooks in order. stop is true when one
// stopped the reconcile, waits or failed; the caller then returns res and err.
func (r *Reconciler) runPreHooks(ctx context.Context, s *scope) (res ctrl.Result, stop bool, err error) {
	req := s.request(s.last)
	for i, h := range r.opts.PreHooks {
		out, err := h.PreReconcile(ctx, req)
		s.urgent = s.urgent || out.Urgent
		if err != nil {
			err = fmt.Errorf("pre-reconcile hook %d of %s/%s: %w", i, s.obj.GetNamespace(), s.obj.GetName(), err)
			r.blocked(s, out.Reason, err.Error())
			return ctrl.Result{}, true, err
		}
		if out.Wait {
			ctrl.LoggerFrom(ctx).V(1).Info("Pre-reconcile hook waits; nothing applied", "hook", i, "requeueAfter", out.RequeueAfter)
			return ctrl.Result{RequeueAfter: out.RequeueAfter}, true, nil
		}
		if out.Stop {
			msg := out.Message
			if msg == "" {
				msg = "stopped by pre-reconcile hook " + out.Reason
			}
			r.blocked(s, out.Reason, msg)
			return ctrl.Result{RequeueAfter: out.RequeueAfter}, true, nil
		}
		s.requeue = shorterRequeue(s.requeue, out.RequeueAfter)
	}
	return ctrl.Result{}, false, nil
}

// blocked reports a stopped or failed pre-hook: Irreconcilable=True with the
// hook's message, and a Warning event when that is news (a blocked resource
// is reconciled again and again; its events should not repeat).
func (r *Reconciler) blocked(s *scope, reason, msg string) {
	prev := findCondition(s.obj, ConditionIrreconcilable)
	s.cond(ConditionIrreconcilable, metav1.ConditionTrue, ReasonPreReconcileHookFailed, msg)
	if prev != nil && prev.Status == metav1.ConditionTrue && prev.Reason == ReasonPreReconcileHookFailed && prev.Message == msg {
		return
	}
	if reason == "" {
		reason = EventReconcileBlocked
	}
	r.event(s.obj, true, reason, actionReconcile, "%s", msg)
}

// runPostHooks runs the post-reconcile hooks with the current release.
func (r *Reconciler) runPostHooks(ctx context.Context, s *scope, rel *release.Release) error {
	req := s.request(rel)
	for i, h := range r.opts.PostHooks {
		out, err := h.PostReconcile(ctx, req)
		s.urgent = s.urgent || out.Urgent
		if err != nil {
			err = fmt.Errorf("post-reconcile hook %d of %s/%s: %w", i, s.obj.GetNamespace(), s.obj.GetName(), err)
			s.cond(ConditionIrreconcilable, metav1.ConditionTrue, ReasonReconcileError, err.Error())
			return err
		}
		s.requeue = shorterRequeue(s.requeue, out.RequeueAfter)
	}
	return nil
}
