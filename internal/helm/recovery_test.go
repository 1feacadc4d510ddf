package helm

import (
	"context"
	"fmt"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	helmtime "helm.sh/helm/v3/pkg/time"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// directStorage is Helm's own release storage on the API server, as the
// helm CLI or a crashed operator would have written it.
func (a *apiServer) directStorage(t *testing.T, ns string) *storage.Storage {
	t.Helper()
	cs, err := kubernetes.NewForConfig(a.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return storage.Init(driver.NewSecrets(cs.CoreV1().Secrets(ns)))
}

// TestPendingReleaseRecovered leaves a release in each stuck state a dead
// process can leave and checks the resource converges to its spec.
func TestPendingReleaseRecovered(t *testing.T) {
	api := startAPIServer(t)
	tests := map[string]struct {
		status release.Status
		// existing: the resource was installed before the crash.
		existing bool
		// age of the stuck revision: fresh ones are waited for (grace 2s).
		age time.Duration
	}{
		"pending-install left by a crashed first install": {status: release.StatusPendingInstall, age: time.Minute},
		"pending-upgrade, fresh: waits out the grace":     {status: release.StatusPendingUpgrade, existing: true},
		"pending-rollback": {status: release.StatusPendingRollback, existing: true, age: time.Minute},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			op := api.startOperator(t, nil)
			ctx := context.Background()
			store := api.directStorage(t, op.ns)
			stuckVersion := 1
			if tc.existing {
				if err := api.client.Create(ctx, newWidget(op.ns, "w", map[string]any{"replicas": int64(1)})); err != nil {
					t.Fatal(err)
				}
				api.waitDeployed(t, op.ns, "w", 1)
				stuckVersion = 2
			}
			writeStuckRelease(t, store, op.ns, "w", stuckVersion, tc.status, time.Now().Add(-tc.age))
			if tc.existing {
				u := api.getWidget(t, op.ns, "w")
				if err := api.client.Patch(ctx, u, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"replicas":2}}`))); err != nil {
					t.Fatal(err)
				}
			} else if err := api.client.Create(ctx, newWidget(op.ns, "w", map[string]any{"replicas": int64(2)})); err != nil {
				t.Fatal(err)
			}

			api.waitDeployed(t, op.ns, "w", int64(stuckVersion+1))
			eventually(t, 30*time.Second, "recovery event", func() error { return api.hasEvent(op.ns, "w", EventPendingRecovered) })
			if err := api.conditionIs(op.ns, "w", ConditionReleaseFailed, metav1.ConditionFalse, ReasonReleaseSucceeded); err != nil {
				t.Error(err)
			}
			stuck, err := store.Get("w", stuckVersion)
			if err != nil {
				t.Fatal(err)
			}
			if stuck.Info.Status != release.StatusFailed && stuck.Info.Status != release.StatusSuperseded {
				t.Errorf("stuck revision is %s, want failed (or superseded)", stuck.Info.Status)
			}
			var d appsv1.Deployment
			if err := api.client.Get(ctx, client.ObjectKey{Namespace: op.ns, Name: "w-worker"}, &d); err != nil {
				t.Fatal(err)
			}
			if *d.Spec.Replicas != 2 {
				t.Errorf("replicas = %d, want the new spec's 2", *d.Spec.Replicas)
			}
		})
	}
}

// writeStuckRelease stores a revision in a stuck state, as Helm writes it
// before acting, with the chart and no manifest yet.
func writeStuckRelease(t *testing.T, store *storage.Storage, ns, name string, version int, status release.Status, at time.Time) {
	t.Helper()
	ch, err := loader.Load("testdata/widget")
	if err != nil {
		t.Fatal(err)
	}
	rel := &release.Release{
		Name:      name,
		Namespace: ns,
		Version:   version,
		Chart:     ch,
		Config:    map[string]any{},
		// What the operator's own interrupted action would have written.
		Labels: releaseLabels(widgetGVK, "interrupted"),
		Info: &release.Info{
			FirstDeployed: helmtime.Time{Time: at},
			LastDeployed:  helmtime.Time{Time: at},
			Status:        status,
			Description:   fmt.Sprintf("%s interrupted by a crash", status),
		},
	}
	if version > 1 {
		prev, err := store.Get(name, version-1)
		if err != nil {
			t.Fatal(err)
		}
		rel.Manifest = prev.Manifest
	}
	if err := store.Create(rel); err != nil {
		t.Fatalf("writing %s revision %d: %v", status, version, err)
	}
}
