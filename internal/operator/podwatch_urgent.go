/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// HeadTroubleWatch enqueues a RayCluster at helm.UrgentPriority when its
// head pod starts to fail (deletion requested, readiness lost, phase
// Failed) or goes. PodWatch enqueues the same cluster at the routine
// priority; the controller's priority queue keeps one entry and raises it,
// so a failing head is looked at before a burst of new clusters' installs
// queued ahead of it.
func HeadTroubleWatch(c cache.Cache) source.TypedSource[reconcile.Request] {
	return source.Kind(c, &corev1.Pod{}, handler.TypedFuncs[*corev1.Pod, reconcile.Request]{
		UpdateFunc: func(_ context.Context, e event.TypedUpdateEvent[*corev1.Pod], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if headInTrouble(e.ObjectNew) && !headInTrouble(e.ObjectOld) {
				addUrgent(q, e.ObjectNew)
			}
		},
		DeleteFunc: func(_ context.Context, e event.TypedDeleteEvent[*corev1.Pod], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if isHead(e.Object) {
				addUrgent(q, e.Object)
			}
		},
	})
}

func isHead(p *corev1.Pod) bool {
	return p != nil && p.Labels[raycluster.LabelCluster] != "" && p.Labels[raycluster.LabelNodeType] == raycluster.NodeTypeHead
}

// headInTrouble: a head pod being deleted, Failed, or Running but not
// Ready. A head still starting (Pending) is not trouble.
func headInTrouble(p *corev1.Pod) bool {
	if !isHead(p) {
		return false
	}
	if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodFailed {
		return true
	}
	if p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status != corev1.ConditionTrue
		}
	}
	return false
}

// addUrgent adds the pod's RayCluster at helm.UrgentPriority where the queue
// is a priority queue (controller-runtime's default), else plainly.
func addUrgent(q workqueue.TypedRateLimitingInterface[reconcile.Request], p *corev1.Pod) {
	for _, req := range clusterOf(context.Background(), p) {
		if pq, ok := q.(priorityqueue.PriorityQueue[reconcile.Request]); ok {
			pq.AddWithOpts(priorityqueue.AddOpts{Priority: ptr.To(helm.UrgentPriority)}, req)
			continue
		}
		q.Add(req)
	}
}
