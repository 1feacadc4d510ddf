/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// recordedEvents collects events as "Type Reason: note".
type recordedEvents struct {
	mu  sync.Mutex
	all []string
}

func (r *recordedEvents) Eventf(_ runtime.Object, _ runtime.Object, typ, reason, _, note string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, typ+" "+reason+": "+fmt.Sprintf(note, args...))
}

// take returns the events recorded since the last take.
func (r *recordedEvents) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.all
	r.all = nil
	return out
}

func rayClusterObject(t *testing.T, status rayv1.RayClusterStatus) *unstructured.Unstructured {
	t.Helper()
	rc := &rayv1.RayCluster{ObjectMeta: metav1.ObjectMeta{Name: "rc", Namespace: "ns", Generation: 1, UID: "uid-rc"}, Status: status}
	rc.Spec.HeadGroupSpec.Template.Spec.Containers = []corev1.Container{{Name: "ray-head"}}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rc)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(rayv1.GroupVersion.WithKind("RayCluster"))
	return u
}

// TestHeadHealthHookNodeLostTimeline plays a node loss through the hook with
// a fake clock: detection, the grace, the force-delete, the new head, the
// steady state after it. The fake client stands in for the cache only;
// the real API behaviour is covered by the e2e tests.
func TestHeadHealthHookNodeLostTimeline(t *testing.T) {
	ctx := context.Background()
	clk := clocktesting.NewFakePassiveClock(at(0))
	node := readyNode()
	cl := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(headPod(), node).Build()
	metrics, reg := newTestMetrics(t)
	ev := &recordedEvents{}
	hook := &HeadHealthHook{Reader: cl, Writer: cl, Recorder: ev, Clock: clk, Metrics: metrics,
		Policy: policyWith(func(p *Policy) { p.NodeLostGrace = secs(30) })}
	obj := rayClusterObject(t, rayv1.RayClusterStatus{})

	run := hookAt(t, hook, obj, clk)

	// t=0: healthy.
	if res, st := run(0); res.Urgent || !conditionIs(st, rayv1.HeadRecovering, metav1.ConditionFalse) ||
		!equalRecovery(st.Recovery, &rayv1.RecoveryStatus{LastReadyHeadPodUID: "uid-head"}) {
		t.Fatalf("healthy head: %+v, want only the Ready head's UID recorded", st.Recovery)
	}
	if e := ev.take(); len(e) != 0 {
		t.Errorf("events for a healthy head: %v", e)
	}

	// The node stops reporting at t=5; the hook looks at t=10.
	node.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown, LastTransitionTime: mt(5)}}
	mustUpdateStatus(ctx, t, cl, node)
	res, st := run(10)
	c := findCondition(st, rayv1.HeadRecovering)
	if c.Status != metav1.ConditionTrue || c.Reason != string(rayv1.HeadFailureNodeUnreachable) {
		t.Fatalf("HeadRecovering after the loss: %+v", c)
	}
	if !st.Recovery.LastRecoveryStartTime.Time.Equal(at(5)) || !st.Recovery.LastFailureTime.Time.Equal(at(10)) {
		t.Errorf("recovery clock: %+v, want start t=5 detected t=10", st.Recovery)
	}
	if res.RequeueAfter != secs(5) || !res.Urgent { // the recovering recheck is shorter than the 25 s left
		t.Errorf("requeue after %s, urgent %v; want 5s, urgent (ahead of routine reconciles)", res.RequeueAfter, res.Urgent)
	}
	assertEvents(t, ev.take(), "Warning HeadFailureDetected")

	// t=20: still inside the grace; same condition, no new event.
	if _, st = run(20); findCondition(st, rayv1.HeadRecovering).Message != c.Message {
		t.Errorf("message churned: %q -> %q", c.Message, findCondition(st, rayv1.HeadRecovering).Message)
	}
	assertEvents(t, ev.take())

	// t=36: past the grace: force-deleted.
	_, st = run(36)
	var gone corev1.Pod
	if err := cl.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "rc-head-0"}, &gone); !apierrors.IsNotFound(err) {
		t.Fatalf("head pod after the grace: %v", err)
	}
	if st.Recovery.ConsecutiveForcedReplacements != 1 || !st.Recovery.LastForcedReplacementTime.Time.Equal(at(36)) {
		t.Errorf("replacement history: %+v", st.Recovery)
	}
	assertEvents(t, ev.take(), "Warning HeadForceDeleted")
	if got := testutil.ToFloat64(metrics.replaced.WithLabelValues(string(ReasonNodeUnreachable))); got != 1 {
		t.Errorf("replacements counted: %v", got)
	}

	// t=45: the StatefulSet's new head is Ready on another node.
	fresh := headPod(func(p *corev1.Pod) { p.UID, p.ResourceVersion, p.Spec.NodeName = "uid-new", "", "node-b" })
	mustCreate(ctx, t, cl, readyNode(func(n *corev1.Node) { n.Name = "node-b" }))
	mustCreate(ctx, t, cl, fresh)
	_, st = run(45)
	if st.Recovery.Count != 1 || st.Recovery.LastRecoveryDuration.Duration != secs(40) || st.Recovery.LastReadyHeadPodUID != "uid-new" {
		t.Errorf("recovery: %+v, want count 1, 40s from the node loss and the new head's UID", st.Recovery)
	}
	if c := findCondition(st, rayv1.HeadRecovering); c.Status != metav1.ConditionFalse || c.Reason != string(rayv1.HeadReady) {
		t.Errorf("HeadRecovering after recovery: %+v", c)
	}
	assertEvents(t, ev.take(), "Normal HeadRecovered: Head rc-head-0 is Ready again 40s after the failure (NodeUnreachable)")
	if n, err := testutil.GatherAndCount(reg, MetricHeadRecoverySeconds); err != nil || n != 1 {
		t.Errorf("recovery histogram series: %d, %v", n, err)
	}

	// Steady state: nothing changes, nothing is reported.
	before := obj.DeepCopy()
	if res, _ := run(100); res.RequeueAfter != 0 || res.Urgent {
		t.Errorf("steady state requeues after %s, urgent %v", res.RequeueAfter, res.Urgent)
	}
	if !equalObjects(before, obj) {
		t.Errorf("steady state changed the status")
	}
	assertEvents(t, ev.take())
}

