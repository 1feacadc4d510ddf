package bundle

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// controllerGen is the pinned controller-gen the Makefile builds.
const controllerGen = "bin/controller-gen-v0.23.0"

// TestRBACUpToDate regenerates the operator's ClusterRole from the
// +kubebuilder:rbac markers and compares it with config/rbac/role.yaml, so a
// new marker cannot be forgotten on the way into the bundle (whose own
// staleness test then catches the CSV).
func TestRBACUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs controller-gen over internal/: skipped with -short")
	}
	l := mustLayout(t)
	bin := filepath.Join(l.Root, controllerGen)
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("%s not built (make controller-gen): %v", controllerGen, err)
	}
	out := t.TempDir()
	cmd := exec.Command(bin, "rbac:roleName=manager-role", "paths=./internal/...", "output:rbac:artifacts:config="+out)
	cmd.Dir = l.Root
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("controller-gen: %v\n%s", err, msg)
	}
	got := mustRead(t, filepath.Join(out, "role.yaml"))
	want := mustRead(t, filepath.Join(l.Root, "config", "rbac", "role.yaml"))
	if !bytes.Equal(got, want) {
		t.Errorf("config/rbac/role.yaml is stale: run make manifests bundle\n%s", firstDifference(want, got))
	}
}
