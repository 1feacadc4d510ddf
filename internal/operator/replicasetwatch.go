/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// ReplicaSetWatch enqueues the RayCluster of a worker ReplicaSet whose
// ReplicaFailure condition changes. The status projection reports that condition
// (pods refused by a quota, say), and it is the one change no pod event
// announces: the refused pods never exist. The Helm reconciler's own
// watch of rendered objects ignores status-only updates on purpose, so a
// ReplicaSet's replica counts do not cost a reconcile each.
func ReplicaSetWatch(c cache.Cache) source.TypedSource[reconcile.Request] {
	return source.Kind(c, &appsv1.ReplicaSet{},
		handler.TypedEnqueueRequestsFromMapFunc(clusterOf[*appsv1.ReplicaSet]),
		replicaSetPredicate())
}

// replicaSetPredicate passes updates of Ray worker ReplicaSets that change
// their ReplicaFailure condition; creations and deletions are the Helm
// reconciler's to see.
func replicaSetPredicate() predicate.TypedPredicate[*appsv1.ReplicaSet] {
	isWorker := func(rs *appsv1.ReplicaSet) bool {
		return rs != nil && rs.Labels[raycluster.LabelCluster] != "" && rs.Labels[raycluster.LabelNodeType] == raycluster.NodeTypeWork
	}
	return predicate.TypedFuncs[*appsv1.ReplicaSet]{
		CreateFunc:  func(event.TypedCreateEvent[*appsv1.ReplicaSet]) bool { return false },
		DeleteFunc:  func(event.TypedDeleteEvent[*appsv1.ReplicaSet]) bool { return false },
		GenericFunc: func(event.TypedGenericEvent[*appsv1.ReplicaSet]) bool { return false },
		UpdateFunc: func(e event.TypedUpdateEvent[*appsv1.ReplicaSet]) bool {
			return isWorker(e.ObjectNew) && !equality.Semantic.DeepEqual(replicaFailure(e.ObjectOld), replicaFailure(e.ObjectNew))
		},
	}
}

// replicaFailure is the ReplicaSet's ReplicaFailure condition without its
// timestamp (nil when absent).
func replicaFailure(rs *appsv1.ReplicaSet) *appsv1.ReplicaSetCondition {
	if rs == nil {
		return nil
	}
	for _, c := range rs.Status.Conditions {
		if c.Type == appsv1.ReplicaSetReplicaFailure {
			c.LastTransitionTime = metav1.Time{}
			return &c
		}
	}
	return nil
}
