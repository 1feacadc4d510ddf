package helm

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// cleanupHook holds its finalizer after uninstall until released, as the
// Redis clean-up hook does until the head is gone and the keys deleted.
type cleanupHook struct {
	release       atomic.Bool
	before, after atomic.Int32
}

const cleanupFinalizer = "test.ray-ha-operator.dev/cleanup"

func (h *cleanupHook) Finalizer() string { return cleanupFinalizer }
func (h *cleanupHook) Applies(obj *unstructured.Unstructured) bool {
	v, _, _ := unstructured.NestedBool(obj.Object, "spec", "needsCleanup")
	return v
}
func (h *cleanupHook) BeforeUninstall(context.Context, *Request) (bool, time.Duration, error) {
	h.before.Add(1)
	return true, 0, nil
}
func (h *cleanupHook) AfterUninstall(context.Context, *Request) (bool, time.Duration, error) {
	h.after.Add(1)
	return h.release.Load(), 200 * time.Millisecond, nil
}

// TestUninstallHookHoldsFinalizer: the hook's finalizer is added with ours
// before the install, survives the uninstall until the hook reports done,
// and a resource the hook does not apply to never gets it.
func TestUninstallHookHoldsFinalizer(t *testing.T) {
	api := startAPIServer(t)
	hook := &cleanupHook{}
	op := api.startOperator(t, func(o *Options) { o.UninstallHooks = []UninstallHook{hook} })
	ctx := context.Background()
	if err := api.client.Create(ctx, newWidget(op.ns, "c", map[string]any{"needsCleanup": true})); err != nil {
		t.Fatal(err)
	}
	if err := api.client.Create(ctx, newWidget(op.ns, "plain", map[string]any{})); err != nil {
		t.Fatal(err)
	}
	api.waitDeployed(t, op.ns, "c", 1)
	api.waitDeployed(t, op.ns, "plain", 1)
	if f := api.getWidget(t, op.ns, "c").GetFinalizers(); !containsString(f, cleanupFinalizer) || !containsString(f, UninstallFinalizer) {
		t.Fatalf("finalizers = %v, want both", f)
	}
	if f := api.getWidget(t, op.ns, "plain").GetFinalizers(); containsString(f, cleanupFinalizer) {
		t.Fatalf("finalizers of a resource the hook does not apply to = %v", f)
	}

	if err := api.client.Delete(ctx, api.getWidget(t, op.ns, "c")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "uninstalled, hook still holding", func() error {
		u := api.getWidget(t, op.ns, "c")
		if f := u.GetFinalizers(); len(f) != 1 || f[0] != cleanupFinalizer {
			return fmt.Errorf("finalizers = %v, want only the hook's", f)
		}
		var cm corev1.ConfigMap
		if err := api.client.Get(ctx, client.ObjectKey{Namespace: op.ns, Name: "c-config"}, &cm); !apierrors.IsNotFound(err) {
			return fmt.Errorf("configmap still there (%v)", err)
		}
		if hook.after.Load() < 2 {
			return fmt.Errorf("AfterUninstall called %d times, want it polled", hook.after.Load())
		}
		return nil
	})
	if err := api.conditionIs(op.ns, "c", ConditionDeployed, "False", ReasonUninstallSuccessful); err != nil {
		t.Error(err)
	}
	hook.release.Store(true)
	eventually(t, 10*time.Second, "resource gone once the hook is done", func() error {
		u := newWidget(op.ns, "c", nil)
		if err := api.client.Get(ctx, client.ObjectKeyFromObject(u), u); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there: %v (finalizers %v)", err, u.GetFinalizers())
		}
		return nil
	})
	if hook.before.Load() < 1 {
		t.Error("BeforeUninstall never ran")
	}
}

