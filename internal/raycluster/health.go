/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// HeadState is the head's health as one word; it is also a metric label.
type HeadState string

// Head states. Only Healthy needs nothing; Starting and Terminating are
// normal transitions (first start, rolling update); the rest are failures.
const (
	HeadHealthy             HeadState = "Healthy"
	HeadStarting            HeadState = "Starting"
	HeadMissing             HeadState = "Missing"
	HeadTerminating         HeadState = "Terminating"
	HeadFailed              HeadState = "Failed"
	HeadContainerRestarting HeadState = "ContainerRestarting"
	HeadCrashLoop           HeadState = "CrashLoop"
	HeadNotReady            HeadState = "NotReady"
	HeadNodeLost            HeadState = "NodeLost"
	HeadStuckTerminating    HeadState = "StuckTerminating"
)

// HeadStates lists every HeadState, e.g. to pre-create metric series.
func HeadStates() []HeadState {
	return []HeadState{
		HeadHealthy, HeadStarting, HeadMissing, HeadTerminating, HeadFailed,
		HeadContainerRestarting, HeadCrashLoop, HeadNotReady, HeadNodeLost, HeadStuckTerminating,
	}
}

// IsFailure tells whether the state means the head is down or unhealthy for
// a cause other than a normal start or an orderly deletion.
func (s HeadState) IsFailure() bool {
	switch s {
	case HeadHealthy, HeadStarting, HeadMissing, HeadTerminating:
		return false
	}
	return true
}

// Reason says why the head is in its state. Reasons are UpperCamelCase so
// they can serve as condition and event reasons and as metric labels (the set
// is closed, so label cardinality stays bounded).
type Reason string

// Reasons, grouped by the state they go with.
const (
	ReasonHeadReady Reason = "HeadReady" // Healthy

	ReasonPodPending        Reason = "PodPending"        // Starting
	ReasonPodUnschedulable  Reason = "PodUnschedulable"  // Starting
	ReasonContainerCreating Reason = "ContainerCreating" // Starting
	ReasonContainerWaiting  Reason = "ContainerWaiting"  // Starting: image pull or config error
	ReasonContainerStarting Reason = "ContainerStarting" // Starting: running, not Ready yet

	ReasonPodMissing     Reason = "PodMissing"     // Missing
	ReasonPodTerminating Reason = "PodTerminating" // Terminating

	ReasonPodFailed           Reason = "PodFailed"           // Failed
	ReasonPodEvicted          Reason = "PodEvicted"          // Failed
	ReasonPodSucceeded        Reason = "PodSucceeded"        // Failed: Ray exited 0
	ReasonContainerTerminated Reason = "ContainerTerminated" // Failed: exited, not restarted in place

	ReasonContainerRestarting Reason = "ContainerRestarting" // ContainerRestarting
	ReasonCrashLoopBackOff    Reason = "CrashLoopBackOff"    // CrashLoop
	ReasonHeadNotReady        Reason = "HeadNotReady"        // NotReady
	ReasonPodPhaseUnknown     Reason = "PodPhaseUnknown"     // NotReady

	ReasonNodeNotReady     Reason = "NodeNotReady"     // NodeLost: kubelet reports not Ready
	ReasonNodeUnreachable  Reason = "NodeUnreachable"  // NodeLost: no heartbeat (Ready Unknown)
	ReasonNodeOutOfService Reason = "NodeOutOfService" // NodeLost: admin says the node is down
	ReasonNodeMissing      Reason = "NodeMissing"      // NodeLost: Node object gone

	ReasonStuckTerminating Reason = "StuckTerminating" // StuckTerminating
)

// Action is what the classification suggests; Decide turns it into what the
// operator does now.
type Action string

// Actions, from harmless to destructive.
const (
	// ActionNone: the head is healthy.
	ActionNone Action = "None"
	// ActionObserve: Kubernetes is handling it, or a bound has not elapsed
	// (then RecheckAfter says when to look again), or the policy is off.
	ActionObserve Action = "Observe"
	// ActionDeletePod: a normal delete with the pod's grace period; the
	// StatefulSet creates the new head only once the old pod is gone.
	ActionDeletePod Action = "DeletePod"
	// ActionForceDeletePod: a delete with grace period 0, only for a pod whose
	// node is lost or which is Terminating past its grace, since no kubelet
	// will confirm the deletion.
	ActionForceDeletePod Action = "ForceDeletePod"
)

// PodRef names the pod an action is for. UID and ResourceVersion are the
// delete's preconditions: a replacement pod that took the name meanwhile is
// never hit, and neither is the observed pod once it has changed (say, its
// kubelet reported back), since the decision was made on what was seen.
type PodRef struct {
	Name            string
	UID             types.UID
	ResourceVersion string
	// Created is the pod's creation time (whole seconds).
	Created time.Time
}

