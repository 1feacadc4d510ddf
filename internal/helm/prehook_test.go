package helm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// validatingHook stops on spec.invalid and fails (terminally) on spec.fail,
// as the RayCluster validation hook does for semantic errors.
type validatingHook struct{}

func (validatingHook) PreReconcile(_ context.Context, req *Request) (Result, error) {
	if v, _, _ := unstructured.NestedBool(req.Object.Object, "spec", "fail"); v {
		return Result{Reason: "SpecRejected"}, reconcile.TerminalError(errors.New("spec.fail is set"))
	}
	if v, _, _ := unstructured.NestedBool(req.Object.Object, "spec", "invalid"); v {
		return Result{Stop: true, Reason: "InvalidSpec", Message: "spec.invalid must not be true"}, nil
	}
	return Result{}, nil
}

// TestPreHookBlocksApply: a pre-hook that stops or fails leaves everything
// running as it was, says why in a condition and an event, and the resource
// can still be deleted.
func TestPreHookBlocksApply(t *testing.T) {
	api := startAPIServer(t)
	tests := map[string]struct {
		patch   string
		message string
		event   string
	}{
		"stop":           {patch: `{"spec":{"invalid":true,"replicas":5}}`, message: "spec.invalid must not be true", event: "InvalidSpec"},
		"terminal error": {patch: `{"spec":{"fail":true,"replicas":5}}`, message: "spec.fail is set", event: "SpecRejected"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			op := api.startOperator(t, func(o *Options) { o.PreHooks = []PreReconcileHook{validatingHook{}} })
			ctx := context.Background()
			if err := api.client.Create(ctx, newWidget(op.ns, "h", map[string]any{"replicas": int64(1)})); err != nil {
				t.Fatal(err)
			}
			api.waitDeployed(t, op.ns, "h", 1)
			u := api.getWidget(t, op.ns, "h")
			if err := api.client.Patch(ctx, u, client.RawPatch("application/merge-patch+json", []byte(tc.patch))); err != nil {
				t.Fatal(err)
			}
			eventually(t, 10*time.Second, "Irreconcilable", func() error {
				if err := api.conditionIs(op.ns, "h", ConditionIrreconcilable, metav1.ConditionTrue, ReasonPreReconcileHookFailed); err != nil {
					return err
				}
				c := findCondition(api.getWidget(t, op.ns, "h"), ConditionIrreconcilable)
				if !strings.Contains(c.Message, tc.message) {
					return fmt.Errorf("message %q lacks %q", c.Message, tc.message)
				}
				return nil
			})
			eventually(t, 30*time.Second, "warning event", func() error { return api.hasEvent(op.ns, "h", tc.event) })
			w := api.getWidget(t, op.ns, "h")
			if og, _, _ := unstructured.NestedInt64(w.Object, "status", "observedGeneration"); og == w.GetGeneration() {
				t.Errorf("observedGeneration advanced to %d although the apply was blocked", og)
			}
			var d appsv1.Deployment
			if err := api.client.Get(ctx, client.ObjectKey{Namespace: op.ns, Name: "h-worker"}, &d); err != nil {
				t.Fatalf("deployment must survive a blocked reconcile: %v", err)
			}
			if *d.Spec.Replicas != 1 {
				t.Errorf("replicas = %d, want the unchanged 1", *d.Spec.Replicas)
			}
			if rev, _, _ := unstructured.NestedInt64(w.Object, "status", "deployedRelease", "revision"); rev != 1 {
				t.Errorf("revision = %d, want 1", rev)
			}

			if err := api.client.Delete(ctx, w); err != nil {
				t.Fatal(err)
			}
			eventually(t, 20*time.Second, "blocked widget deleted", func() error {
				err := api.client.Get(ctx, client.ObjectKeyFromObject(w), w.DeepCopy())
				if apierrors.IsNotFound(err) {
					return nil
				}
				return fmt.Errorf("still present: %v", err)
			})
		})
	}
}

// waitingHook waits while spec.hold is true, as a hook does while a step it
// started must finish before the apply.
type waitingHook struct{}