// TestNewOperatorVersionRelabelsWithoutUpgrade: a new operator build changes
// every input hash; the full check finds the manifest unchanged and only
// records the new hash, so no revision is added and the fast path resumes.
func TestNewOperatorVersionRelabelsWithoutUpgrade(t *testing.T) {
	api := startAPIServer(t)
	first := api.startOperator(t, func(o *Options) { o.OperatorVersion = "v1" })
	ctx := context.Background()
	if err := api.client.Create(ctx, newWidget(first.ns, "r", map[string]any{"message": "m"})); err != nil {
		t.Fatal(err)
	}
	api.waitDeployed(t, first.ns, "r", 1)
	oldHash, _, _ := unstructured.NestedString(api.getWidget(t, first.ns, "r").Object, "status", "deployedRelease", "inputsHash")
	first.stop()

	api.startOperatorIn(t, first.ns, func(o *Options) { o.OperatorVersion = "v2" })
	store := api.directStorage(t, first.ns)
	eventually(t, 20*time.Second, "new hash recorded on revision 1", func() error {
		rel, err := store.Last("r")
		if err != nil {
			return err
		}
		if rel.Version != 1 {
			return fmt.Errorf("revision %d, want 1 (no upgrade)", rel.Version)
		}
		h := rel.Labels[InputHashLabel]
		if h == "" || h == oldHash {
			return fmt.Errorf("hash %q not replaced (old %q)", h, oldHash)
		}
		u := api.getWidget(t, first.ns, "r")
		if s, _, _ := unstructured.NestedString(u.Object, "status", "deployedRelease", "inputsHash"); s != h {
			return fmt.Errorf("status inputsHash %q, release %q", s, h)
		}
		return nil
	})
}

// TestFailedInstallIsSurfacedAndFixedByASpecChange: an install the API
// server rejects leaves a failed revision (nothing is rolled back or
// uninstalled behind the user's back), is reported, and the next spec
// upgrades from the failed revision.
func TestFailedInstallIsSurfacedAndFixedByASpecChange(t *testing.T) {
	api := startAPIServer(t)
	op := api.startOperator(t, nil)
	ctx := context.Background()
	if err := api.client.Create(ctx, newWidget(op.ns, "f", map[string]any{"replicas": "many"})); err != nil {
		t.Fatal(err)
	}
	// The first retry may already have run: it upgrades from the failed
	// revision and reports UpgradeError.
	eventually(t, 20*time.Second, "ReleaseFailed", func() error {
		if err := api.conditionIs(op.ns, "f", ConditionReleaseFailed, "True", ""); err != nil {
			return err
		}
		if c := findCondition(api.getWidget(t, op.ns, "f"), ConditionReleaseFailed); c.Reason != ReasonInstallError && c.Reason != ReasonUpgradeError {
			return fmt.Errorf("ReleaseFailed reason %s (%s), want %s or %s", c.Reason, c.Message, ReasonInstallError, ReasonUpgradeError)
		}
		return nil
	})
	if err := api.conditionIs(op.ns, "f", ConditionDeployed, "False", ReasonReleaseNotFound); err != nil {
		t.Error(err)
	}
	eventually(t, 30*time.Second, "install failure event", func() error { return api.hasEvent(op.ns, "f", EventInstallFailed) })
	// Retries (with backoff) add failed revisions, never a rollback or an
	// uninstall. A retry in flight shows a pending-upgrade revision on top
	// for a moment, so poll for a moment between retries.
	store := api.directStorage(t, op.ns)
	eventually(t, 30*time.Second, "only failed revisions kept", func() error {
		hist, err := store.History("f")
		if err != nil {
			return fmt.Errorf("the failed revisions should be kept: %v", err)
		}
		if len(hist) == 0 {
			return fmt.Errorf("the failed revisions should be kept: no history")
		}
		for _, rel := range hist {
			if rel.Info.Status != release.StatusFailed {
				return fmt.Errorf("revision %d is %s, want every revision failed", rel.Version, rel.Info.Status)
			}
		}
		return nil
	})

	u := api.getWidget(t, op.ns, "f")
	if err := api.client.Patch(ctx, u, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"replicas":1}}`))); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "deployed after the fix", func() error {
		if err := api.conditionIs(op.ns, "f", ConditionDeployed, "True", ""); err != nil {
			return err
		}
		last, err := api.directStorage(t, op.ns).Last("f")
		if err != nil || last.Info.Status != "deployed" || last.Version < 2 {
			return fmt.Errorf("last revision %v (%v)", last, err)
		}
		return nil
	})
	if err := api.conditionIs(op.ns, "f", ConditionReleaseFailed, "False", ReasonReleaseSucceeded); err != nil {
		t.Error(err)
	}
}