func TestHeadHealthHookHoldsWhileRedisIsDown(t *testing.T) {
	ctx := context.Background()
	clk := clocktesting.NewFakePassiveClock(at(0))
	pod := headPod(notReady(-100), rayRunningSince(-200))
	cl := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(pod, readyNode()).Build()
	metrics, _ := newTestMetrics(t)
	ev := &recordedEvents{}
	hook := &HeadHealthHook{Reader: cl, Writer: cl, Recorder: ev, Clock: clk, Metrics: metrics,
		Policy: policyWith(func(p *Policy) { p.NotReadyReplaceAfter = secs(10) })}
	obj := rayClusterObject(t, rayv1.RayClusterStatus{Redis: &rayv1.RedisStatus{Reachable: false, Message: "connection refused"}})
	rc, _ := FromObject(obj)
	rc.Spec.GcsFaultToleranceOptions = &rayv1.GcsFaultToleranceOptions{RedisAddress: "redis:6379"}
	m, _ := runtime.DefaultUnstructuredConverter.ToUnstructured(rc)
	obj.Object = m

	for sec := 0; sec <= 60; sec += 20 {
		clk.SetTime(at(sec))
		if _, err := hook.PreReconcile(ctx, &helm.Request{Object: obj}); err != nil {
			t.Fatal(err)
		}
	}
	var still corev1.Pod
	if err := cl.Get(ctx, client.ObjectKeyFromObject(pod), &still); err != nil || still.DeletionTimestamp != nil {
		t.Fatalf("head pod was deleted while Redis is down: %v", err)
	}
	st, _ := FromObject(obj)
	c := findCondition(&st.Status, rayv1.HeadRecovering)
	if c == nil || c.Status != metav1.ConditionTrue || !strings.Contains(c.Message, "Redis is unreachable") {
		t.Errorf("HeadRecovering: %+v", c)
	}
	// One failure event and one hold event, however many reconciles.
	assertEvents(t, ev.take(), "Warning HeadFailureDetected", "Warning HeadReplacementHeld")
}

