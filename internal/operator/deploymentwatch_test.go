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

func workerDeployment(conds ...appsv1.DeploymentCondition) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rc-small-worker",
			Labels: map[string]string{raycluster.LabelCluster: "rc", raycluster.LabelNodeType: raycluster.NodeTypeWork}},
		Status: appsv1.DeploymentStatus{Conditions: conds},
	}
}

func quotaFailure(msg string, at metav1.Time) appsv1.DeploymentCondition {
	return appsv1.DeploymentCondition{Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue,
		Reason: "FailedCreate", Message: msg, LastUpdateTime: at, LastTransitionTime: at}
}

func TestDeploymentPredicateUpdates(t *testing.T) {
	t0, t1 := metav1.Unix(100, 0), metav1.Unix(200, 0)
	progressing := appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue}
	tests := map[string]struct {
		old, new *appsv1.Deployment
		want     bool
	}{
		"ReplicaFailure appears": {old: workerDeployment(progressing), new: workerDeployment(progressing, quotaFailure("exceeded quota", t0)), want: true},
		"ReplicaFailure goes":    {old: workerDeployment(quotaFailure("exceeded quota", t0)), new: workerDeployment(), want: true},
		"its message changes":    {old: workerDeployment(quotaFailure("quota a", t0)), new: workerDeployment(quotaFailure("quota b", t0)), want: true},
		"only its times change":  {old: workerDeployment(quotaFailure("exceeded quota", t0)), new: workerDeployment(quotaFailure("exceeded quota", t1)), want: false},
		"replica counts change": {old: workerDeployment(), new: func() *appsv1.Deployment {
			d := workerDeployment()
			d.Status.ReadyReplicas = 3
			return d
		}(), want: false},
		"not a Ray worker": {old: &appsv1.Deployment{}, new: &appsv1.Deployment{Status: appsv1.DeploymentStatus{
			Conditions: []appsv1.DeploymentCondition{quotaFailure("x", t0)}}}, want: false},
	}
	pred := deploymentPredicate()
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := pred.Update(event.TypedUpdateEvent[*appsv1.Deployment]{ObjectOld: tc.old, ObjectNew: tc.new}); got != tc.want {
				t.Errorf("Update passed = %v, want %v", got, tc.want)
			}
		})
	}
	if pred.Create(event.TypedCreateEvent[*appsv1.Deployment]{Object: workerDeployment()}) ||
		pred.Delete(event.TypedDeleteEvent[*appsv1.Deployment]{Object: workerDeployment()}) {
		t.Error("creations and deletions are the Helm reconciler's; they must not pass here")
	}
}

func TestClusterOfWorkerDeployment(t *testing.T) {
	got := clusterOf(context.Background(), workerDeployment())
	if len(got) != 1 || got[0].Namespace != "ns" || got[0].Name != "rc" {
		t.Errorf("clusterOfDeployment = %v, want ns/rc", got)
	}
	if got := clusterOf(context.Background(), &appsv1.Deployment{}); got != nil {
		t.Errorf("a Deployment without the cluster label maps to %v", got)
	}
}
