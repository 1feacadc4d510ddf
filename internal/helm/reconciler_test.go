package helm

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// statusWritingHook writes a status field of its own on every post-reconcile,
// as the RayCluster status hook will.
type statusWritingHook struct{}

func (statusWritingHook) PostReconcile(_ context.Context, req *Request) (Result, error) {
	err := unstructured.SetNestedField(req.Object.Object, fmt.Sprintf("seen-generation-%d", req.Object.GetGeneration()), "status", "hookField")
	return Result{}, err
}

// TestReleaseLifecycle drives one resource through install, upgrade, drift
// repair and uninstall against a real API server.
func TestReleaseLifecycle(t *testing.T) {
	api := startAPIServer(t)
	var goneMu sync.Mutex
	var gone []types.NamespacedName
	op := api.startOperator(t, func(o *Options) {
		o.OnGone = append(o.OnGone, func(key types.NamespacedName) {
			goneMu.Lock()
			defer goneMu.Unlock()
			gone = append(gone, key)
		})
		o.PostHooks = append(o.PostHooks, statusWritingHook{})
		o.ValuesMapper = func(_ context.Context, obj *unstructured.Unstructured) (map[string]any, error) {
			return map[string]any{"cluster": map[string]any{"uid": string(obj.GetUID())}}, nil
		}
	})
	ctx := context.Background()
	ns := op.ns
	w := newWidget(ns, "demo", map[string]any{"message": "first", "replicas": int64(1)})
	if err := api.client.Create(ctx, w); err != nil {
		t.Fatal(err)
	}

	// Install.
	api.waitDeployed(t, ns, "demo", 1)
	got := api.getWidget(t, ns, "demo")
	if !containsString(got.GetFinalizers(), UninstallFinalizer) {
		t.Errorf("finalizers = %v, want %s", got.GetFinalizers(), UninstallFinalizer)
	}
	if og, _, _ := unstructured.NestedInt64(got.Object, "status", "observedGeneration"); og != got.GetGeneration() {
		t.Errorf("observedGeneration = %d, want %d", og, got.GetGeneration())
	}
	dr, _, _ := unstructured.NestedMap(got.Object, "status", "deployedRelease")
	if dr["name"] != "demo" || dr["chartVersion"] != "0.1.0" || dr["manifest"] != nil {
		t.Errorf("deployedRelease = %v, want name demo, chartVersion 0.1.0 and no manifest", dr)
	}
	cm := &corev1.ConfigMap{}
	if err := api.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "demo-config"}, cm); err != nil {
		t.Fatalf("configmap: %v", err)
	}
	if cm.Data["message"] != "first" || cm.Data["uid"] != string(got.GetUID()) {
		t.Errorf("configmap data = %v, want message first and the mapped uid", cm.Data)
	}
	if refs := cm.GetOwnerReferences(); len(refs) != 1 || refs[0].UID != got.GetUID() || refs[0].Controller == nil || !*refs[0].Controller {
		t.Errorf("configmap owner refs = %+v, want one controller ref to the widget", refs)
	}
	eventually(t, 30*time.Second, "install event", func() error { return api.hasEvent(ns, "demo", EventInstallSucceeded) })
	var relSecrets corev1.SecretList
	if err := api.client.List(ctx, &relSecrets, client.InNamespace(ns), client.MatchingLabels{"owner": "helm", "name": "demo"}); err != nil {
		t.Fatal(err)
	}
	for _, sec := range relSecrets.Items {
		if refs := sec.OwnerReferences; len(refs) != 1 || refs[0].UID != got.GetUID() {
			t.Errorf("release secret %s owner refs = %+v, want the widget", sec.Name, refs)
		}
		if sec.Labels[OwnerKindLabel] != "Widget.test.ray-ha-operator.dev" || len(sec.Labels[InputHashLabel]) != inputHashLength {
			t.Errorf("release secret %s labels = %v", sec.Name, sec.Labels)
		}
	}
	if len(relSecrets.Items) != 1 {
		t.Errorf("%d release secrets after install, want 1", len(relSecrets.Items))
	}

	// A status field another writer owns survives the operator's patches.
	ext := got.DeepCopy()
	if err := unstructured.SetNestedField(ext.Object, "kept", "status", "external"); err != nil {
		t.Fatal(err)
	}
	if err := api.client.Status().Update(ctx, ext); err != nil {
		t.Fatalf("writing external status: %v", err)
	}

	// Upgrade.
	patch := []byte(`{"spec":{"replicas":3,"message":"second"}}`)
	if err := api.client.Patch(ctx, got, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		t.Fatal(err)
	}
	api.waitDeployed(t, ns, "demo", 2)
	eventually(t, 10*time.Second, "deployment scaled by the upgrade", func() error {
		var d appsv1.Deployment
		if err := api.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "demo-worker"}, &d); err != nil {
			return err
		}
		if *d.Spec.Replicas != 3 {
			return fmt.Errorf("replicas = %d", *d.Spec.Replicas)
		}
		return nil
	})
	eventually(t, 30*time.Second, "hook status after upgrade", func() error {
		u := api.getWidget(t, ns, "demo")
		hook, _, _ := unstructured.NestedString(u.Object, "status", "hookField")
		extVal, _, _ := unstructured.NestedString(u.Object, "status", "external")
		if hook != fmt.Sprintf("seen-generation-%d", u.GetGeneration()) || extVal != "kept" {
			return fmt.Errorf("status.hookField = %q, status.external = %q", hook, extVal)
		}
		return nil
	})
	eventually(t, 30*time.Second, "upgrade event", func() error { return api.hasEvent(ns, "demo", EventUpgradeSucceeded) })

	// Drift: a deleted Service comes back, a changed ConfigMap is restored.
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "demo-svc"}}
	start := time.Now()
	if err := api.client.Delete(ctx, svc); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "service re-created", func() error {
		var s corev1.Service
		if err := api.client.Get(ctx, client.ObjectKeyFromObject(svc), &s); err != nil {
			return err
		}
		if s.Labels[helmManagedByLabel] != "Helm" || s.Annotations[helmReleaseNameAnno] != "demo" {
			return fmt.Errorf("re-created service lacks Helm ownership metadata: %v %v", s.Labels, s.Annotations)
		}
		return nil
	})
	t.Logf("deleted service re-created after %s", time.Since(start).Round(time.Millisecond))
	if err := api.client.Get(ctx, client.ObjectKeyFromObject(cm), cm); err != nil {
		t.Fatal(err)
	}
	cm.Data["message"] = "tampered"
	if err := api.client.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "configmap restored", func() error {
		var c corev1.ConfigMap
		if err := api.client.Get(ctx, client.ObjectKeyFromObject(cm), &c); err != nil {
			return err
		}
		if c.Data["message"] != "second" {
			return fmt.Errorf("message = %q", c.Data["message"])
		}
		return nil
	})
	api.waitDeployed(t, ns, "demo", 2) // repairs make no new revision

	// History stays bounded by MaxHistory.
	for i := 3; i <= 5; i++ {
		u := api.getWidget(t, ns, "demo")
		p := []byte(fmt.Sprintf(`{"spec":{"message":"m%d"}}`, i))
		if err := api.client.Patch(ctx, u, client.RawPatch("application/merge-patch+json", p)); err != nil {
			t.Fatal(err)
		}
		api.waitDeployed(t, ns, "demo", int64(i))
	}
	eventually(t, 5*time.Second, "history pruned", func() error {
		var list corev1.SecretList
		if err := api.client.List(ctx, &list, client.InNamespace(ns), client.MatchingLabels{"owner": "helm", "name": "demo"}); err != nil {
			return err
		}
		if len(list.Items) != DefaultMaxHistory {
			return fmt.Errorf("%d release secrets, want %d", len(list.Items), DefaultMaxHistory)
		}
		return nil
	})

	// Delete: uninstalled, objects gone, finalizer released.
	if err := api.client.Delete(ctx, api.getWidget(t, ns, "demo")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "widget gone", func() error {
		u := newWidget(ns, "demo", nil)
		err := api.client.Get(ctx, client.ObjectKeyFromObject(u), u)
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (finalizers %v): %v", u.GetFinalizers(), err)
	})
	for _, obj := range []client.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "demo-config"}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "demo-svc"}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "demo-worker"}},
	} {
		if ok, err := api.objectExists(obj); ok || err != nil {
			t.Errorf("%T %s still exists after uninstall (err %v)", obj, obj.GetName(), err)
		}
	}
	var secrets corev1.SecretList
	if err := api.client.List(ctx, &secrets, client.InNamespace(ns), client.MatchingLabels{"owner": "helm", "name": "demo"}); err != nil {
		t.Fatal(err)
	}
	if len(secrets.Items) != 0 {
		t.Errorf("%d release secrets left after uninstall", len(secrets.Items))
	}
	// Hooks hear that the resource is gone, so they can drop what they keep.
	eventually(t, 10*time.Second, "OnGone called", func() error {
		goneMu.Lock()
		defer goneMu.Unlock()
		for _, k := range gone {
			if k == (types.NamespacedName{Namespace: ns, Name: "demo"}) {
				return nil
			}
		}
		return fmt.Errorf("OnGone saw %v", gone)
	})
}

