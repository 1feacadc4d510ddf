package chart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// TestHelmCLI runs the chart through the helm CLI the Makefile builds, as a
// user would: the binary reports its version and assumes a current
// Kubernetes for client-only commands (built without Helm's release flags
// it assumes 1.20, which the chart's kubeVersion refuses), `helm lint`
// passes, and the chart works as a subchart of another, with `global`
// values, hook included.
func TestHelmCLI(t *testing.T) {
	bin, version := harness.HelmCLI(t)
	chartDir, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]func(t *testing.T){
		"version": func(t *testing.T) {
			if got := harness.RunHelm(t, bin, "version", "--template", "{{.Version}}"); got != version {
				t.Fatalf("helm version %q, want %q", got, version)
			}
		},
		"template without --kube-version": func(t *testing.T) {
			out := harness.RunHelm(t, bin, "template", "demo", chartDir, "--namespace", "rays")
			if !strings.Contains(out, "kind: StatefulSet") {
				t.Fatalf("no head StatefulSet rendered:\n%.2000s", out)
			}
		},
		"lint": func(t *testing.T) {
			out := harness.RunHelm(t, bin, "lint", chartDir)
			if !strings.Contains(out, "0 chart(s) failed") || strings.Contains(out, "[INFO] Chart.yaml: icon is recommended") {
				t.Fatalf("helm lint:\n%s", out)
			}
		},
		"subchart with global values": func(t *testing.T) {
			parent := subchartParent(t, chartDir)
			out := harness.RunHelm(t, bin, "template", "platform", parent, "--namespace", "rays",
				"--set", "global.imageRegistry=registry.example", "--set", "ray-cluster.suspend=true")
			head := renderedOf(t, out, "StatefulSet")
			if replicas, _ := head["spec"].(map[string]any)["replicas"].(float64); replicas != 0 {
				t.Fatalf("the parent's value ray-cluster.suspend did not reach the subchart: head replicas %v", replicas)
			}
		},
		"test hook": func(t *testing.T) {
			out := harness.RunHelm(t, bin, "template", "demo", chartDir, "--namespace", "rays", "--show-only", "templates/tests/test-gcs.yaml")
			pod := renderedOf(t, out, "Pod")
			meta := pod["metadata"].(map[string]any)
			if hook := meta["annotations"].(map[string]any)["helm.sh/hook"]; hook != "test" {
				t.Fatalf("helm.sh/hook %v, want test", hook)
			}
			if _, ok := meta["labels"].(map[string]any)["ray.io/cluster"]; ok {
				t.Fatal("the test pod carries ray.io/cluster: the operator would count it as a cluster pod")
			}
			c := pod["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
			cmd := strings.Join(toStrings(c["command"].([]any)), " ")
			if want := "ray health-check --address demo-head-svc.rays.svc.cluster.local:6379"; cmd != want {
				t.Fatalf("test command %q, want %q", cmd, want)
			}
		},
	}
	for name, tc := range tests {
		t.Run(name, tc)
	}
}

// subchartParent writes a chart that has the ray-cluster chart as its
// subchart (a copy under charts/, as `helm dependency build` leaves it).
func subchartParent(t *testing.T, chartDir string) string {
	t.Helper()
	parent := t.TempDir()
	write := func(rel, data string) {
		p := filepath.Join(parent, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Chart.yaml", "apiVersion: v2\nname: platform\nversion: 1.0.0\ndependencies:\n- name: ray-cluster\n  version: \">=0.0.0-0\"\n")
	write("values.yaml", "global:\n  team: ml\n")
	err := filepath.WalkDir(chartDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(chartDir, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		write("charts/ray-cluster/"+filepath.ToSlash(rel), string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return parent
}

// renderedOf returns the one object of kind in a multi-document render.
func renderedOf(t *testing.T, out, kind string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, doc := range strings.Split(out, "\n---") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("parsing the render: %v", err)
		}
		if obj["kind"] == kind {
			found = append(found, obj)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d objects of kind %s rendered, want 1", len(found), kind)
	}
	return found[0]
}

func toStrings(list []any) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i], _ = v.(string)
	}
	return out
}
