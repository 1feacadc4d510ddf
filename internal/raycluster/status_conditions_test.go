/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

func TestSetCondition(t *testing.T) {
	existing := metav1.Condition{Type: string(rayv1.SpecValid), Status: metav1.ConditionTrue,
		Reason: rayv1.ReasonSpecValid, ObservedGeneration: 1, LastTransitionTime: mt(0)}
	tests := map[string]struct {
		start          []metav1.Condition
		status         metav1.ConditionStatus
		reason, msg    string
		generation     int64
		wantChanged    bool
		wantTransition metav1.Time
	}{
		"added when absent": {
			status: metav1.ConditionTrue, reason: rayv1.ReasonSpecValid, generation: 1,
			wantChanged: true, wantTransition: mt(10),
		},
		"identical: no change, transition time kept": {
			start: []metav1.Condition{existing}, status: metav1.ConditionTrue, reason: rayv1.ReasonSpecValid, generation: 1,
			wantChanged: false, wantTransition: mt(0),
		},
		"new generation only: changed, transition time kept": {
			start: []metav1.Condition{existing}, status: metav1.ConditionTrue, reason: rayv1.ReasonSpecValid, generation: 2,
			wantChanged: true, wantTransition: mt(0),
		},
		"status flips: transition time moves": {
			start: []metav1.Condition{existing}, status: metav1.ConditionFalse, reason: rayv1.ReasonInvalidSpec, msg: "bad", generation: 1,
			wantChanged: true, wantTransition: mt(10),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st := &rayv1.RayClusterStatus{Conditions: append([]metav1.Condition{
				{Type: string(rayv1.HeadPodReady), Status: metav1.ConditionTrue, Reason: "Other", LastTransitionTime: mt(-5)},
			}, tc.start...)}
			got := setCondition(st, rayv1.SpecValid, tc.status, tc.reason, tc.msg, tc.generation, mt(10))
			if got != tc.wantChanged {
				t.Errorf("changed = %v, want %v", got, tc.wantChanged)
			}
			want := metav1.Condition{Type: string(rayv1.SpecValid), Status: tc.status, Reason: tc.reason, Message: tc.msg,
				ObservedGeneration: tc.generation, LastTransitionTime: tc.wantTransition}
			if c := findCondition(st, rayv1.SpecValid); c == nil || !c.LastTransitionTime.Equal(&want.LastTransitionTime) ||
				c.Status != want.Status || c.Reason != want.Reason || c.Message != want.Message || c.ObservedGeneration != want.ObservedGeneration {
				t.Errorf("condition = %+v, want %+v", c, want)
			}
			if len(st.Conditions) != 2 || st.Conditions[0].Reason != "Other" {
				t.Errorf("other conditions touched: %+v", st.Conditions)
			}
		})
	}
}

func TestRemoveCondition(t *testing.T) {
	st := &rayv1.RayClusterStatus{Conditions: []metav1.Condition{
		{Type: string(rayv1.HeadPodReady)}, {Type: string(rayv1.ReplicaFailure)}, {Type: string(rayv1.SpecValid)},
	}}
	if !removeCondition(st, rayv1.ReplicaFailure) {
		t.Fatal("ReplicaFailure not reported removed")
	}
	if removeCondition(st, rayv1.ReplicaFailure) {
		t.Error("removing an absent condition reported a change")
	}
	if len(st.Conditions) != 2 || st.Conditions[0].Type != string(rayv1.HeadPodReady) || st.Conditions[1].Type != string(rayv1.SpecValid) {
		t.Errorf("conditions after removal: %+v", st.Conditions)
	}
}
