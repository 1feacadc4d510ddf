/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// recoveringRecheck is how soon a reconcile looks again while a recovery is
// under way and no bound says otherwise. Pod events normally come first;
// this only covers a missed one.
const recoveringRecheck = 5 * time.Second

// HeadHealthHook is the pre-reconcile hook that keeps the head alive:
// observe (the reconcile's Observation), decide (ClassifyHead, Decide), act
// (ReplaceHead), then record the step in status, events and metrics. It
// never stops the chart apply: the chart is applied with the head as it is,
// and a replaced head is picked up by the StatefulSet.
type HeadHealthHook struct {
	// Reader is the manager's cache (pods, nodes).
	Reader client.Reader
	// Writer deletes head pods.
	Writer   client.Writer
	Recorder EventRecorder
	Clock    clock.PassiveClock
	// Policy is the operator-wide policy; annotations refine it per cluster.
	Policy  Policy
	Metrics *Metrics
	// FleetBrake is the operator-wide check before any force-delete; nil
	// judges each head alone.
	FleetBrake *FleetBrake
}

// headRun carries one run of the hook through its phases.
type headRun struct {
	obj     *unstructured.Unstructured
	rc      *rayv1.RayCluster
	st      rayv1.RayClusterStatus
	obs     *Observation
	scope   *Scope
	health  HeadHealth
	dec     Decision
	outcome ReplaceOutcome
	actErr  error
	brake   fleetBrakeCheck
}

// PreReconcile runs observe, decide, act and report for one RayCluster.
func (k *HeadHealthHook) PreReconcile(ctx context.Context, req *helm.Request) (helm.Result, error) {
	run, err := k.observe(ctx, req)
	if err != nil {
		return helm.Result{}, err
	}
	if ptr.Deref(run.rc.Spec.Suspend, false) {
		k.reportFleetBrake(ctx, run) // nothing to force: any hold ends
		return helm.Result{}, k.suspended(req, run)
	}
	run.health = ClassifyHead(run.scope.HeadInput(run.obs.RedisUnavailable), run.scope.Now)
	run.dec = Decide(run.health, history(&run.st), run.scope.Policy, run.scope.Now)
	if err := k.checkFleetBrake(ctx, run); err != nil {
		return helm.Result{}, err
	}
	k.act(ctx, run)
	k.report(ctx, run)
	k.reportFleetBrake(ctx, run)
	if err := WriteStatus(req.Object, &run.st); err != nil {
		return helm.Result{}, err
	}
	return helm.Result{RequeueAfter: requeueAfter(run), Urgent: urgent(run)}, nil
}

// urgent: a recovery is under way, so the next reconcile (the force-delete
// once a grace ends, the check that the new head came) goes ahead of the
// routine ones, e.g. a burst of new clusters' installs.
func urgent(run *headRun) bool { return recoveryInProgress(&run.st) }

