/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// TestHeadHealthHookCountsAReplacementItDidNotSee: the head is deleted and
// its replacement is Ready before the hook looks again. On a real API server
// (the new pod's UID and creation time are the server's), the hook must
// still count and time the recovery, once.
func TestHeadHealthHookCountsAReplacementItDidNotSee(t *testing.T) {
	ctx := context.Background()
	cl, ns := startSecretsAPI(t)
	node := readyNode()
	nodeStatus := node.Status
	mustCreate(ctx, t, cl, node) // a create ignores status: written next
	node.Status = nodeStatus
	mustUpdateStatus(ctx, t, cl, node)
	old := createHeadPod(ctx, t, cl, ns)

	clk := clocktesting.NewFakePassiveClock(time.Now())
	metrics, reg := newTestMetrics(t)
	ev := &recordedEvents{}
	hook := &HeadHealthHook{Reader: cl, Writer: cl, Recorder: ev, Clock: clk, Metrics: metrics, Policy: DefaultPolicy()}
	obj := rayClusterObject(t, rayv1.RayClusterStatus{})
	obj.SetNamespace(ns)
	run := func(now time.Time) *rayv1.RayClusterStatus {
		t.Helper()
		clk.SetTime(now)
		if _, err := hook.PreReconcile(ctx, &helm.Request{Object: obj}); err != nil {
			t.Fatalf("at %s: %v", now, err)
		}
		rc, err := FromObject(obj)
		if err != nil {
			t.Fatal(err)
		}
		return &rc.Status
	}
	run(time.Now())
	assertEvents(t, ev.take())

	// Deleted and replaced by a Ready pod; the hook looks 3 s after the
	// replacement was created.
	if err := cl.Delete(ctx, old, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	fresh := createHeadPod(ctx, t, cl, ns)
	created := fresh.CreationTimestamp.Time
	seen := created.Add(3 * time.Second)
	st := run(seen)
	want := &rayv1.RecoveryStatus{Count: 1, LastFailureTime: &metav1.Time{Time: seen}, LastFailureReason: rayv1.HeadFailurePodMissing,
		LastFailureMessage: fmt.Sprintf("head pod rc-head-0 (uid %s) was replaced by a new pod (uid %s) between two reconciles",
			old.UID, fresh.UID),
		LastRecoveryStartTime: &metav1.Time{Time: created}, LastRecoveryDuration: &metav1.Duration{Duration: secs(3)},
		LastReadyHeadPodUID: fresh.UID}
	if !equalRecovery(st.Recovery, want) {
		t.Errorf("recovery = %+v, want %+v", st.Recovery, want)
	}
	if c := findCondition(st, rayv1.HeadRecovering); c.Status != metav1.ConditionFalse || c.Reason != string(rayv1.HeadReady) {
		t.Errorf("HeadRecovering: %+v, want False/HeadReady", c)
	}
	assertEvents(t, ev.take(), "Warning HeadFailureDetected: Head failure detected after the fact: head pod rc-head-0 (uid "+string(old.UID)+")",
		"Normal HeadRecovered: Head rc-head-0 is Ready again 3s after the failure (PodMissing)")
	if n, err := testutil.GatherAndCount(reg, MetricHeadRecoverySeconds); err != nil || n != 1 {
		t.Errorf("recovery histogram series: %d, %v", n, err)
	}

	// Looking again changes nothing.
	before := obj.DeepCopy()
	if run(seen.Add(6 * time.Second)); !equalObjects(before, obj) {
		t.Errorf("a second look changed the status")
	}
	assertEvents(t, ev.take())
}

// createHeadPod creates the fixtures' Ready head pod in ns on a real API
// server (bound to node-a, as the scheduler would) and returns it as stored.
func createHeadPod(ctx context.Context, t *testing.T, cl client.Client, ns string) *corev1.Pod {
	t.Helper()
	p := headPod(func(p *corev1.Pod) {
		p.Namespace, p.UID, p.ResourceVersion = ns, "", ""
		for i := range p.Spec.Containers {
			p.Spec.Containers[i].Image = "rayproject/ray:2.60.0"
		}
	})
	status := p.Status
	mustCreate(ctx, t, cl, p) // a create ignores status: written next
	p.Status = status
	mustUpdateStatus(ctx, t, cl, p)
	return p
}
