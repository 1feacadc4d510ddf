/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// VerdictFleetBrake: Decide chose a force-delete and the fleet brake holds
// it back.
const VerdictFleetBrake Verdict = "FleetBrake"

// Event reasons of the fleet brake: one when a cluster's force-delete
// starts being held (or is held for another reason), one when it no
// longer is.
const (
	EventHeadReplacementHeldByFleetBrake = "HeadReplacementHeldByFleetBrake"
	EventFleetBrakeReleased              = "FleetBrakeReleased"
)

// fleetBrakeCheck is what the brake said about one run's decision.
type fleetBrakeCheck struct {
	hold *BrakeHold
	// admitted is when a force-delete was admitted (zero: none was).
	admitted time.Time
}

// checkFleetBrake asks the brake before a force-delete and turns a held
// one into an observation. Only force-deletes ask: a graceful delete
// leaves the kubelet to confirm, so it cannot start a second head. An
// out-of-service taint is an administrator's word that the node is shut
// down, so no partition is possible and the brake does not apply (as the
// taint also bypasses the node lifecycle controller).
func (k *HeadHealthHook) checkFleetBrake(ctx context.Context, run *headRun) error {
	d := run.dec
	if k.FleetBrake == nil || d.Verdict != VerdictReplace || d.Action != ActionForceDeletePod || d.Reason == ReasonNodeOutOfService {
		return nil
	}
	node := ""
	if run.scope.HeadPod != nil {
		node = run.scope.HeadPod.Spec.NodeName
	}
	h, err := k.FleetBrake.Admit(ctx, node, run.scope.Now)
	if err != nil {
		return err
	}
	if h == nil {
		run.brake.admitted = run.scope.Now
		return nil
	}
	run.brake.hold = h
	run.dec = hold(d, VerdictFleetBrake, "the fleet brake holds force-deletes: "+h.Message, h.RecheckAfter)
	return nil
}

// reportFleetBrake gives back an admitted slot that was not used, and sets
// the FleetBrake condition, its events, log line and metrics. The event,
// log line and hold counter mark the start of a hold (the condition
// appears), not each reconcile while it lasts, nor a change of reason
// within it (a disrupted zone that is settling is the same hold).
func (k *HeadHealthHook) reportFleetBrake(ctx context.Context, run *headRun) {
	if !run.brake.admitted.IsZero() && (run.outcome != OutcomeDeleted || run.actErr != nil) {
		k.FleetBrake.Return(run.brake.admitted)
	}
	key := types.NamespacedName{Namespace: run.rc.Namespace, Name: run.rc.Name}
	h := run.brake.hold
	k.Metrics.SetHeldByFleetBrake(key, h != nil)
	log := ctrl.LoggerFrom(ctx)
	prev := findCondition(&run.st, rayv1.FleetBrake)
	if h == nil {
		if prev != nil && removeCondition(&run.st, rayv1.FleetBrake) {
			log.Info("Fleet brake no longer holds the head force-delete")
			k.Recorder.Eventf(run.obj, nil, eventType(false), EventFleetBrakeReleased, actionObserveHead,
				"The fleet brake no longer holds back this head's replacement")
		}
		return
	}
	newHold := prev == nil
	setCondition(&run.st, rayv1.FleetBrake, metav1.ConditionTrue, h.Reason,
		"force-deleting head pod "+run.dec.Pod.Name+" is held: "+h.Message, run.rc.Generation, metav1.NewTime(run.scope.Now))
	if newHold {
		k.Metrics.CountFleetBrakeHold(h.Reason)
		log.Info("Fleet brake holds the head force-delete", "pod", run.dec.Pod.Name, "reason", h.Reason, "why", h.Message)
		k.Recorder.Eventf(run.obj, nil, eventType(true), EventHeadReplacementHeldByFleetBrake, actionReplaceHead,
			"Not force-deleting head pod %s: %s", run.dec.Pod.Name, h.Message)
	}
}