func (waitingHook) PreReconcile(_ context.Context, req *Request) (Result, error) {
	if v, _, _ := unstructured.NestedBool(req.Object.Object, "spec", "hold"); v {
		return Result{Wait: true, RequeueAfter: 100 * time.Millisecond}, nil
	}
	return Result{}, nil
}

// TestPreHookWaitHoldsApplyQuietly: a waiting pre-hook keeps the apply
// back without reporting a failure (no Irreconcilable, no event), and the
// apply follows once it stops waiting.
func TestPreHookWaitHoldsApplyQuietly(t *testing.T) {
	api := startAPIServer(t)
	op := api.startOperator(t, func(o *Options) { o.PreHooks = []PreReconcileHook{waitingHook{}} })
	ctx := context.Background()
	if err := api.client.Create(ctx, newWidget(op.ns, "w", map[string]any{"replicas": int64(1)})); err != nil {
		t.Fatal(err)
	}
	api.waitDeployed(t, op.ns, "w", 1)
	u := api.getWidget(t, op.ns, "w")
	if err := api.client.Patch(ctx, u, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"hold":true,"replicas":5}}`))); err != nil {
		t.Fatal(err)
	}
	// Long enough for several requeues.
	time.Sleep(2 * time.Second)
	var d appsv1.Deployment
	if err := api.client.Get(ctx, client.ObjectKey{Namespace: op.ns, Name: "w-worker"}, &d); err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 1 {
		t.Errorf("replicas = %d while the hook waits, want the unchanged 1", *d.Spec.Replicas)
	}
	if c := findCondition(api.getWidget(t, op.ns, "w"), ConditionIrreconcilable); c != nil && c.Status == metav1.ConditionTrue {
		t.Errorf("Irreconcilable=True (%s) while a hook waits", c.Message)
	}
	if err := api.hasEvent(op.ns, "w", EventReconcileBlocked); err == nil {
		t.Errorf("a %s event while a hook waits", EventReconcileBlocked)
	}
	if err := api.client.Patch(ctx, u, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"hold":false}}`))); err != nil {
		t.Fatal(err)
	}
	api.waitDeployed(t, op.ns, "w", 2)
	eventually(t, 10*time.Second, "replicas 5 applied", func() error {
		if err := api.client.Get(ctx, client.ObjectKey{Namespace: op.ns, Name: "w-worker"}, &d); err != nil {
			return err
		}
		if *d.Spec.Replicas != 5 {
			return fmt.Errorf("replicas %d", *d.Spec.Replicas)
		}
		return nil
	})
}

// urgentHook marks its result Urgent while spec.urgent is set, as the head
// health hook does while a recovery is under way.
type urgentHook struct{}

func (urgentHook) PreReconcile(_ context.Context, req *Request) (Result, error) {
	v, _, _ := unstructured.NestedBool(req.Object.Object, "spec", "urgent")
	return Result{Urgent: v}, nil
}

// TestUrgentHookRaisesPriority: a reconcile a hook marked Urgent is
// requeued at UrgentPriority, ahead of routine reconciles in the priority
// queue; any other keeps the queue's own priority.
func TestUrgentHookRaisesPriority(t *testing.T) {
	api := startAPIServer(t)
	op := api.startOperator(t, func(o *Options) { o.PreHooks = []PreReconcileHook{urgentHook{}} })
	ctx := context.Background()
	tests := map[string]struct {
		spec map[string]any
		want *int
	}{
		"routine": {spec: map[string]any{"replicas": int64(1)}},
		"urgent":  {spec: map[string]any{"replicas": int64(1), "urgent": true}, want: ptr.To(UrgentPriority)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if err := api.client.Create(ctx, newWidget(op.ns, name, tc.spec)); err != nil {
				t.Fatal(err)
			}
			api.waitDeployed(t, op.ns, name, 1)
			res, err := op.rec.Reconcile(ctx, ctrl.Request{NamespacedName: types.NamespacedName{Namespace: op.ns, Name: name}})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Priority, tc.want) {
				t.Errorf("priority %v, want %v", ptrString(res.Priority), ptrString(tc.want))
			}
		})
	}
}

func ptrString(p *int) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}
