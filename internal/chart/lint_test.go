package chart

import (
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

// TestLint runs Helm's own linter (what `helm lint` runs) on the chart,
// with the default values and with GCS FT on. Only INFO messages may
// remain.
func TestLint(t *testing.T) {
	dir, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	kubeVersion, err := chartutil.ParseKubeVersion(renderKubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		"default values": "",
		"GCS FT":         ftLiteral,
		"legacy FT":      "cluster: {annotations: {ray.io/ft-enabled: \"true\"}}\n",
	}
	for name, values := range tests {
		t.Run(name, func(t *testing.T) {
			linter := lint.AllWithKubeVersion(dir, parseValues(t, values), testNamespace, kubeVersion)
			for _, m := range linter.Messages {
				if m.Severity > support.InfoSev {
					t.Errorf("lint: %s", m)
				} else {
					t.Logf("lint: %s", m)
				}
			}
		})
	}
}

// TestNotes checks NOTES.txt tells how to reach the dashboard and the head.
func TestNotes(t *testing.T) {
	notes, err := RenderNotes(testChart(t), testRelease, testNamespace, parseValues(t, ftLiteral))
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, "NOTES.txt", notes,
		"demo-head-0",
		"port-forward svc/demo-head-svc 8265:8265",
		"get pods -l ray.io/cluster=demo",
		"GCS fault tolerance: on; storage namespace ray-demo",
		"Worker group:  workergroup (ReplicaSet demo-workergroup-worker)")
}
