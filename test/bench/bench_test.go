/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
)

// TestBenchSmoke runs the whole bench with the smallest sizes (one run per
// recovery mode, four clusters) into a temporary folder: it completes, and
// what it writes is valid JSON with every phase filled in and a Markdown
// file with the operator section. Slow numbers never fail it.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulated cluster: skipped with -short")
	}
	// Client-go's reflectors log through controller-runtime's root logger;
	// the operators have their own.
	ctrl.SetLogger(logr.Discard())
	cfg := SmokeConfig()
	cfg.Dir, cfg.Log = t.TempDir(), t.Logf
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	res.Command = "go test ./test/bench"
	out := t.TempDir()
	md, js := filepath.Join(out, "benchmarks.md"), filepath.Join(out, "benchmarks.json")
	if err := WriteFiles(res, md, js); err != nil {
		t.Fatal(err)
	}
	checkJSON(t, js, cfg)
	doc, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), beginMarker) || !strings.Contains(string(doc), endMarker) {
		t.Errorf("%s has no operator section:\n%s", md, doc)
	}
}

// checkJSON reads the result back and checks that each phase measured
// something: every mode its runs and milestones, both reconcile paths, and
// both scale stages with all clusters Ready.
func checkJSON(t *testing.T, path string, cfg Config) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got Result
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s is not valid JSON: %v", path, err)
	}
	if len(got.Recovery) != len(modes()) {
		t.Errorf("recovery modes %d, want %d", len(got.Recovery), len(modes()))
	}
	for _, m := range got.Recovery {
		ready := false
		for _, x := range m.Metrics {
			if x.Seconds.N != cfg.Runs {
				t.Errorf("%s %s: %d samples, want %d", m.Mode, x.Milestone, x.Seconds.N, cfg.Runs)
			}
			ready = ready || (x.Milestone == msReady && x.Seconds.Max > 0)
		}
		if !ready {
			t.Errorf("%s: no head Ready time in %+v", m.Mode, m.Metrics)
		}
	}
	if len(got.Steady) != len(steadyPaths) {
		t.Errorf("steady-state paths %+v, want %d", got.Steady, len(steadyPaths))
	}
	for _, s := range got.Steady {
		if s.Reconciles != cfg.Reconciles || s.CPUMillis <= 0 || s.Allocs <= 0 {
			t.Errorf("steady-state %s: %+v, want %d measured reconciles", s.Path, s, cfg.Reconciles)
		}
	}
	stages := scaleStages(cfg.Scale)
	if len(got.Scale) != len(stages) {
		t.Fatalf("scale stages %+v, want %v", got.Scale, stages)
	}
	for i, s := range got.Scale {
		if s.Clusters != stages[i] || s.AllReadySeconds <= 0 || s.Requests <= 0 || s.RecoveryReadySeconds <= 0 {
			t.Errorf("scale stage %d: %+v", i, s)
		}
	}
	if len(got.Budgets) == 0 || got.Machine.CPUs == 0 || got.Versions.Kubernetes == "" {
		t.Errorf("budgets %+v, machine %+v, versions %+v", got.Budgets, got.Machine, got.Versions)
	}
}
