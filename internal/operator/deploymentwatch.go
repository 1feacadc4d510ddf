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

// DeploymentWatch enqueues the RayCluster of a worker Deployment whose
// ReplicaFailure condition changes. The status hook reports that condition
// (pods refused by a quota, say), and it is the one change no pod event
// announces: the refused pods never exist. The Helm reconciler's own
// watch of rendered objects ignores status-only updates on purpose, so a
// Deployment's replica counts do not cost a reconcile each.
func DeploymentWatch(c cache.Cache) source.TypedSource[reconcile.Request] {
	return source.Kind(c, &appsv1.Deployment{},
		handler.TypedEnqueueRequestsFromMapFunc(clusterOf[*appsv1.Deployment]),
		deploymentPredicate())
}

// deploymentPredicate passes updates of Ray worker Deployments that change
// their ReplicaFailure condition; creations and deletions are the Helm
// reconciler's to see.
func deploymentPredicate() predicate.TypedPredicate[*appsv1.Deployment] {
	isWorker := func(d *appsv1.Deployment) bool {
		return d != nil && d.Labels[raycluster.LabelCluster] != "" && d.Labels[raycluster.LabelNodeType] == raycluster.NodeTypeWork
	}
	return predicate.TypedFuncs[*appsv1.Deployment]{
		CreateFunc:  func(event.TypedCreateEvent[*appsv1.Deployment]) bool { return false },
		DeleteFunc:  func(event.TypedDeleteEvent[*appsv1.Deployment]) bool { return false },
		GenericFunc: func(event.TypedGenericEvent[*appsv1.Deployment]) bool { return false },
		UpdateFunc: func(e event.TypedUpdateEvent[*appsv1.Deployment]) bool {
			return isWorker(e.ObjectNew) && !equality.Semantic.DeepEqual(replicaFailure(e.ObjectOld), replicaFailure(e.ObjectNew))
		},
	}
}

// replicaFailure is the Deployment's ReplicaFailure condition without its
// timestamps (nil when absent).
func replicaFailure(d *appsv1.Deployment) *appsv1.DeploymentCondition {
	if d == nil {
		return nil
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentReplicaFailure {
			c.LastUpdateTime, c.LastTransitionTime = metav1.Time{}, metav1.Time{}
			return &c
		}
	}
	return nil
}