// waitQuiet waits until the operator has sent no request other than a watch
// and finished no reconcile for quietFor, so what a test measures next is
// its own doing. An operator that never goes quiet fails the test.
func waitQuiet(t *testing.T, op *operator, what string) {
	t.Helper()
	const quietFor, timeout = 1500 * time.Millisecond, 30 * time.Second
	nonWatch := func() int {
		n := 0
		for _, r := range op.counter.since(0) {
			if !strings.Contains(r, "watch=true") {
				n++
			}
		}
		return n
	}
	requests, runs := nonWatch(), op.postRuns.count()
	since := time.Now()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if r, n := nonWatch(), op.postRuns.count(); r != requests || n != runs {
			requests, runs, since = r, n, time.Now()
			continue
		}
		if time.Since(since) >= quietFor {
			return
		}
	}
	t.Fatalf("%s: the operator did not go quiet for %s within %s (last requests: %v)", what, quietFor, timeout, tailStrings(op.counter.since(0), 5))
}

func tailStrings(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// TestSteadyStateMakesNoRequests proves the fast path: a reconcile of an
// unchanged, deployed resource reads everything from informers, so the
// operator sends no request at all (watch streams aside): no write, no
// release Secret LIST, no discovery, no dry-run.
func TestSteadyStateMakesNoRequests(t *testing.T) {
	api := startAPIServer(t)
	op := api.startOperator(t, nil)
	ctx := context.Background()
	if err := api.client.Create(ctx, newWidget(op.ns, "steady", map[string]any{"message": "x"})); err != nil {
		t.Fatal(err)
	}
	api.waitDeployed(t, op.ns, "steady", 1)
	// Install starts dependent informers (their first LISTs are requests,
	// the objects they list queue reconciles) and the finalizer and status
	// writes queue more: measure only once all of that has stopped.
	waitQuiet(t, op, "after install")

	for i := range 3 {
		runs := op.postRuns.count()
		mark := op.counter.mark()
		// An annotation change triggers a reconcile but changes no input.
		u := api.getWidget(t, op.ns, "steady")
		anns := u.GetAnnotations()
		if anns == nil {
			anns = map[string]string{}
		}
		anns["test/poke"] = fmt.Sprint(i)
		u.SetAnnotations(anns)
		if err := api.client.Update(ctx, u); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "a reconcile", func() error {
			if op.postRuns.count() <= runs {
				return fmt.Errorf("no reconcile yet")
			}
			return nil
		})
		waitQuiet(t, op, fmt.Sprintf("after annotation change %d", i)) // stragglers would show up here
		var bad []string
		for _, r := range op.counter.since(mark) {
			if strings.Contains(r, "watch=true") {
				continue
			}
			bad = append(bad, r)
		}
		if len(bad) > 0 {
			t.Errorf("steady-state reconcile %d sent %d requests, want 0: %v", i, len(bad), bad)
		}
		if n := op.postRuns.count() - runs; n != 1 {
			t.Errorf("one annotation change caused %d reconciles, want 1", n)
		}
	}
	// The same, called directly, to time a steady-state reconcile.
	mark := op.counter.mark()
	const n = 50
	start := time.Now()
	for range n {
		res, err := op.rec.Reconcile(ctx, ctrl.Request{NamespacedName: types.NamespacedName{Namespace: op.ns, Name: "steady"}})
		if err != nil || res.RequeueAfter != time.Minute {
			t.Fatalf("reconcile = %+v, %v; want a requeue after the 1m period", res, err)
		}
	}
	t.Logf("steady-state reconcile: %s each (%d calls)", (time.Since(start) / n).Round(time.Microsecond), n)
	for _, r := range op.counter.since(mark) {
		if !strings.Contains(r, "watch=true") {
			t.Errorf("direct steady-state reconcile sent %s", r)
		}
	}

	u := api.getWidget(t, op.ns, "steady")
	if rev, _, _ := unstructured.NestedInt64(u.Object, "status", "deployedRelease", "revision"); rev != 1 {
		t.Errorf("revision = %d after steady-state reconciles, want 1", rev)
	}
}
