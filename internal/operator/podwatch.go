/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// PodWatch enqueues the RayCluster named by a pod's ray.io/cluster label
// when the pod appears, goes, or changes in a way the hooks care about.
// The chart's objects are watched by the reconciler already, but pods are
// made by the StatefulSet and the ReplicaSets, so without this a failed
// head would only be seen at the next period.
func PodWatch(c cache.Cache) source.TypedSource[reconcile.Request] {
	return source.Kind(c, &corev1.Pod{},
		handler.TypedEnqueueRequestsFromMapFunc(clusterOf[*corev1.Pod]),
		podPredicate())
}

// clusterOf maps an object the chart's workloads made (a pod, a worker
// ReplicaSet) to the RayCluster named by its ray.io/cluster label.
func clusterOf[T client.Object](_ context.Context, o T) []reconcile.Request {
	name := o.GetLabels()[raycluster.LabelCluster]
	if name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: name}}}
}

// podPredicate passes Ray pods' creations and deletions, and updates that
// change what the hooks read: phase, deletion, node, IP, conditions and
// container states. Label-less pods never pass.
func podPredicate() predicate.TypedPredicate[*corev1.Pod] {
	isRay := func(p *corev1.Pod) bool { return p != nil && p.Labels[raycluster.LabelCluster] != "" }
	return predicate.TypedFuncs[*corev1.Pod]{
		CreateFunc:  func(e event.TypedCreateEvent[*corev1.Pod]) bool { return isRay(e.Object) },
		DeleteFunc:  func(e event.TypedDeleteEvent[*corev1.Pod]) bool { return isRay(e.Object) },
		GenericFunc: func(event.TypedGenericEvent[*corev1.Pod]) bool { return false },
		UpdateFunc: func(e event.TypedUpdateEvent[*corev1.Pod]) bool {
			return isRay(e.ObjectNew) && !equality.Semantic.DeepEqual(podHealthView(e.ObjectOld), podHealthView(e.ObjectNew))
		},
	}
}

// podHealthView is the part of a pod the hooks read.
type healthView struct {
	Deleting   bool
	Phase      corev1.PodPhase
	Node, IP   string
	Conditions []corev1.PodCondition
	Containers []corev1.ContainerStatus
}

func podHealthView(p *corev1.Pod) healthView {
	return healthView{
		Deleting: p.DeletionTimestamp != nil, Phase: p.Status.Phase,
		Node: p.Spec.NodeName, IP: p.Status.PodIP,
		Conditions: p.Status.Conditions, Containers: p.Status.ContainerStatuses,
	}
}