func TestValidationHook(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(at(0))
	tests := map[string]struct {
		mutate     func(*rayv1.RayCluster)
		wantStop   bool
		wantStatus metav1.ConditionStatus
		wantInMsg  string
	}{
		"valid": {mutate: func(*rayv1.RayCluster) {}, wantStatus: metav1.ConditionTrue},
		"no head container": {
			mutate:   func(rc *rayv1.RayCluster) { rc.Spec.HeadGroupSpec.Template.Spec.Containers = nil },
			wantStop: true, wantStatus: metav1.ConditionFalse, wantInMsg: "spec.headGroupSpec.template.spec.containers",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			obj := rayClusterObject(t, rayv1.RayClusterStatus{})
			rc, _ := FromObject(obj)
			tc.mutate(rc)
			m, _ := runtime.DefaultUnstructuredConverter.ToUnstructured(rc)
			obj.Object = m
			res, err := (&ValidationHook{Clock: clk}).PreReconcile(context.Background(), &helm.Request{Object: obj})
			if err != nil {
				t.Fatal(err)
			}
			if res.Stop != tc.wantStop || (tc.wantStop && (res.Reason != rayv1.ReasonInvalidSpec || !strings.Contains(res.Message, tc.wantInMsg))) {
				t.Errorf("result %+v", res)
			}
			got, _ := FromObject(obj)
			c := findCondition(&got.Status, rayv1.SpecValid)
			if c == nil || c.Status != tc.wantStatus || !strings.Contains(c.Message, tc.wantInMsg) {
				t.Errorf("SpecValid %+v", c)
			}
		})
	}
}

func assertEvents(t *testing.T, got []string, wantPrefixes ...string) {
	t.Helper()
	if len(got) != len(wantPrefixes) {
		t.Errorf("events %q, want %d starting with %q", got, len(wantPrefixes), wantPrefixes)
		return
	}
	for i, w := range wantPrefixes {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("event %d = %q, want prefix %q", i, got[i], w)
		}
	}
}

func mustUpdateStatus(ctx context.Context, t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	if err := c.Status().Update(ctx, obj); err != nil {
		t.Fatal(err)
	}
}

func equalObjects(a, b *unstructured.Unstructured) bool {
	return fmt.Sprint(a.Object["status"]) == fmt.Sprint(b.Object["status"])
}

// TestHeadHealthHookSuspended: a suspended cluster's head is gone on
// purpose; it is no failure, and a recovery under way ends uncounted.
func TestHeadHealthHookSuspended(t *testing.T) {
	cl := fake.NewClientBuilder().WithScheme(scheme.Scheme).Build() // no pods
	metrics, _ := newTestMetrics(t)
	ev := &recordedEvents{}
	hook := &HeadHealthHook{Reader: cl, Writer: cl, Recorder: ev, Clock: clocktesting.NewFakePassiveClock(at(0)),
		Metrics: metrics, Policy: DefaultPolicy()}
	obj := rayClusterObject(t, *statusWith(metav1.ConditionTrue, string(rayv1.HeadFailurePodMissing), inProgress(-10, rayv1.HeadFailurePodMissing)))
	if err := unstructured.SetNestedField(obj.Object, true, "spec", "suspend"); err != nil {
		t.Fatal(err)
	}
	res, err := hook.PreReconcile(context.Background(), &helm.Request{Object: obj})
	if err != nil || res.RequeueAfter != 0 {
		t.Fatalf("result %+v, %v", res, err)
	}
	rc, _ := FromObject(obj)
	c := findCondition(&rc.Status, rayv1.HeadRecovering)
	if c == nil || c.Status != metav1.ConditionFalse || c.Reason != reasonSuspended {
		t.Errorf("HeadRecovering %+v", c)
	}
	if rc.Status.Recovery.Count != 2 {
		t.Errorf("recovery counted for a suspend: %+v", rc.Status.Recovery)
	}
	assertEvents(t, ev.take())
}

// hookAt returns a function that runs the head hook on obj with the clock
// at second sec, and returns its result and the status it wrote.
func hookAt(t *testing.T, hook *HeadHealthHook, obj *unstructured.Unstructured, clk *clocktesting.FakePassiveClock) func(sec int) (helm.Result, *rayv1.RayClusterStatus) {
	return func(sec int) (helm.Result, *rayv1.RayClusterStatus) {
		t.Helper()
		clk.SetTime(at(sec))
		res, err := hook.PreReconcile(context.Background(), &helm.Request{Object: obj})
		if err != nil {
			t.Fatalf("t=%d: %v", sec, err)
		}
		rc, err := FromObject(obj)
		if err != nil {
			t.Fatal(err)
		}
		return res, &rc.Status
	}
}
