/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// sparePod is a spare of cluster rc on node ("" = unscheduled) in phase.
func sparePod(name, node string, phase corev1.PodPhase) corev1.Pod {
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{LabelHeadSpareOf: "rc"}},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{
			{Name: "spare-0", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi")}}},
			{Name: "spare-1", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("500m")}}},
		}},
		Status: corev1.PodStatus{Phase: phase},
	}
}

func TestAssessSpare(t *testing.T) {
	head := headPod() // on node-a
	unschedulable := sparePod("spare-x", "", corev1.PodPending)
	unschedulable.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
		Message: "0/3 nodes are available: 3 Insufficient cpu."}}
	deleting := sparePod("spare-a", "node-b", corev1.PodRunning)
	deleting.DeletionTimestamp = mtp(0)
	tests := map[string]struct {
		in      spareInput
		remove  bool
		status  metav1.ConditionStatus
		reason  string
		message string // a part of it
		recheck bool
	}{
		"not opted in: no condition": {in: spareInput{}, remove: true},
		"suspended: nothing held": {in: spareInput{Enabled: true, Suspended: true, Head: head},
			status: metav1.ConditionFalse, reason: rayv1.ReasonHeadSpareMissing, message: "suspended"},
		"no PriorityClass": {in: spareInput{Enabled: true, PriorityClassErr: errors.New("forbidden")},
			status: metav1.ConditionFalse, reason: rayv1.ReasonHeadSparePriorityClassMissing, message: "forbidden", recheck: true},
		"no spare pod": {in: spareInput{Enabled: true, Head: head},
			status: metav1.ConditionFalse, reason: rayv1.ReasonHeadSpareMissing, recheck: true},
		"only a spare being deleted (preempted)": {in: spareInput{Enabled: true, Head: head, Spares: []corev1.Pod{deleting}},
			status: metav1.ConditionFalse, reason: rayv1.ReasonHeadSpareMissing, recheck: true},
		"unschedulable: the scheduler's word": {in: spareInput{Enabled: true, Head: head, Spares: []corev1.Pod{unschedulable}},
			status: metav1.ConditionFalse, reason: rayv1.ReasonHeadSparePending, message: "3 Insufficient cpu", recheck: true},
		"scheduled, image pulling": {in: spareInput{Enabled: true, Head: head, Spares: []corev1.Pod{sparePod("spare-x", "node-b", corev1.PodPending)}},
			status: metav1.ConditionFalse, reason: rayv1.ReasonHeadSparePending, message: "not there yet", recheck: true},
		"running on another node: the cost said": {in: spareInput{Enabled: true, Head: head, Spares: []corev1.Pod{sparePod("spare-x", "node-b", corev1.PodRunning)}},
			status: metav1.ConditionTrue, reason: rayv1.ReasonHeadSpareReady,
			message: "holds cpu=2500m, memory=8Gi on node node-b with the head's images pulled there; this capacity stays unused while the head is healthy"},
		"running on the head's node": {in: spareInput{Enabled: true, Head: head, Spares: []corev1.Pod{sparePod("spare-x", "node-a", corev1.PodRunning)}},
			status: metav1.ConditionFalse, reason: rayv1.ReasonHeadSpareOnHeadNode, recheck: true},
		"no head (Pending after a loss): a running spare counts": {in: spareInput{Enabled: true, Spares: []corev1.Pod{sparePod("spare-x", "node-b", corev1.PodRunning)}},
			status: metav1.ConditionTrue, reason: rayv1.ReasonHeadSpareReady},
		"a running spare wins over a pending one": {in: spareInput{Enabled: true, Head: head, Spares: []corev1.Pod{
			sparePod("spare-a", "", corev1.PodPending), sparePod("spare-b", "node-c", corev1.PodRunning)}},
			status: metav1.ConditionTrue, reason: rayv1.ReasonHeadSpareReady, message: "spare-b"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := assessSpare(tc.in)
			if got.Remove != tc.remove {
				t.Fatalf("remove = %v, want %v", got.Remove, tc.remove)
			}
			if tc.remove {
				return
			}
			if got.Status != tc.status || got.Reason != tc.reason || !strings.Contains(got.Message, tc.message) {
				t.Errorf("got %s/%s %q, want %s/%s containing %q", got.Status, got.Reason, got.Message, tc.status, tc.reason, tc.message)
			}
			if (got.Recheck > 0) != tc.recheck {
				t.Errorf("recheck %s, want one: %v", got.Recheck, tc.recheck)
			}
		})
	}
}

