/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// The head's warm spare: a placeholder pod that holds the head's resource
// requests on another node than the head, with the head's images pulled
// there, so a head that must move (its node lost) lands on a node with
// room and a warm image cache. The chart renders it (head-spare.yaml); the
// head spare hook makes its PriorityClass and reports it (HeadSpare).
const (
	// AnnotationHeadSpare "enabled" gives a RayCluster a warm spare for its
	// head; anything else (or no annotation) none.
	AnnotationHeadSpare = AnnotationPrefix + "head-spare"
	// HeadSpareEnabled is the annotation's value that turns the spare on.
	HeadSpareEnabled = "enabled"
	// LabelHeadSpareOf marks a spare pod with its cluster's name. The spare
	// carries no ray.io labels: it is no Ray node, and KubeRay clients that
	// count a cluster's pods by ray.io/cluster must not count it.
	LabelHeadSpareOf = AnnotationPrefix + "head-spare-of"
	// HeadSparePriorityClass is the spare's PriorityClass, one for every
	// cluster, made by the operator on first use.
	HeadSparePriorityClass = "ray-ha-head-spare"
	// HeadSparePriority is its value: below the default 0 of every pod
	// without a PriorityClass, so any such pod (the head first) may preempt
	// the spare, and the spare never preempts anything.
	HeadSparePriority int32 = -10
)

// spareRecheck is how soon a reconcile looks at a spare that is not running
// yet: spare pods carry no ray.io/cluster label, so their changes trigger
// no reconcile by themselves.
const spareRecheck = 15 * time.Second

// spareInput is what the HeadSpare condition is decided from.
type spareInput struct {
	Enabled   bool
	Suspended bool
	// PriorityClassErr is why the spare's PriorityClass is missing.
	PriorityClassErr error
	// Head is the head pod, nil when none.
	Head *corev1.Pod
	// Spares are the cluster's spare pods (any state).
	Spares []corev1.Pod
}

// spareReport is the HeadSpare condition to set; Remove drops it.
type spareReport struct {
	Remove  bool
	Status  metav1.ConditionStatus
	Reason  string
	Message string
	// Recheck asks to look again; zero when the spare is settled.
	Recheck time.Duration
}

// assessSpare decides the HeadSpare condition. The message of a running
// spare says plainly what it costs: the capacity it holds, unused while the
// head is healthy.
func assessSpare(in spareInput) spareReport {
	switch {
	case !in.Enabled:
		return spareReport{Remove: true}
	case in.Suspended:
		return spareFalse(rayv1.ReasonHeadSpareMissing, "the cluster is suspended: no spare runs and no capacity is held", 0)
	case in.PriorityClassErr != nil:
		return spareFalse(rayv1.ReasonHeadSparePriorityClassMissing,
			fmt.Sprintf("no spare can be admitted: PriorityClass %s: %v", HeadSparePriorityClass, in.PriorityClassErr), spareRecheck)
	}
	spare := liveSpare(in.Spares)
	if spare == nil {
		return spareFalse(rayv1.ReasonHeadSpareMissing,
			"no spare pod: its ReplicaSet makes a new one (after a preemption, it is placed on a node other than the head's)", spareRecheck)
	}
	node := spare.Spec.NodeName
	if in.Head != nil && node != "" && in.Head.Spec.NodeName == node {
		return spareFalse(rayv1.ReasonHeadSpareOnHeadNode,
			fmt.Sprintf("spare pod %s shares the head's node %s: it holds nothing a moved head could use", spare.Name, node), spareRecheck)
	}
	held := spareRequests(spare)
	if node == "" {
		return spareFalse(rayv1.ReasonHeadSparePending,
			fmt.Sprintf("spare pod %s is not scheduled: %s; no capacity is held", spare.Name, unscheduledWhy(spare)), spareRecheck)
	}
	if spare.Status.Phase != corev1.PodRunning {
		return spareFalse(rayv1.ReasonHeadSparePending,
			fmt.Sprintf("spare pod %s holds %s on node %s; its images are not there yet (phase %s)", spare.Name, held, node, phaseOf(spare)), spareRecheck)
	}
	return spareReport{Status: metav1.ConditionTrue, Reason: rayv1.ReasonHeadSpareReady,
		Message: fmt.Sprintf("spare pod %s holds %s on node %s with the head's images pulled there; "+
			"this capacity stays unused while the head is healthy", spare.Name, held, node)}
}

func spareFalse(reason, msg string, recheck time.Duration) spareReport {
	return spareReport{Status: metav1.ConditionFalse, Reason: reason, Message: msg, Recheck: recheck}
}

// liveSpare is the spare that counts: not being deleted, a running one
// before a pending one, then by name, so the choice is stable.
func liveSpare(pods []corev1.Pod) *corev1.Pod {
	var live []*corev1.Pod
	for i := range pods {
		if pods[i].DeletionTimestamp == nil && pods[i].Status.Phase != corev1.PodFailed && pods[i].Status.Phase != corev1.PodSucceeded {
			live = append(live, &pods[i])
		}
	}
	if len(live) == 0 {
		return nil
	}
	slices.SortFunc(live, func(a, b *corev1.Pod) int {
		ar, br := a.Status.Phase == corev1.PodRunning, b.Status.Phase == corev1.PodRunning
		if ar != br {
			if ar {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return live[0]
}

// spareRequests sums the spare's container requests, "cpu=2, memory=8Gi".
func spareRequests(p *corev1.Pod) string {
	sum := corev1.ResourceList{}
	for _, c := range p.Spec.Containers {
		for name, q := range c.Resources.Requests {
			total := sum[name]
			total.Add(q)
			sum[name] = total
		}
	}
	if len(sum) == 0 {
		return "no resource requests (the head's containers request none, so no capacity is held)"
	}
	names := make([]string, 0, len(sum))
	for name := range sum {
		names = append(names, string(name))
	}
	slices.Sort(names)
	parts := make([]string, 0, len(names))
	for _, name := range names {
		q := sum[corev1.ResourceName(name)]
		parts = append(parts, name+"="+q.String())
	}
	return strings.Join(parts, ", ")
}

// unscheduledWhy is the scheduler's message on a pending pod.
func unscheduledWhy(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Message != "" {
			return "the scheduler says: " + c.Message
		}
	}
	return "the scheduler has not placed it yet"
}

func phaseOf(p *corev1.Pod) string {
	if p.Status.Phase == "" {
		return string(corev1.PodPending)
	}
	return string(p.Status.Phase)
}
