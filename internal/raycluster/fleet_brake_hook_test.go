/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// TestHeadHealthHookFleetBrake plays a wide outage through the hook with a
// fake clock: the head's node and three more of six go NotReady, the
// force-delete is held (condition, one event, gauge, counter) for as long
// as the zone is disrupted and the release delay after it, then the head,
// whose node alone is still lost, is force-deleted as it would be today.
// The fake client stands in for the cache only.
func TestHeadHealthHookFleetBrake(t *testing.T) {
	ctx := context.Background()
	clk := clocktesting.NewFakePassiveClock(at(0))
	headNode := readyNode(nodeReady(corev1.ConditionUnknown, 5))
	others := fleetNodes("", 5, 3) // n-1..n-3 lost too: 4 of 6
	objs := []client.Object{headPod(), headNode}
	for i := range others {
		objs = append(objs, &others[i])
	}
	cl := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(objs...).Build()
	metrics, _ := newTestMetrics(t)
	ev := &recordedEvents{}
	opts := DefaultFleetBrakeOptions()
	opts.ReleaseDelay = secs(20)
	hook := &HeadHealthHook{Reader: cl, Writer: cl, Recorder: ev, Clock: clk, Metrics: metrics,
		Policy:     policyWith(func(p *Policy) { p.NodeLostGrace = secs(30) }),
		FleetBrake: NewFleetBrake(cl, opts)}
	obj := rayClusterObject(t, rayv1.RayClusterStatus{})
	run := hookAt(t, hook, obj, clk)
	held := func() float64 { return testutil.ToFloat64(metrics.held) }
	holds := func() float64 { return testutil.ToFloat64(metrics.holds.WithLabelValues(rayv1.ReasonZoneDisrupted)) }

	run(10) // detected, inside the grace: the brake is not asked yet
	assertEvents(t, ev.take(), "Warning HeadFailureDetected")
	_, st := run(40) // past the grace: held
	c := findCondition(st, rayv1.FleetBrake)
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != rayv1.ReasonZoneDisrupted ||
		!strings.Contains(c.Message, "4 of 6 nodes NotReady") {
		t.Fatalf("FleetBrake condition: %+v", c)
	}
	if m := findCondition(st, rayv1.HeadRecovering).Message; !strings.Contains(m, "the fleet brake holds") {
		t.Errorf("HeadRecovering message %q does not name the brake", m)
	}
	assertEvents(t, ev.take(), "Warning HeadReplacementHeldByFleetBrake: Not force-deleting head pod rc-head-0: the cluster has 4 of 6 nodes NotReady")
	run(45)
	assertEvents(t, ev.take()) // once per hold, not per reconcile
	if held() != 1 || holds() != 1 {
		t.Errorf("held gauge %v, holds counter %v; want 1 and 1", held(), holds())
	}

	// Three nodes come back; the head's node stays lost (1 of 6). The
	// brake settles until 20 s after it last saw the disruption (t=45).
	for i := range 3 {
		nodeReady(corev1.ConditionTrue, 50)(&others[i])
		mustUpdateStatus(ctx, t, cl, &others[i])
	}
	_, st = run(50)
	if c := findCondition(st, rayv1.FleetBrake); c == nil || c.Reason != rayv1.ReasonDisruptionSettling {
		t.Fatalf("FleetBrake while settling: %+v", c)
	}
	assertEvents(t, ev.take())
	var pod corev1.Pod
	if err := cl.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "rc-head-0"}, &pod); err != nil {
		t.Fatalf("head pod while held: %v", err)
	}

	// t=66: the disruption is over; one lost node is recovered as today.
	_, st = run(66)
	if err := cl.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "rc-head-0"}, &pod); !apierrors.IsNotFound(err) {
		t.Fatalf("head pod after the release: %v", err)
	}
	if c := findCondition(st, rayv1.FleetBrake); c != nil {
		t.Errorf("FleetBrake after the release: %+v", c)
	}
	assertEvents(t, ev.take(), "Warning HeadForceDeleted", "Normal FleetBrakeReleased")
	if held() != 0 || holds() != 1 {
		t.Errorf("held gauge %v, holds counter %v; want 0 and 1", held(), holds())
	}
}

// TestHeadHealthHookFleetBrakeOutOfService: an out-of-service taint is an
// administrator's word that the node is down; the brake does not hold it.
func TestHeadHealthHookFleetBrakeOutOfService(t *testing.T) {
	ctx := context.Background()
	clk := clocktesting.NewFakePassiveClock(at(10))
	headNode := readyNode(nodeReady(corev1.ConditionUnknown, 5), taint(taintOutOfService, mtp(6)))
	others := fleetNodes("", 5, 3)
	objs := []client.Object{headPod(), headNode}
	for i := range others {
		objs = append(objs, &others[i])
	}
	cl := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(objs...).Build()
	metrics, _ := newTestMetrics(t)
	ev := &recordedEvents{}
	hook := &HeadHealthHook{Reader: cl, Writer: cl, Recorder: ev, Clock: clk, Metrics: metrics,
		Policy: DefaultPolicy(), FleetBrake: NewFleetBrake(cl, DefaultFleetBrakeOptions())}
	if _, err := hook.PreReconcile(ctx, &helm.Request{Object: rayClusterObject(t, rayv1.RayClusterStatus{})}); err != nil {
		t.Fatal(err)
	}
	var pod corev1.Pod
	if err := cl.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "rc-head-0"}, &pod); !apierrors.IsNotFound(err) {
		t.Fatalf("head on an out-of-service node: %v, want it force-deleted", err)
	}
	assertEvents(t, ev.take(), "Warning HeadFailureDetected", "Warning HeadForceDeleted")
}
