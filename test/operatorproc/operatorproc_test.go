package operatorproc_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/operatorproc"
)

// TestBuildAndRun builds the real binary and runs it with --help: its
// output lands in the log file, Exited turns true, and Kill and Stop of an
// ended process return at once. Killing a running operator is exercised by
// test/reliability.
func TestBuildAndRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the operator: skipped with -short")
	}
	dir := t.TempDir()
	bin := operatorproc.Build(t, dir)
	p := operatorproc.Start(t, operatorproc.Options{Bin: bin, Kubeconfig: filepath.Join(dir, "none"),
		LogPath: filepath.Join(dir, "op.log"), Args: []string{"--help"}})
	deadline := time.Now().Add(20 * time.Second)
	for !p.Exited() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !p.Exited() {
		t.Fatal("operator --help still running after 20s")
	}
	p.Kill()
	p.Stop()
	if !strings.Contains(p.Log(), "-head-node-lost-grace") {
		t.Errorf("log has no flag usage:\n%s", p.Tail(500))
	}
}

// TestShared: one build per test process, at one path, executable.
func TestShared(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the operator: skipped with -short")
	}
	first := operatorproc.Shared(t)
	if second := operatorproc.Shared(t); second != first {
		t.Errorf("second Shared = %s, want the first build %s", second, first)
	}
	fi, err := os.Stat(first)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("%s is not executable (%v)", first, fi.Mode())
	}
}