// HeadInput holds the facts ClassifyHead needs, gathered once per reconcile.
type HeadInput struct {
	// Pod is the StatefulSet's head pod, nil when it does not exist.
	Pod *corev1.Pod
	// Node is the node the pod is bound to; nil when the pod is not bound or
	// when the Node object does not exist (the gatherer fails on other errors).
	Node *corev1.Node
	// OtherHeads are pods of this cluster labelled as head other than Pod
	// (leftovers, or created by hand). A live one blocks any replacement.
	OtherHeads []corev1.Pod
	// RedisUnavailable is true when the latest Redis probe failed: a new head
	// would not get healthier, so CrashLoop/not-Ready replacements wait.
	RedisUnavailable bool
	// Policy carries the bounds; Decide applies the rest of it.
	Policy Policy
}

// HeadHealth is the verdict of ClassifyHead.
type HeadHealth struct {
	State   HeadState
	Reason  Reason
	Message string
	// Action is the suggestion before backoff, cap and safety checks.
	Action Action
	// RecheckAfter is set when a bound has not elapsed yet: look again then.
	RecheckAfter time.Duration
	// Since is when the API first showed this state (a condition's transition
	// time, a deletion request, a container's exit); zero when unknown. It is
	// the start of a recovery for timing.
	Since time.Time
	// Pod is the pod the action is for; empty when there is none.
	Pod PodRef
	// OtherLiveHeads names live head pods besides Pod (see HeadInput).
	OtherLiveHeads []string
	// RedisUnavailable is copied from the input for Decide.
	RedisUnavailable bool
}

// ClassifyHead turns the facts about the head into a HeadHealth. It is a pure
// function: same facts and same now, same answer.
func ClassifyHead(in HeadInput, now time.Time) HeadHealth {
	h := classifyHeadPod(in, now)
	if in.Pod != nil {
		h.Pod = PodRef{Name: in.Pod.Name, UID: in.Pod.UID, ResourceVersion: in.Pod.ResourceVersion,
			Created: in.Pod.CreationTimestamp.Time}
	}
	h.OtherLiveHeads = liveHeadNames(in.OtherHeads)
	h.RedisUnavailable = in.RedisUnavailable
	return h
}

// classifyHeadPod checks in order of precedence: a terminal pod is deleted at
// once by the API server whatever its node, so it comes first; a lost node
// explains every other symptom of its pods, so it comes before them.
func classifyHeadPod(in HeadInput, now time.Time) HeadHealth {
	pod := in.Pod
	switch {
	case pod == nil:
		return HeadHealth{State: HeadMissing, Reason: ReasonPodMissing, Action: ActionObserve,
			Message: "no head pod; the StatefulSet creates one"}
	case pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded:
		return classifyTerminal(pod)
	}
	if h, lost := classifyNode(pod, in.Node, in.Policy, now); lost {
		return preferStuckTerminating(h, pod, in.Policy, now)
	}
	switch {
	case pod.DeletionTimestamp != nil:
		return classifyTerminating(pod, in.Policy, now)
	case pod.Status.Phase == corev1.PodPending:
		return classifyPending(pod)
	case pod.Status.Phase == corev1.PodUnknown:
		return HeadHealth{State: HeadNotReady, Reason: ReasonPodPhaseUnknown, Action: ActionObserve,
			Message: fmt.Sprintf("head pod %s: phase Unknown", pod.Name)}
	}
	return classifyRunning(pod, in.Policy, now)
}

// classifyTerminal handles Failed and Succeeded pods: the StatefulSet
// controller deletes and recreates them, so the operator only observes.
func classifyTerminal(pod *corev1.Pod) HeadHealth {
	h := HeadHealth{State: HeadFailed, Reason: ReasonPodFailed, Action: ActionObserve, Since: notReadySince(pod)}
	switch {
	case pod.Status.Phase == corev1.PodSucceeded:
		h.Reason = ReasonPodSucceeded
	case pod.Status.Reason == "Evicted":
		h.Reason = ReasonPodEvicted
	}
	h.Message = fmt.Sprintf("head pod %s is %s (%s); the StatefulSet replaces it", pod.Name, pod.Status.Phase, h.Reason)
	if pod.Status.Message != "" {
		h.Message += ": " + pod.Status.Message
	}
	return h
}

// liveHeadNames returns the pods that could be a running head: not terminal
// and not being deleted. Their nodes are not checked on purpose: when in
// doubt, the operator does not act.
func liveHeadNames(pods []corev1.Pod) []string {
	var names []string
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
			continue
		}
		names = append(names, p.Name)
	}
	return names
}

// waitUntil returns Observe with a recheck when the bound has not elapsed
// since the given time, and act otherwise.
func waitUntil(h HeadHealth, since time.Time, bound time.Duration, now time.Time, act Action) HeadHealth {
	left := since.Add(bound).Sub(now)
	if left > 0 {
		h.Action = ActionObserve
		h.RecheckAfter = left
		h.Message += fmt.Sprintf("; acting in %s", left.Round(time.Second))
		return h
	}
	h.Action = act
	return h
}

// minPositive returns the smaller of two durations, ignoring zeros.
func minPositive(a, b time.Duration) time.Duration {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	case a < b:
		return a
	}
	return b
}
