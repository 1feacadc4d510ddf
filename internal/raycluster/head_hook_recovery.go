/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// recoveryStep is what advanceRecovery changed.
type recoveryStep string

const (
	stepNone      recoveryStep = ""
	stepStarted   recoveryStep = "Started"
	stepRecovered recoveryStep = "Recovered"
)

// recoveryChange reports a recovery that started or ended in this reconcile.
type recoveryChange struct {
	Step     recoveryStep
	Reason   rayv1.HeadFailureReason
	Duration time.Duration
	// Unseen is set on a recovery that started and ended between two
	// reconciles: the head was replaced before the operator looked.
	Unseen bool
}

// recoveryInProgress reads from status whether a recovery is under way: the
// HeadRecovering condition is True and the recovery clock has a start. Both
// live in status, so an operator restart picks the clock up where it was.
func recoveryInProgress(st *rayv1.RayClusterStatus) bool {
	return conditionIs(st, rayv1.HeadRecovering, metav1.ConditionTrue) &&
		st.Recovery != nil && st.Recovery.LastRecoveryStartTime != nil
}

// headWasReady tells whether the head was last seen Ready. A head that was
// never Ready is still starting, and a missing or starting pod is then no
// failure; once it was Ready, any outage is one (a deleted or evicted head
// first shows as Terminating, Missing or Starting, which are not failures by
// themselves).
func headWasReady(st *rayv1.RayClusterStatus) bool {
	c := findCondition(st, rayv1.HeadRecovering)
	return c != nil && c.Status == metav1.ConditionFalse && c.Reason == string(rayv1.HeadReady)
}

// advanceRecovery moves the recovery record of st on by what the head looks
// like now. It starts the clock on the first unhealthy sighting of a head
// that failed or was Ready before, and stops it when the head is Ready
// again. The clock starts when the failure first showed in the API (the
// classifier's Since: a node's NotReady transition, a container's exit, a
// deletion request), not when the operator happened to look.
//
// A head can also be deleted and its replacement be Ready before the
// operator looks (the StatefulSet and the kubelet act on the deletion at
// once; the operator's queue may be busy). The Ready head then has another
// UID than the one last seen Ready, and the whole recovery is recorded at
// once (replacedUnseen).
func advanceRecovery(st *rayv1.RayClusterStatus, h HeadHealth, now time.Time) recoveryChange {
	inProgress := recoveryInProgress(st)
	switch {
	case h.State == HeadHealthy && inProgress:
		return finishRecovery(st, h, now)
	case h.State == HeadHealthy && replacedUnseen(st, h):
		return recordUnseenRecovery(st, h, now)
	case h.State == HeadHealthy:
		noteReadyHead(st, h)
		return recoveryChange{}
	case inProgress:
		return recoveryChange{}
	case h.State.IsFailure() || headWasReady(st):
		return startRecovery(st, h, now)
	}
	return recoveryChange{}
}

// replacedUnseen tells whether the Ready head is another pod than the one
// last seen Ready, with the head seen Ready last time and no recovery under
// way since.
func replacedUnseen(st *rayv1.RayClusterStatus, h HeadHealth) bool {
	return headWasReady(st) && st.Recovery != nil && st.Recovery.LastReadyHeadPodUID != "" &&
		h.Pod.UID != "" && h.Pod.UID != st.Recovery.LastReadyHeadPodUID
}

// recordUnseenRecovery records a head replaced between two looks as a
// PodMissing failure that has already recovered. Its clock starts when the
// replacement pod was created, the closest the API tells to the old head's
// end, so the duration is a lower bound (plus whole-second rounding).
func recordUnseenRecovery(st *rayv1.RayClusterStatus, h HeadHealth, now time.Time) recoveryChange {
	old := st.Recovery.LastReadyHeadPodUID
	start := h.Pod.Created
	if start.IsZero() || start.After(now) {
		start = now
	}
	startRecovery(st, HeadHealth{Since: start, Reason: ReasonPodMissing,
		Message: fmt.Sprintf("head pod %s (uid %s) was replaced by a new pod (uid %s) between two reconciles", h.Pod.Name, old, h.Pod.UID)}, now)
	c := finishRecovery(st, h, now)
	c.Unseen = true
	return c
}

// noteReadyHead remembers the Ready head's UID. It changes only when the
// head does, so a steady state writes nothing.
func noteReadyHead(st *rayv1.RayClusterStatus, h HeadHealth) {
	if h.Pod.UID == "" {
		return
	}
	if st.Recovery == nil {
		st.Recovery = &rayv1.RecoveryStatus{}
	}
	st.Recovery.LastReadyHeadPodUID = h.Pod.UID
}

func startRecovery(st *rayv1.RayClusterStatus, h HeadHealth, now time.Time) recoveryChange {
	if st.Recovery == nil {
		st.Recovery = &rayv1.RecoveryStatus{}
	}
	r := st.Recovery
	reason := failureReason(h)
	start := now
	if !h.Since.IsZero() && h.Since.Before(now) {
		start = h.Since
	}
	r.LastFailureTime = &metav1.Time{Time: now}
	r.LastFailureReason = reason
	r.LastFailureMessage = stableMessage(h.Message)
	r.LastRecoveryStartTime = &metav1.Time{Time: start}
	return recoveryChange{Step: stepStarted, Reason: reason}
}

