/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

func TestHeadInTrouble(t *testing.T) {
	now := metav1.Now()
	tests := map[string]struct {
		mutate func(*corev1.Pod)
		want   bool
	}{
		"Ready head":           {mutate: func(*corev1.Pod) {}},
		"deletion requested":   {mutate: func(p *corev1.Pod) { p.DeletionTimestamp = &now }, want: true},
		"Failed":               {mutate: func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }, want: true},
		"readiness lost":       {mutate: func(p *corev1.Pod) { p.Status.Conditions[0].Status = corev1.ConditionFalse }, want: true},
		"still starting":       {mutate: func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending; p.Status.Conditions = nil }},
		"a worker, deleting":   {mutate: func(p *corev1.Pod) { p.Labels["ray.io/node-type"] = "worker"; p.DeletionTimestamp = &now }},
		"no cluster, deleting": {mutate: func(p *corev1.Pod) { delete(p.Labels, "ray.io/cluster"); p.DeletionTimestamp = &now }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := rayPod(tc.mutate)
			if got := headInTrouble(p); got != tc.want {
				t.Errorf("headInTrouble = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestAddUrgentJumpsTheQueue: a cluster already queued behind others at the
// routine priority is raised ahead of them when its head fails.
func TestAddUrgentJumpsTheQueue(t *testing.T) {
	q := priorityqueue.New[reconcile.Request]("test")
	defer q.ShutDown()
	req := func(name string) reconcile.Request {
		return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "ns", Name: name}}
	}
	for _, name := range []string{"new-1", "new-2", "rc", "new-3"} {
		q.Add(req(name))
	}
	addUrgent(q, rayPod())
	got, priority, _ := q.GetWithPriority()
	if got != req("rc") || priority != helm.UrgentPriority {
		t.Fatalf("first out %v at priority %d, want ns/rc at %d", got, priority, helm.UrgentPriority)
	}
	if q.Len() != 3 {
		t.Errorf("queue holds %d, want the 3 others (one entry per cluster)", q.Len())
	}
}
