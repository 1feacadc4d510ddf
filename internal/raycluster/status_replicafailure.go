/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// setReplicaFailure is ReplicaFailure's only writer. It reports, most
// telling first:
//   - FailedDeleteHeadPod: the head hook's delete failed in this reconcile,
//     or failed earlier and neither a delete has gone through since nor is
//     the head Ready;
//   - FailedCreateHeadPod: the head pod is missing and its StatefulSet's
//     create was refused (quota, Pod Security, a webhook);
//   - FailedCreateWorkerPod: a worker ReplicaSet cannot create or delete
//     pods;
//
// and removes the condition when none holds.
func setReplicaFailure(st *rayv1.RayClusterStatus, f statusFacts, headReady bool) {
	reason, msg := replicaFailure(findCondition(st, rayv1.ReplicaFailure), f, headReady)
	if reason == "" {
		removeCondition(st, rayv1.ReplicaFailure)
		return
	}
	setCondition(st, rayv1.ReplicaFailure, metav1.ConditionTrue, reason, msg, f.Generation, f.Now)
}

// replicaFailure picks the reason and message; "" for none.
func replicaFailure(cur *metav1.Condition, f statusFacts, headReady bool) (string, string) {
	d := f.HeadDelete
	switch {
	case d.Err != nil:
		return rayv1.ReasonFailedDeleteHeadPod, fmt.Sprintf("deleting head pod %s failed: %v", d.Pod, d.Err)
	case cur != nil && cur.Reason == rayv1.ReasonFailedDeleteHeadPod && !d.Tried && !headReady:
		return cur.Reason, cur.Message
	case f.Head == nil && f.HeadCreateRefused != "":
		return rayv1.ReasonFailedCreateHeadPod, "the head StatefulSet cannot create the head pod: " + f.HeadCreateRefused
	}
	if rs, c := failingReplicaSet(f.ReplicaSets); rs != nil {
		return rayv1.ReasonFailedCreateWorkerPod, fmt.Sprintf("ReplicaSet %s: %s", rs.Name, c.Message)
	}
	return "", ""
}

// failingReplicaSet returns the first worker ReplicaSet whose
// ReplicaFailure condition is True.
func failingReplicaSet(sets []appsv1.ReplicaSet) (*appsv1.ReplicaSet, *appsv1.ReplicaSetCondition) {
	for i := range sets {
		for j, c := range sets[i].Status.Conditions {
			if c.Type == appsv1.ReplicaSetReplicaFailure && c.Status == corev1.ConditionTrue {
				return &sets[i], &sets[i].Status.Conditions[j]
			}
		}
	}
	return nil, nil
}
