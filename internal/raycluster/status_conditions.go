/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// setCondition sets a condition of st and reports whether anything changed.
// Unlike meta.SetStatusCondition it takes the time from the caller (the
// hooks' injected clock), so tests are deterministic. LastTransitionTime
// moves only when Status changes; an identical condition is left alone, so
// a steady-state reconcile writes nothing.
func setCondition(st *rayv1.RayClusterStatus, t rayv1.RayClusterConditionType, status metav1.ConditionStatus,
	reason, message string, generation int64, now metav1.Time) bool {
	want := metav1.Condition{Type: string(t), Status: status, Reason: reason, Message: message,
		ObservedGeneration: generation, LastTransitionTime: now}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		if c.Type != string(t) {
			continue
		}
		if c.Status == status {
			want.LastTransitionTime = c.LastTransitionTime
		}
		if *c == want {
			return false
		}
		*c = want
		return true
	}
	st.Conditions = append(st.Conditions, want)
	return true
}

// removeCondition drops a condition and reports whether it was there.
func removeCondition(st *rayv1.RayClusterStatus, t rayv1.RayClusterConditionType) bool {
	for i := range st.Conditions {
		if st.Conditions[i].Type == string(t) {
			st.Conditions = append(st.Conditions[:i], st.Conditions[i+1:]...)
			return true
		}
	}
	return false
}

// findCondition returns a condition of st, nil when absent.
func findCondition(st *rayv1.RayClusterStatus, t rayv1.RayClusterConditionType) *metav1.Condition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == string(t) {
			return &st.Conditions[i]
		}
	}
	return nil
}

// conditionIs reports whether the condition exists with the given status.
func conditionIs(st *rayv1.RayClusterStatus, t rayv1.RayClusterConditionType, status metav1.ConditionStatus) bool {
	c := findCondition(st, t)
	return c != nil && c.Status == status
}
