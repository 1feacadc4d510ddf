/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

func workerReplicaSet(conds ...appsv1.ReplicaSetCondition) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rc-small-worker",
			Labels: map[string]string{raycluster.LabelCluster: "rc", raycluster.LabelNodeType: raycluster.NodeTypeWork}},
		Status: appsv1.ReplicaSetStatus{Conditions: conds},
	}
}

func quotaFailure(msg string, at metav1.Time) appsv1.ReplicaSetCondition {
	return appsv1.ReplicaSetCondition{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
		Reason: "FailedCreate", Message: msg, LastTransitionTime: at}
}

func TestReplicaSetPredicateUpdates(t *testing.T) {
	t0, t1 := metav1.Unix(100, 0), metav1.Unix(200, 0)
	// ReplicaSets have no other condition type today; a made-up one stands
	// for any condition that is not ReplicaFailure.
	progressing := appsv1.ReplicaSetCondition{Type: "Progressing", Status: corev1.ConditionTrue}
	tests := map[string]struct {
		old, new *appsv1.ReplicaSet
		want     bool
	}{
		"ReplicaFailure appears": {old: workerReplicaSet(progressing), new: workerReplicaSet(progressing, quotaFailure("exceeded quota", t0)), want: true},
		"ReplicaFailure goes":    {old: workerReplicaSet(quotaFailure("exceeded quota", t0)), new: workerReplicaSet(), want: true},
		"its message changes":    {old: workerReplicaSet(quotaFailure("quota a", t0)), new: workerReplicaSet(quotaFailure("quota b", t0)), want: true},
		"only its times change":  {old: workerReplicaSet(quotaFailure("exceeded quota", t0)), new: workerReplicaSet(quotaFailure("exceeded quota", t1)), want: false},
		"replica counts change": {old: workerReplicaSet(), new: func() *appsv1.ReplicaSet {
			d := workerReplicaSet()
			d.Status.ReadyReplicas = 3
			return d
		}(), want: false},
		"not a Ray worker": {old: &appsv1.ReplicaSet{}, new: &appsv1.ReplicaSet{Status: appsv1.ReplicaSetStatus{
			Conditions: []appsv1.ReplicaSetCondition{quotaFailure("x", t0)}}}, want: false},
	}
	pred := replicaSetPredicate()
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := pred.Update(event.TypedUpdateEvent[*appsv1.ReplicaSet]{ObjectOld: tc.old, ObjectNew: tc.new}); got != tc.want {
				t.Errorf("Update passed = %v, want %v", got, tc.want)
			}
		})
	}
	if pred.Create(event.TypedCreateEvent[*appsv1.ReplicaSet]{Object: workerReplicaSet()}) ||
		pred.Delete(event.TypedDeleteEvent[*appsv1.ReplicaSet]{Object: workerReplicaSet()}) {
		t.Error("creations and deletions are the Helm reconciler's; they must not pass here")
	}
}

func TestClusterOfWorkerReplicaSet(t *testing.T) {
	got := clusterOf(context.Background(), workerReplicaSet())
	if len(got) != 1 || got[0].Namespace != "ns" || got[0].Name != "rc" {
		t.Errorf("clusterOf = %v, want ns/rc", got)
	}
	if got := clusterOf(context.Background(), &appsv1.ReplicaSet{}); got != nil {
		t.Errorf("a ReplicaSet without the cluster label maps to %v", got)
	}
}