func finishRecovery(st *rayv1.RayClusterStatus, h HeadHealth, now time.Time) recoveryChange {
	noteReadyHead(st, h)
	r := st.Recovery
	d := now.Sub(r.LastRecoveryStartTime.Time)
	if d < 0 {
		d = 0
	}
	r.Count++
	r.LastRecoveryDuration = &metav1.Duration{Duration: d}
	return recoveryChange{Step: stepRecovered, Reason: r.LastFailureReason, Duration: d}
}

// failureReason maps a classification to a HeadRecovering reason. A head
// that goes Terminating, Missing or Pending after it was Ready was deleted
// or evicted; those are recorded as PodMissing, the cause, rather than as
// the step Kubernetes happens to be at. A Ray container that runs but is no
// longer Ready is HeadNotReady, whatever its start time says.
func failureReason(h HeadHealth) rayv1.HeadFailureReason {
	switch {
	case h.State.IsFailure():
		return rayv1.HeadFailureReason(h.Reason)
	case h.Reason == ReasonContainerStarting:
		return rayv1.HeadFailureNotReady
	}
	return rayv1.HeadFailurePodMissing
}

// stableMessage drops the countdown the classifier appends ("; acting in
// 12s"), which would change on every reconcile and make status churn.
func stableMessage(msg string) string {
	before, _, _ := strings.Cut(msg, "; acting in ")
	return before
}

// history reads the forced-replacement history kept in status.
func history(st *rayv1.RayClusterStatus) ReplacementHistory {
	if st.Recovery == nil {
		return ReplacementHistory{}
	}
	h := ReplacementHistory{Count: st.Recovery.ConsecutiveForcedReplacements}
	if t := st.Recovery.LastForcedReplacementTime; t != nil {
		h.LastReplacement = t.Time
	}
	return h
}

// recordReplacement stores a replacement done at now in status.
func recordReplacement(st *rayv1.RayClusterStatus, p Policy, now time.Time) {
	h := history(st).Record(p, now)
	if st.Recovery == nil {
		st.Recovery = &rayv1.RecoveryStatus{}
	}
	st.Recovery.ConsecutiveForcedReplacements = h.Count
	st.Recovery.LastForcedReplacementTime = &metav1.Time{Time: h.LastReplacement}
}

// recovering tells whether a recovery is under way after this reconcile's
// change (the condition is only set afterwards).
func recovering(st *rayv1.RayClusterStatus, c recoveryChange) bool {
	return c.Step == stepStarted || (c.Step == stepNone && recoveryInProgress(st))
}

// headRecoveringCondition is the HeadRecovering condition for what the hook
// saw and did. Its message names the head's state and the operator's step
// in fixed words (no countdowns), so it changes only on a transition.
func headRecoveringCondition(st *rayv1.RayClusterStatus, c recoveryChange, h HeadHealth, d Decision, out ReplaceOutcome) (metav1.ConditionStatus, string, string) {
	switch {
	case h.State == HeadHealthy:
		return metav1.ConditionFalse, string(rayv1.HeadReady), fmt.Sprintf("head pod %s is Ready", h.Pod.Name)
	case recovering(st, c):
		return metav1.ConditionTrue, string(st.Recovery.LastFailureReason), recoveringMessage(h, d, out)
	}
	return metav1.ConditionFalse, string(h.Reason), "the head has not been Ready yet: " + stableMessage(h.Message)
}

// recoveringMessage says where the head is and what the operator does.
func recoveringMessage(h HeadHealth, d Decision, out ReplaceOutcome) string {
	pod := h.Pod.Name
	if pod == "" {
		pod = "(none)"
	}
	return fmt.Sprintf("head pod %s: %s (%s); %s", pod, h.State, h.Reason, operatorStep(d, out))
}

// operatorStep describes the decision in words that do not change while it
// holds.
func operatorStep(d Decision, out ReplaceOutcome) string {
	switch d.Verdict {
	case VerdictReplace:
		return replaceStep(d, out)
	case VerdictDisabled:
		return "head replacement is disabled; observing only"
	case VerdictAnotherHeadAlive:
		return "not replacing it: another head pod is alive"
	case VerdictRedisUnavailable:
		return "not replacing it: Redis is unreachable, a new head would not be healthier"
	case VerdictBackoff:
		return "replacement held back by the backoff between replacements"
	case VerdictCapReached:
		return "replacement cap reached; waiting for a human or the replacement window"
	case VerdictFleetBrake:
		return "not force-deleting it: the fleet brake holds (see the FleetBrake condition)"
	}
	if d.RecheckAfter > 0 {
		return "waiting for the policy's bound before replacing it"
	}
	return "Kubernetes is bringing a new head; waiting for it to be Ready"
}

func replaceStep(d Decision, out ReplaceOutcome) string {
	verb := "deleted"
	if d.Action == ActionForceDeletePod {
		verb = "force-deleted"
	}
	switch out {
	case OutcomeDeleted:
		return verb + " it; the StatefulSet starts a new head"
	case OutcomeAlreadyGone:
		return "it is already gone; the StatefulSet starts a new head"
	case OutcomePodChanged:
		return "it changed since it was observed; deciding again"
	}
	return "deleting it failed; retrying"
}
