/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// TestVersusSmoke runs the versus phase with three clusters: both
// operators make every cluster ready on their own simulated cluster, the
// audit log gives each its requests (KubeRay creates pods, this operator
// StatefulSets and ReplicaSets, whose pods kube-controller-manager
// creates), the recovery during the burst is timed, and the section is
// written. Slow numbers never fail it.
func TestVersusSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two simulated clusters: skipped with -short")
	}
	ctrl.SetLogger(logr.Discard())
	cfg := SmokeConfig()
	cfg.Phases, cfg.Versus = []string{versusPhase}, []int{3}
	cfg.Dir, cfg.Log = t.TempDir(), t.Logf
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	harness.KubeRayBinary(t) // skips, or fails under CI=true, when not built
	if _, err := kuberayOperator(); err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Versus) != 1 {
		t.Fatalf("versus results %+v, want one size", res.Versus)
	}
	x := res.Versus[0]
	for _, side := range []VersusSide{x.KubeRay, x.Ours} {
		if side.AllReadySeconds <= 0 || side.AllRunningSeconds <= 0 || side.CPUSeconds < 0 || side.PeakRSSMiB <= 0 || side.Requests <= 0 || side.ClusterToPod.N != 6 {
			t.Errorf("%s: %+v", side.Operator, side)
		}
	}
	if n := requestCount(x.KubeRay.ByRequest, "create", "pods"); n != 6 {
		t.Errorf("KubeRay created %d pods, want 6: %+v", n, x.KubeRay.ByRequest)
	}
	if n := requestCount(x.Ours.ControllerManagerByRequest, "create", "pods"); n != 6 {
		t.Errorf("kube-controller-manager created %d pods beside this operator, want 6: %+v", n, x.Ours.ControllerManagerByRequest)
	}
	if n := requestCount(x.Ours.ByRequest, "create", "statefulsets"); n != 3 {
		t.Errorf("this operator created %d StatefulSets, want 3: %+v", n, x.Ours.ByRequest)
	}
	if x.Recovery == nil || x.Recovery.ReadySeconds <= 0 {
		t.Errorf("recovery during the burst: %+v", x.Recovery)
	}
	md := filepath.Join(t.TempDir(), "benchmarks.md")
	if err := WriteFiles(res, md, filepath.Join(t.TempDir(), "benchmarks.json")); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), versusBeginMarker) || strings.Contains(string(doc), beginMarker) {
		t.Errorf("%s: want the versus section alone:\n%s", md, doc)
	}
}

func requestCount(rows []RequestCount, verb, resource string) int64 {
	for _, r := range rows {
		if r.Verb == verb && r.Resource == resource {
			return r.Count
		}
	}
	return 0
}
