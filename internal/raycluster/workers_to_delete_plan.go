/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// scaleDownPlan is what one group's scaleStrategy.workersToDelete asks of
// its current pods.
type scaleDownPlan struct {
	// Victims are the pods to delete: the named pods that are not
	// terminating yet and, when the group would still have more pods than
	// asked once they are gone, the newest other pods beyond that count.
	Victims []corev1.Pod
	// Missing are the names no pod of the group has (deduplicated, in list
	// order): KubeRay ignores them, and so does the operator.
	Missing []string
	// Named tells whether any named pod of the group still exists, even
	// terminating: only then is there a scale-down to honour.
	Named bool
}

// planScaleDown decides a group's scale-down from its pods (read from the
// API server), the names the autoscaler listed and the pods the group
// wants (desiredPods).
//
// The extra victims cover a named pod that was already terminating when it
// was named: the ReplicaSet has replaced it, so after the named pods go the
// group is one over what Ray's autoscaler asked for. KubeRay counts a
// terminating pod as present and never makes that replacement; deleting the
// newest pods (the replacement) ends where KubeRay ends.
func planScaleDown(pods []corev1.Pod, names []string, want int64) scaleDownPlan {
	named := map[string]bool{}
	for _, n := range names {
		named[n] = true
	}
	var plan scaleDownPlan
	present := map[string]bool{}
	var rest []corev1.Pod
	for _, p := range pods {
		switch {
		case named[p.Name]:
			present[p.Name], plan.Named = true, true
			if p.DeletionTimestamp == nil {
				plan.Victims = append(plan.Victims, p)
			}
		case p.DeletionTimestamp == nil && !scaleDownGated(&p):
			rest = append(rest, p)
		}
	}
	for _, n := range names {
		if !present[n] && !slices.Contains(plan.Missing, n) {
			plan.Missing = append(plan.Missing, n)
		}
	}
	if plan.Named && int64(len(rest)) > want {
		slices.SortFunc(rest, newestFirst)
		plan.Victims = append(plan.Victims, rest[:int64(len(rest))-want]...)
	}
	return plan
}

// newestFirst orders pods by creation, newest first; names break a tie
// (timestamps have second precision) so the choice is the same every time.
func newestFirst(a, b corev1.Pod) int {
	if c := b.CreationTimestamp.Time.Compare(a.CreationTimestamp.Time); c != 0 {
		return c
	}
	return strings.Compare(b.Name, a.Name)
}
