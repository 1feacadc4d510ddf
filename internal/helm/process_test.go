package helm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// TestOperatorProcessSurvivesSIGKILL runs the operator binary built from
// main.go against a real API server, kills it with SIGKILL while an upgrade
// is in flight (Helm has written the pending-upgrade revision and waits for a
// chart hook), starts it again and checks that the release converges to the
// new spec. It also deploys a RayCluster sample with the real chart, through
// the root watches.yaml wiring.
func TestOperatorProcessSurvivesSIGKILL(t *testing.T) {
	_, cfg := testbin.StartEnvtest(t, testbin.EnvtestOptions{CRDDirs: []string{"internal/helm/testdata/crd", "config/crd/bases"}})
	api := &apiServer{cfg: cfg}
	var err error
	if api.client, err = client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme}); err != nil {
		t.Fatal(err)
	}
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	watches := writeWatches(t, root, dir)
	// A later --watches-file wins over operatorproc's default.
	operators := harness.NewBinaries(t, harness.WriteKubeconfig(t, cfg, dir), "--watches-file="+watches, "--pending-release-grace=2s")
	ctx := context.Background()
	ns := "sigkill"
	if err := api.client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}

	first := operators.Start()
	if err := api.client.Create(ctx, newWidget(ns, "k", map[string]any{"replicas": int64(1)})); err != nil {
		t.Fatal(err)
	}
	rc := loadSample(t, filepath.Join(root, "config/samples/ray_v1_raycluster_minimal.yaml"), ns)
	if err := api.client.Create(ctx, rc); err != nil {
		t.Fatalf("creating RayCluster sample: %v", err)
	}
	api.waitDeployed(t, ns, "k", 1)
	waitRayClusterDeployed(t, api, ns, rc.GetName())

	// The new spec adds a pre-upgrade hook Pod. Nothing runs pods here, so
	// Helm waits on it with the revision pending-upgrade: kill then.
	u := api.getWidget(t, ns, "k")
	if err := api.client.Patch(ctx, u, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"replicas":2,"upgradeHookPod":true}}`))); err != nil {
		t.Fatal(err)
	}
	store := api.directStorage(t, ns)
	eventually(t, 20*time.Second, "revision 2 pending-upgrade", func() error {
		rel, err := store.Get("k", 2)
		if err != nil {
			return err
		}
		if rel.Info.Status != release.StatusPendingUpgrade {
			return fmt.Errorf("revision 2 is %s", rel.Info.Status)
		}
		return nil
	})
	first.Kill()
	if rel, err := store.Get("k", 2); err != nil || rel.Info.Status != release.StatusPendingUpgrade {
		t.Fatalf("after SIGKILL revision 2 should be left pending-upgrade: %v %v", rel.Info.Status, err)
	}

	// Play kubelet for the hook Pod the recovered upgrade creates.
	stopKubelet := completeHookPods(t, api, ns)
	defer stopKubelet()
	operators.Start()
	api.waitDeployed(t, ns, "k", 3)
	eventually(t, 30*time.Second, "recovery event", func() error { return api.hasEvent(ns, "k", EventPendingRecovered) })
	var d appsv1.Deployment
	if err := api.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "k-worker"}, &d); err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 2 {
		t.Errorf("replicas = %d after recovery, want 2", *d.Spec.Replicas)
	}
	if rel, err := store.Get("k", 2); err != nil || rel.Info.Status == release.StatusPendingUpgrade {
		t.Errorf("revision 2 still pending after recovery (%v)", err)
	}
}

// writeWatches combines the test kind and the repository's own watches.yaml.
func writeWatches(t *testing.T, root, dir string) string {
	t.Helper()
	own, err := os.ReadFile(filepath.Join(root, "watches.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	content := strings.ReplaceAll(string(own), "chart: helm-charts/ray-cluster", "chart: "+filepath.Join(root, "helm-charts/ray-cluster"))
	content += fmt.Sprintf("- group: %s\n  version: v1\n  kind: Widget\n  chart: %s\n", widgetGVK.Group, filepath.Join(wd, "testdata", "widget"))
	path := filepath.Join(dir, "watches.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadSample(t *testing.T, path, ns string) *unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(b, &u.Object); err != nil {
		t.Fatal(err)
	}
	u.SetNamespace(ns)
	return u
}

func waitRayClusterDeployed(t *testing.T, api *apiServer, ns, name string) {
	t.Helper()
	gvk := schema.GroupVersionKind{Group: "ray.io", Version: "v1", Kind: "RayCluster"}
	eventually(t, 30*time.Second, "RayCluster deployed", func() error {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(gvk)
		if err := api.client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, u); err != nil {
			return err
		}
		c := findCondition(u, ConditionDeployed)
		if c == nil || c.Status != metav1.ConditionTrue {
			return fmt.Errorf("Deployed = %+v, conditions %v", c, u.Object["status"])
		}
		return nil
	})
	var sts appsv1.StatefulSet
	if err := api.client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name + "-head"}, &sts); err != nil {
		t.Errorf("head StatefulSet of the RayCluster: %v", err)
	}
}

// completeHookPods marks every hook Pod in ns Succeeded, as a kubelet would
// once its container exited 0, until stopped.
func completeHookPods(t *testing.T, api *apiServer, ns string) func() {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ctx.Err() == nil {
			var pods corev1.PodList
			if err := api.client.List(ctx, &pods, client.InNamespace(ns)); err == nil {
				for i := range pods.Items {
					p := &pods.Items[i]
					if p.Annotations["helm.sh/hook"] == "" || p.Status.Phase == corev1.PodSucceeded {
						continue
					}
					p.Status.Phase = corev1.PodSucceeded
					if err := api.client.Status().Update(ctx, p); err != nil {
						t.Logf("completing hook pod %s: %v", p.Name, err)
					}
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	return cancel
}