// TestHeadSpareHook runs the hook on a fake client (the cache and the API
// for this pure logic): the PriorityClass is made once and then left
// alone, the condition follows the spare, and it goes with the opt-in.
func TestHeadSpareHook(t *testing.T) {
	ctx := context.Background()
	spare := sparePod("rc-head-spare-1-abcde", "node-b", corev1.PodRunning)
	creates := 0
	cl := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(headPod(), &spare).
		WithInterceptorFuncs(interceptor.Funcs{Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			creates++
			return c.Create(ctx, obj, opts...)
		}}).Build()
	hook := &HeadSpareHook{Reader: cl, APIReader: cl, Writer: cl, Clock: clocktesting.NewFakePassiveClock(at(0))}
	obj := rayClusterObject(t, rayv1.RayClusterStatus{})
	obj.SetAnnotations(map[string]string{AnnotationHeadSpare: HeadSpareEnabled})

	for range 2 {
		if _, err := hook.PreReconcile(ctx, &helm.Request{Object: obj}); err != nil {
			t.Fatal(err)
		}
	}
	if creates != 1 {
		t.Errorf("%d creates, want exactly 1 (the PriorityClass, once)", creates)
	}
	var pc schedulingv1.PriorityClass
	if err := cl.Get(ctx, types.NamespacedName{Name: HeadSparePriorityClass}, &pc); err != nil {
		t.Fatal(err)
	}
	if pc.Value != HeadSparePriority || pc.PreemptionPolicy == nil || *pc.PreemptionPolicy != corev1.PreemptNever || pc.GlobalDefault {
		t.Errorf("PriorityClass %+v", pc)
	}
	st := statusOf(t, obj)
	if !conditionIs(st, rayv1.HeadSpare, metav1.ConditionTrue) {
		t.Errorf("HeadSpare: %+v", findCondition(st, rayv1.HeadSpare))
	}

	obj.SetAnnotations(nil)
	if _, err := hook.PreReconcile(ctx, &helm.Request{Object: obj}); err != nil {
		t.Fatal(err)
	}
	if c := findCondition(statusOf(t, obj), rayv1.HeadSpare); c != nil {
		t.Errorf("HeadSpare after the opt-out: %+v", c)
	}
}

// TestHeadSpareHookPriorityClassRefused: a PriorityClass the operator may
// not create is reported, and the reconcile goes on (the head never waits
// on its spare).
func TestHeadSpareHookPriorityClassRefused(t *testing.T) {
	ctx := context.Background()
	cl := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(headPod()).
		WithInterceptorFuncs(interceptor.Funcs{Create: func(context.Context, client.WithWatch, client.Object, ...client.CreateOption) error {
			return errors.New("priorityclasses is forbidden")
		}}).Build()
	hook := &HeadSpareHook{Reader: cl, APIReader: cl, Writer: cl, Clock: clocktesting.NewFakePassiveClock(at(0))}
	obj := rayClusterObject(t, rayv1.RayClusterStatus{})
	obj.SetAnnotations(map[string]string{AnnotationHeadSpare: HeadSpareEnabled})
	res, err := hook.PreReconcile(ctx, &helm.Request{Object: obj})
	if err != nil || res.Stop || res.Wait {
		t.Fatalf("result %+v, err %v: want the apply to go on", res, err)
	}
	c := findCondition(statusOf(t, obj), rayv1.HeadSpare)
	if c == nil || c.Reason != rayv1.ReasonHeadSparePriorityClassMissing || !strings.Contains(c.Message, "forbidden") {
		t.Errorf("HeadSpare: %+v", c)
	}
	if res.RequeueAfter != spareRecheck {
		t.Errorf("requeue %s, want %s", res.RequeueAfter, spareRecheck)
	}
}

func statusOf(t *testing.T, obj *unstructured.Unstructured) *rayv1.RayClusterStatus {
	t.Helper()
	rc, err := FromObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	return &rc.Status
}
