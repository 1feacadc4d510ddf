/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"
)

func rayPod(mut ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rc-head-0", ResourceVersion: "1",
			Labels: map[string]string{"ray.io/cluster": "rc", "ray.io/node-type": "head"}},
		Spec: corev1.PodSpec{NodeName: "node-a"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
	for _, m := range mut {
		m(p)
	}
	return p
}

func TestClusterOfPod(t *testing.T) {
	got := clusterOf(context.Background(), rayPod())
	want := types.NamespacedName{Namespace: "ns", Name: "rc"}
	if len(got) != 1 || got[0].NamespacedName != want {
		t.Errorf("requests %v, want %v", got, want)
	}
	if got := clusterOf(context.Background(), rayPod(func(p *corev1.Pod) { p.Labels = nil })); len(got) != 0 {
		t.Errorf("a pod without the label enqueued %v", got)
	}
}

func TestPodPredicateUpdates(t *testing.T) {
	now := metav1.Now()
	tests := map[string]struct {
		mutate func(*corev1.Pod)
		want   bool
	}{
		"resync, nothing changed": {mutate: func(*corev1.Pod) {}, want: false},
		"only metadata changed":   {mutate: func(p *corev1.Pod) { p.ResourceVersion = "2"; p.Annotations = map[string]string{"a": "b"} }, want: false},
		"readiness lost":          {mutate: func(p *corev1.Pod) { p.Status.Conditions[0].Status = corev1.ConditionFalse }, want: true},
		"deletion requested":      {mutate: func(p *corev1.Pod) { p.DeletionTimestamp = &now }, want: true},
		"phase Failed":            {mutate: func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }, want: true},
		"bound to a node":         {mutate: func(p *corev1.Pod) { p.Spec.NodeName = "node-b" }, want: true},
		"new IP":                  {mutate: func(p *corev1.Pod) { p.Status.PodIP = "10.0.0.2" }, want: true},
		"container state changed": {mutate: func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "ray", RestartCount: 1}}
		}, want: true},
		"not a Ray pod any more": {mutate: func(p *corev1.Pod) { p.Labels = nil; p.Status.PodIP = "x" }, want: false},
	}
	pred := podPredicate()
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			oldPod, newPod := rayPod(), rayPod()
			tc.mutate(newPod)
			if got := pred.Update(event.TypedUpdateEvent[*corev1.Pod]{ObjectOld: oldPod, ObjectNew: newPod}); got != tc.want {
				t.Errorf("Update passed = %v, want %v", got, tc.want)
			}
		})
	}
	if !pred.Create(event.TypedCreateEvent[*corev1.Pod]{Object: rayPod()}) || !pred.Delete(event.TypedDeleteEvent[*corev1.Pod]{Object: rayPod()}) {
		t.Error("creations and deletions of Ray pods must pass")
	}
	other := rayPod(func(p *corev1.Pod) { p.Labels = map[string]string{"app": "x"} })
	if pred.Create(event.TypedCreateEvent[*corev1.Pod]{Object: other}) {
		t.Error("a pod of another app passed")
	}
}
