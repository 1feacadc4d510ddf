/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Taints the node lifecycle controller and administrators put on lost nodes.
const (
	taintUnreachable  = "node.kubernetes.io/unreachable"
	taintNotReady     = "node.kubernetes.io/not-ready"
	taintOutOfService = "node.kubernetes.io/out-of-service"
)

// classifyNode reports whether the pod's node is lost and, if so, the
// verdict. A pod that is not bound to a node has no node to lose.
func classifyNode(pod *corev1.Pod, node *corev1.Node, p Policy, now time.Time) (HeadHealth, bool) {
	if pod.Spec.NodeName == "" {
		return HeadHealth{}, false
	}
	if node == nil {
		return nodeMissing(pod, p, now), true
	}
	if t := findTaint(node, taintOutOfService); t != nil {
		// An administrator asserts the node is shut down (non-graceful node
		// shutdown): no process of the old head can still run, so no grace.
		return HeadHealth{State: HeadNodeLost, Reason: ReasonNodeOutOfService, Action: ActionForceDeletePod,
			Since:   taintTime(t, now),
			Message: fmt.Sprintf("head pod %s: node %s is tainted %s", pod.Name, node.Name, taintOutOfService)}, true
	}
	reason, since, lost := nodeLostSince(node, now)
	if !lost {
		return HeadHealth{}, false
	}
	h := HeadHealth{State: HeadNodeLost, Reason: reason, Since: since,
		Message: fmt.Sprintf("head pod %s: node %s %s since %s", pod.Name, node.Name, nodeLostWords(reason), since.UTC().Format(time.RFC3339))}
	return waitUntil(h, since, p.NodeLostGrace, now, ActionForceDeletePod), true
}

// nodeMissing handles a pod bound to a Node object that no longer exists.
// The grace runs from the pod's scheduling, which guards against a cache
// that has not seen a brand-new node yet: an old pod on a missing node is
// orphaned for sure.
func nodeMissing(pod *corev1.Pod, p Policy, now time.Time) HeadHealth {
	since := now
	if c := podCondition(pod, corev1.PodScheduled); c != nil && !c.LastTransitionTime.IsZero() {
		since = c.LastTransitionTime.Time
	}
	h := HeadHealth{State: HeadNodeLost, Reason: ReasonNodeMissing, Since: since,
		Message: fmt.Sprintf("head pod %s: its node %s does not exist", pod.Name, pod.Spec.NodeName)}
	return waitUntil(h, since, p.NodeLostGrace, now, ActionForceDeletePod)
}

// nodeLostSince reads the node's Ready condition, falling back to the
// node-lifecycle taints when the condition is absent. A Ready=True condition
// wins over a stale taint: the node is back. A taint without a time counts
// from now, so it alone never triggers a force-delete.
func nodeLostSince(node *corev1.Node, now time.Time) (Reason, time.Time, bool) {
	if c := nodeCondition(node, corev1.NodeReady); c != nil {
		switch c.Status {
		case corev1.ConditionFalse:
			return ReasonNodeNotReady, c.LastTransitionTime.Time, true
		case corev1.ConditionUnknown:
			return ReasonNodeUnreachable, c.LastTransitionTime.Time, true
		}
		return "", time.Time{}, false
	}
	if t := findTaint(node, taintUnreachable); t != nil {
		return ReasonNodeUnreachable, taintTime(t, now), true
	}
	if t := findTaint(node, taintNotReady); t != nil {
		return ReasonNodeNotReady, taintTime(t, now), true
	}
	return "", time.Time{}, false
}

func nodeLostWords(r Reason) string {
	if r == ReasonNodeUnreachable {
		return "is unreachable (Ready Unknown)"
	}
	return "is not Ready"
}

// preferStuckTerminating lets a pod that is both on a lost node and
// Terminating past its own grace be force-deleted as soon as either bound
// has elapsed, and otherwise rechecks at the earlier of the two.
func preferStuckTerminating(h HeadHealth, pod *corev1.Pod, p Policy, now time.Time) HeadHealth {
	if pod.DeletionTimestamp == nil || h.Action != ActionObserve {
		return h
	}
	t := classifyTerminating(pod, p, now)
	if t.Action == ActionForceDeletePod {
		return t
	}
	h.RecheckAfter = minPositive(h.RecheckAfter, t.RecheckAfter)
	return h
}

// classifyTerminating handles a pod with a deletionTimestamp. The API server
// sets that timestamp to the request time plus the grace period, so it is the
// moment the kubelet should have finished; past it plus the extra grace, the
// pod is stuck and only a force-delete removes it.
func classifyTerminating(pod *corev1.Pod, p Policy, now time.Time) HeadHealth {
	deadline := pod.DeletionTimestamp.Time
	requested := deadline
	if g := pod.DeletionGracePeriodSeconds; g != nil {
		requested = deadline.Add(-time.Duration(*g) * time.Second)
	}
	overdue := now.Sub(deadline)
	if overdue < p.StuckTerminatingGrace {
		return HeadHealth{State: HeadTerminating, Reason: ReasonPodTerminating, Since: requested,
			Action: ActionObserve, RecheckAfter: p.StuckTerminatingGrace - overdue,
			Message: fmt.Sprintf("head pod %s is terminating (deadline %s)", pod.Name, deadline.UTC().Format(time.RFC3339))}
	}
	msg := fmt.Sprintf("head pod %s is still terminating %s after its deadline", pod.Name, overdue.Round(time.Second))
	if len(pod.Finalizers) > 0 {
		// A force-delete does not remove finalizers; say so, since the pod
		// will then stay until whoever owns them lets go.
		msg += fmt.Sprintf("; it has finalizers %v", pod.Finalizers)
	}
	return HeadHealth{State: HeadStuckTerminating, Reason: ReasonStuckTerminating, Since: requested,
		Action: ActionForceDeletePod, Message: msg}
}

func nodeCondition(node *corev1.Node, t corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == t {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}

func findTaint(node *corev1.Node, key string) *corev1.Taint {
	for i := range node.Spec.Taints {
		if node.Spec.Taints[i].Key == key {
			return &node.Spec.Taints[i]
		}
	}
	return nil
}

// taintTime is when the taint was added; only NoExecute taints carry it.
func taintTime(t *corev1.Taint, fallback time.Time) time.Time {
	if t.TimeAdded != nil {
		return t.TimeAdded.Time
	}
	return fallback
}
