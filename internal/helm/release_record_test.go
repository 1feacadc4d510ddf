package helm

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

func TestSlimRelease(t *testing.T) {
	sub := &chart.Chart{Metadata: &chart.Metadata{Name: "sub", Version: "2.0.0"},
		Templates: []*chart.File{{Name: "templates/b.yaml"}}, Values: map[string]any{"b": 1}}
	full := &chart.Chart{
		Metadata:  &chart.Metadata{Name: "top", Version: "1.0.0"},
		Lock:      &chart.Lock{Digest: "d"},
		Templates: []*chart.File{{Name: "templates/a.yaml", Data: []byte("kind: ConfigMap")}},
		Files:     []*chart.File{{Name: "README.md", Data: []byte("readme")}},
		Schema:    []byte(`{"type":"object"}`),
		Values:    map[string]any{"a": 1},
	}
	full.SetDependencies(sub)
	tests := map[string]struct {
		in        *release.Release
		wantChart bool
	}{
		"no release":        {},
		"release, no chart": {in: &release.Release{Name: "r"}},
		"chart with a dependency": {
			in: &release.Release{Name: "r", Manifest: "m", Chart: full, Config: map[string]any{"x": 1}}, wantChart: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := slimRelease(tc.in)
			if !tc.wantChart {
				if got != tc.in {
					t.Fatalf("slimRelease changed a release without a chart: %+v", got)
				}
				return
			}
			if got == tc.in || got.Chart == tc.in.Chart {
				t.Fatal("slimRelease must copy, not modify, the release Helm returns")
			}
			if len(tc.in.Chart.Templates) != 1 || len(tc.in.Chart.Files) != 1 || tc.in.Chart.Schema == nil {
				t.Fatal("slimRelease modified the input chart")
			}
			c := got.Chart
			if len(c.Templates)+len(c.Files) != 0 || c.Schema != nil {
				t.Errorf("slim chart keeps templates %d, files %d, schema %q", len(c.Templates), len(c.Files), c.Schema)
			}
			if c.Metadata != full.Metadata || c.Lock != full.Lock || c.Values["a"] != 1 || got.Manifest != "m" || got.Config["x"] != 1 {
				t.Errorf("slim release lost what describes it: %+v", got)
			}
			deps := c.Dependencies()
			if len(deps) != 1 || deps[0].Name() != "sub" || len(deps[0].Templates) != 0 || deps[0].Values["b"] != 1 || deps[0].Parent() != c {
				t.Errorf("dependencies = %+v", deps)
			}
		})
	}
}

// TestSlimRecordsWithHelmCLI: the revisions the reconciler writes hold no
// chart templates, and the helm CLI still reads and rolls them back:
// history, status, get values, get manifest, rollback.
func TestSlimRecordsWithHelmCLI(t *testing.T) {
	helm, _ := harness.HelmCLI(t)
	api := startAPIServer(t)
	op := api.startOperator(t, nil)
	ctx := context.Background()
	ns := op.ns
	if err := api.client.Create(ctx, newWidget(ns, "demo", map[string]any{"message": "first", "replicas": int64(1)})); err != nil {
		t.Fatal(err)
	}
	api.waitDeployed(t, ns, "demo", 1)
	patch := []byte(`{"spec":{"message":"second"}}`)
	if err := api.client.Patch(ctx, newWidget(ns, "demo", nil), client.RawPatch("application/merge-patch+json", patch)); err != nil {
		t.Fatal(err)
	}
	api.waitDeployed(t, ns, "demo", 2)
	// The operator would upgrade a rollback away again.
	op.stop()

	cs, err := kubernetes.NewForConfig(api.cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := driver.NewSecrets(cs.CoreV1().Secrets(ns))
	revs, err := d.Query(map[string]string{"name": "demo", "owner": "helm"})
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 2 {
		t.Fatalf("%d revisions stored, want 2", len(revs))
	}
	for _, r := range revs {
		if r.Chart == nil || r.Chart.Metadata == nil || r.Chart.Metadata.Name != "widget" {
			t.Fatalf("revision %d: chart metadata lost: %+v", r.Version, r.Chart)
		}
		if n := len(r.Chart.Templates) + len(r.Chart.Files); n != 0 {
			t.Errorf("revision %d stores %d chart files", r.Version, n)
		}
	}

	kubeconfig := writeKubeconfig(t, api)
	run := func(args ...string) string {
		return harness.RunHelm(t, helm, append(args, "--kubeconfig", kubeconfig, "--namespace", ns)...)
	}
	var history []struct {
		Revision int    `json:"revision"`
		Status   string `json:"status"`
		Chart    string `json:"chart"`
	}
	if err := json.Unmarshal([]byte(run("history", "demo", "-o", "json")), &history); err != nil {
		t.Fatal(err)
	}
	if len(history) != 2 || history[1].Status != "deployed" || history[0].Status != "superseded" || history[1].Chart != "widget-0.1.0" {
		t.Errorf("helm history = %+v", history)
	}
	if out := run("status", "demo"); !strings.Contains(out, "STATUS: deployed") || !strings.Contains(out, "REVISION: 2") {
		t.Errorf("helm status:\n%s", out)
	}
	if out := run("get", "values", "demo"); !strings.Contains(out, "second") {
		t.Errorf("helm get values:\n%s", out)
	}
	if out := run("get", "manifest", "demo"); !strings.Contains(out, "demo-config") {
		t.Errorf("helm get manifest:\n%s", out)
	}
	run("rollback", "demo", "1")
	eventually(t, 10*time.Second, "configmap rolled back", func() error {
		var cm corev1.ConfigMap
		if err := api.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "demo-config"}, &cm); err != nil {
			return err
		}
		if cm.Data["message"] != "first" {
			return fmt.Errorf("message = %q", cm.Data["message"])
		}
		return nil
	})
	if out := run("status", "demo"); !strings.Contains(out, "REVISION: 3") || !strings.Contains(out, "STATUS: deployed") {
		t.Errorf("helm status after rollback:\n%s", out)
	}
}

// writeKubeconfig writes the test API server's credentials for the CLI.
func writeKubeconfig(t *testing.T, api *apiServer) string {
	t.Helper()
	c := clientcmdapi.NewConfig()
	c.Clusters["test"] = &clientcmdapi.Cluster{Server: api.cfg.Host, CertificateAuthorityData: api.cfg.CAData}
	c.AuthInfos["test"] = &clientcmdapi.AuthInfo{ClientCertificateData: api.cfg.CertData, ClientKeyData: api.cfg.KeyData, Token: api.cfg.BearerToken}
	c.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "test"}
	c.CurrentContext = "test"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*c, path); err != nil {
		t.Fatal(err)
	}
	return path
}
