package helm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadWatches(t *testing.T) {
	chartDir, err := filepath.Abs(filepath.Join("testdata", "widget"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"IMAGE": "img:2"}
	getenv := func(k string) string { return env[k] }
	defaults := WatchDefaults{ReconcilePeriod: 5 * time.Minute, MaxConcurrentReconciles: 2}
	entry := func(extra string) string {
		return "- group: test.ray-ha-operator.dev\n  version: v1\n  kind: Widget\n  chart: " + chartDir + "\n" + extra
	}
	tests := map[string]struct {
		yaml    string
		wantErr string
		check   func(t *testing.T, w Watch)
	}{
		"defaults": {
			yaml: entry(""),
			check: func(t *testing.T, w Watch) {
				if w.ReconcilePeriod != 5*time.Minute || w.MaxConcurrentReconciles != 2 || !w.WatchDependentResources {
					t.Errorf("defaults not applied: %+v", w)
				}
				if w.Chart == nil || w.Chart.Name() != "widget" || w.ChartDigest == "" {
					t.Errorf("chart not loaded: %v %q", w.Chart, w.ChartDigest)
				}
			},
		},
		"explicit settings": {
			yaml: entry("  reconcilePeriod: 30s\n  maxConcurrentReconciles: 4\n  watchDependentResources: false\n  selector:\n    matchLabels:\n      tier: gold\n"),
			check: func(t *testing.T, w Watch) {
				if w.ReconcilePeriod != 30*time.Second || w.MaxConcurrentReconciles != 4 || w.WatchDependentResources {
					t.Errorf("settings not read: %+v", w)
				}
				if w.Selector.MatchLabels["tier"] != "gold" {
					t.Errorf("selector = %+v", w.Selector)
				}
			},
		},
		"override values expand the environment, unset to empty": {
			yaml: entry("  overrideValues:\n    image: $IMAGE\n    message: ${UNSET}x\n"),
			check: func(t *testing.T, w Watch) {
				if w.OverrideValues["image"] != "img:2" || w.OverrideValues["message"] != "x" {
					t.Errorf("overrides = %v", w.OverrideValues)
				}
			},
		},
		"duplicate kind":            {yaml: entry("") + entry(""), wantErr: "duplicate"},
		"zero workers":              {yaml: entry("  maxConcurrentReconciles: 0\n"), wantErr: "maxConcurrentReconciles"},
		"missing kind":              {yaml: "- version: v1\n  chart: x\n", wantErr: "kind"},
		"missing chart":             {yaml: "- version: v1\n  kind: Widget\n", wantErr: "chart is required"},
		"chart folder that is gone": {yaml: "- version: v1\n  kind: Widget\n  chart: nowhere\n", wantErr: "loading chart"},
		"unknown field (typo)":      {yaml: entry("  reconcilePeriode: 1m\n"), wantErr: "reconcilePeriode"},
		"bad override key":          {yaml: entry("  overrideValues:\n    \"a[\": x\n"), wantErr: "override value"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "watches.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			ws, err := LoadWatches(path, getenv, defaults)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) != 1 {
				t.Fatalf("%d watches, want 1", len(ws))
			}
			tc.check(t, ws[0])
		})
	}
}

// TestRepositoryWatchesFile loads the operator's own watches.yaml.
func TestRepositoryWatchesFile(t *testing.T) {
	ws, err := LoadWatches(filepath.Join("..", "..", "watches.yaml"), func(string) string { return "" }, WatchDefaults{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || ws[0].GVK.String() != "ray.io/v1, Kind=RayCluster" || ws[0].Chart.Name() != "ray-cluster" {
		t.Fatalf("watches = %+v", ws)
	}
	if ws[0].ReconcilePeriod != 5*time.Minute {
		t.Errorf("reconcilePeriod = %s", ws[0].ReconcilePeriod)
	}
}
