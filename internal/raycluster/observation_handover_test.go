/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
)

// TestRedisVerdictHandedOver runs one reconcile's hooks as the reconciler
// does (observe once, then the Redis hook, then the head hook): the head
// hook decides on the verdict the Redis hook handed over in the
// observation, whatever status said when the reconcile began.
func TestRedisVerdictHandedOver(t *testing.T) {
	tests := map[string]struct {
		reachableBefore bool // status.redis when the reconcile began
		probe           rayredis.ProbeResult
		wantHeld        bool
	}{
		"Redis went down in this reconcile": {reachableBefore: true,
			probe: rayredis.ProbeResult{Reason: rayredis.ReasonUnreachable, Message: "connection refused"}, wantHeld: true},
		"Redis came back in this reconcile": {reachableBefore: false,
			probe: rayredis.ProbeResult{Reachable: true, Reason: rayredis.ReasonOK, Message: "answered PING"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			clk := clocktesting.NewFakeClock(at(0))
			head := headPod(notReady(-100), rayRunningSince(-200))
			cl := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(head, readyNode()).Build()
			metrics, _ := newTestMetrics(t)
			policy := policyWith(func(p *Policy) { p.NotReadyReplaceAfter = secs(10) })
			redisHook := NewRedisReachability(nil, events.NewFakeRecorder(10), clk,
				func(context.Context, rayredis.Options) rayredis.ProbeResult { return tc.probe },
				ReachabilityOptions{Interval: 30 * time.Second, Timeout: time.Second})
			headHook := &HeadHealthHook{Reader: cl, Writer: cl, Recorder: &recordedEvents{}, Clock: clk, Metrics: metrics, Policy: policy}

			req := &helm.Request{Object: handoverCluster(t, tc.reachableBefore)}
			obs, err := (&Observer{Reader: cl, Clock: clk, Policy: policy}).Observe(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			req.Observation = obs
			if got := obs.(*Observation).RedisUnavailable; got == tc.reachableBefore {
				t.Fatalf("observed RedisUnavailable %v, want the last verdict in status (reachable %v)", got, tc.reachableBefore)
			}
			for _, h := range []helm.PreReconcileHook{redisHook, headHook} {
				if _, err := h.PreReconcile(ctx, req); err != nil {
					t.Fatal(err)
				}
			}
			if got := obs.(*Observation).RedisUnavailable; got != tc.wantHeld {
				t.Errorf("handed-over RedisUnavailable %v, want %v", got, tc.wantHeld)
			}
			var now corev1.Pod
			err = cl.Get(ctx, client.ObjectKeyFromObject(head), &now)
			deleted := err != nil || now.DeletionTimestamp != nil
			if deleted == tc.wantHeld {
				t.Errorf("head deleted: %v, want %v (Redis unreachable: %v)", deleted, !tc.wantHeld, tc.wantHeld)
			}
		})
	}
}

// handoverCluster is the fixtures' cluster (rc in ns) with GCS fault
// tolerance and the given last Redis verdict in status.
func handoverCluster(t *testing.T, reachable bool) *unstructured.Unstructured {
	t.Helper()
	rc := ftCluster()
	rc.Name, rc.Namespace, rc.Generation = "rc", "ns", 1
	rc.Spec.GcsFaultToleranceOptions.RedisPassword = nil
	rc.Spec.HeadGroupSpec.Template.Spec.Containers = []corev1.Container{{Name: "ray-head"}}
	rc.Status.Redis = &rayv1.RedisStatus{Reachable: reachable, LastCheckTime: &metav1.Time{Time: at(-5)}}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rc)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(rayv1.GroupVersion.WithKind("RayCluster"))
	return u
}
