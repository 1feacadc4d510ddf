package helm

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
)

// rejectedNote starts the part of the Irreconcilable message that tells
// when rejected inputs are tried again; sameFailure cuts it off.
const rejectedNote = "; rejected: a retry cannot fix this"

// reportFailure reports a failed Helm action whose conditions the caller
// has set. A failure a retry may fix gets its Warning event and returns err:
// the controller retries with its short backoff (--max-retry-backoff), as
// it always did. A rejection (isRejection) is held back instead: the next
// try waits a doubling time, Irreconcilable says until when, the Warning
// event is emitted once per distinct failure, and the reconcile ends
// without an error (the retry is this requeue, not the rate limiter's).
func (r *Reconciler) reportFailure(ctx context.Context, s *scope, err error, reason, action, what string) error {
	if !isRejection(err) {
		r.event(s.obj, true, reason, action, "%s: %v", what, err)
		return err
	}
	now := r.opts.Now()
	rej := r.rejected.record(s.obj.GetUID(), s.hash, now)
	wait := rej.next.Sub(now)
	reported := sameFailure(findCondition(s.orig, ConditionIrreconcilable), err.Error())
	if c := findCondition(s.obj, ConditionIrreconcilable); c != nil {
		s.cond(ConditionIrreconcilable, metav1.ConditionTrue, c.Reason, err.Error()+heldNote(rej))
	}
	if !reported {
		r.event(s.obj, true, reason, action, "%s: %v", what, err)
	}
	ctrl.LoggerFrom(ctx).Info("Inputs rejected; holding them back", "error", err.Error(),
		"attempt", rej.attempts, "retryAfter", wait, "alreadyReported", reported)
	s.requeue = shorterRequeue(s.requeue, wait)
	return nil
}

// heldNote tells when rejected inputs are tried again. It changes once per
// try, not per reconcile.
func heldNote(rej rejection) string {
	return fmt.Sprintf("%s (try %d); trying again after %s, or at once when the resource changes",
		rejectedNote, rej.attempts, rej.next.UTC().Format(time.RFC3339))
}

// sameFailure tells whether prev (Irreconcilable before this reconcile)
// already reports the failure msg, so its event was emitted: prev is read
// from the resource, so this holds across operator restarts.
func sameFailure(prev *metav1.Condition, msg string) bool {
	if prev == nil || prev.Status != metav1.ConditionTrue {
		return false
	}
	was, _, _ := strings.Cut(prev.Message, rejectedNote)
	return failureKey(was) == failureKey(msg)
}

// holdRejected ends a reconcile whose inputs were rejected before and whose
// wait is not over: nothing is applied, the status projection still runs.
func (r *Reconciler) holdRejected(ctx context.Context, s *scope) (time.Duration, bool) {
	wait, held := r.rejected.holding(s.obj.GetUID(), s.hash, r.opts.Now())
	if held {
		ctrl.LoggerFrom(ctx).V(1).Info("Rejected inputs held back; nothing applied", "retryAfter", wait)
	}
	return wait, held
}