// observe takes the reconcile's observation (pods, head node, the Redis
// verdict), gathered once for every hook.
func (k *HeadHealthHook) observe(ctx context.Context, req *helm.Request) (*headRun, error) {
	rc, err := FromObject(req.Object)
	if err != nil {
		return nil, err
	}
	obs, err := ObservationOf(ctx, req, &Observer{Reader: k.Reader, Clock: k.Clock, Policy: k.Policy})
	if err != nil {
		return nil, fmt.Errorf("head health of RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	return &headRun{obj: req.Object, rc: rc, st: *rc.Status.DeepCopy(), obs: obs, scope: obs.Scope}, nil
}

// suspended reports a suspended cluster: its head is gone on purpose, so
// there is nothing to recover, and a recovery under way ends uncounted.
func (k *HeadHealthHook) suspended(req *helm.Request, run *headRun) error {
	setCondition(&run.st, rayv1.HeadRecovering, metav1.ConditionFalse, reasonSuspended,
		"the cluster is suspended", run.rc.Generation, metav1.NewTime(run.scope.Now))
	k.Metrics.SetHeadState(types.NamespacedName{Namespace: run.rc.Namespace, Name: run.rc.Name}, HeadMissing)
	return WriteStatus(req.Object, &run.st)
}

// reasonSuspended is HeadRecovering's reason while the cluster is suspended.
const reasonSuspended = "Suspended"

// act carries out a delete decision; everything else only observes.
func (k *HeadHealthHook) act(ctx context.Context, run *headRun) {
	if run.dec.Verdict != VerdictReplace {
		return
	}
	run.outcome, run.actErr = ReplaceHead(ctx, k.Writer, run.rc.Namespace, run.dec)
	if run.actErr != nil {
		ctrl.LoggerFrom(ctx).Error(run.actErr, "Replacing the head failed", "pod", run.dec.Pod.Name)
		return
	}
	if run.outcome == OutcomeDeleted {
		recordReplacement(&run.st, run.scope.Policy, run.scope.Now)
		k.Metrics.CountReplacement(run.dec.Reason)
	}
}

// report updates status, events and metrics for what was seen and done.
func (k *HeadHealthHook) report(ctx context.Context, run *headRun) {
	now := run.scope.Now
	change := advanceRecovery(&run.st, run.health, now)
	k.reportChange(ctx, run, change)
	status, reason, msg := headRecoveringCondition(&run.st, change, run.health, run.dec, run.outcome)
	if run.scope.PolicyErr != nil {
		msg += "; ignored annotations: " + run.scope.PolicyErr.Error()
	}
	mnow := metav1.NewTime(now)
	if setCondition(&run.st, rayv1.HeadRecovering, status, reason, msg, run.rc.Generation, mnow) {
		k.reportTransition(run, msg)
	}
	handOverDelete(run)
	k.Metrics.SetHeadState(types.NamespacedName{Namespace: run.rc.Namespace, Name: run.rc.Name}, run.health.State)
}

// reportChange emits the events and metrics of a recovery that started or
// ended now, and of a delete done now.
func (k *HeadHealthHook) reportChange(ctx context.Context, run *headRun, c recoveryChange) {
	log := ctrl.LoggerFrom(ctx)
	switch c.Step {
	case stepStarted:
		k.Metrics.CountFailure(Reason(c.Reason))
		log.Info("Head failure detected", "state", run.health.State, "reason", c.Reason)
		k.Recorder.Eventf(run.obj, nil, eventType(true), EventHeadFailureDetected, actionObserveHead,
			"Head failure detected: %s", stableMessage(run.health.Message))
	case stepRecovered:
		if c.Unseen {
			k.Metrics.CountFailure(Reason(c.Reason))
			log.Info("Head replaced between two reconciles", "reason", c.Reason)
			k.Recorder.Eventf(run.obj, nil, eventType(true), EventHeadFailureDetected, actionObserveHead,
				"Head failure detected after the fact: %s", run.st.Recovery.LastFailureMessage)
		}
		k.Metrics.ObserveRecovery(Reason(c.Reason), c.Duration)
		log.Info("Head recovered", "reason", c.Reason, "duration", c.Duration)
		k.Recorder.Eventf(run.obj, nil, eventType(false), EventHeadRecovered, actionObserveHead,
			"Head %s is Ready again %s after the failure (%s)", run.health.Pod.Name, c.Duration.Round(time.Millisecond), c.Reason)
	}
	switch {
	case run.actErr != nil:
		k.Recorder.Eventf(run.obj, nil, eventType(true), EventHeadReplaceFailed, actionReplaceHead,
			"Deleting head pod %s failed: %v", run.dec.Pod.Name, run.actErr)
	case run.outcome == OutcomeDeleted && run.dec.Action == ActionForceDeletePod:
		k.Recorder.Eventf(run.obj, nil, eventType(true), EventHeadForceDeleted, actionReplaceHead,
			"Force-deleted head pod %s: %s", run.dec.Pod.Name, stableMessage(run.dec.Message))
	case run.outcome == OutcomeDeleted:
		k.Recorder.Eventf(run.obj, nil, eventType(true), EventHeadReplaced, actionReplaceHead,
			"Deleted head pod %s for a fresh one: %s", run.dec.Pod.Name, stableMessage(run.dec.Message))
	}
}

// reportTransition emits an event when a replacement starts being held back
// (the condition's message changed to say so): once per hold, not per
// reconcile.
func (k *HeadHealthHook) reportTransition(run *headRun, msg string) {
	reason := ""
	switch run.dec.Verdict {
	case VerdictBackoff:
		reason = EventHeadReplacementBackoff
	case VerdictCapReached:
		reason = EventHeadReplacementCapReached
	case VerdictRedisUnavailable, VerdictAnotherHeadAlive:
		reason = EventHeadReplacementHeld
	}
	if reason != "" {
		k.Recorder.Eventf(run.obj, nil, eventType(true), reason, actionObserveHead, "%s", msg)
	}
	if run.scope.PolicyErr != nil {
		k.Recorder.Eventf(run.obj, nil, eventType(true), EventHeadPolicyAnnotationsWrong, actionObserveHead,
			"Using the operator-wide values instead: %v", run.scope.PolicyErr)
	}
}

// handOverDelete tells the status projection (ReplicaFailure's one
// writer) about a head delete of this reconcile, and marks a deleted head
// as terminating in the observation, as the next read will show it.
func handOverDelete(run *headRun) {
	if run.actErr == nil && run.outcome == "" {
		return
	}
	run.obs.HeadDelete = HeadDeleteAttempt{Tried: true, Pod: run.dec.Pod.Name, Err: run.actErr}
	if run.outcome == OutcomeDeleted && run.obs.HeadPod != nil && run.obs.HeadPod.DeletionTimestamp == nil {
		head := run.obs.HeadPod.DeepCopy()
		head.DeletionTimestamp = ptr.To(metav1.NewTime(run.scope.Now))
		run.obs.HeadPod = head
	}
}

// requeueAfter is when the hook wants to look again: when a bound elapses,
// soon while a recovery is under way, after the backoff base when a delete
// failed.
func requeueAfter(run *headRun) time.Duration {
	d := run.dec.RecheckAfter
	if run.actErr != nil {
		d = minPositive(d, run.scope.Policy.BackoffBase)
	}
	if recoveryInProgress(&run.st) {
		d = minPositive(d, recoveringRecheck)
	}
	return d
}
