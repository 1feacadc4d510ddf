package simcluster

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestProcessKillTakesTheWholeGroup starts a shell that forks a
// grandchild and checks that kill ends both: a component's helpers must
// not outlive it.
func TestProcessKillTakesTheWholeGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "grandchild.pid")
	p := newProcess("sh", "/bin/sh", filepath.Join(dir, "sh.log"),
		[]string{"-c", "sleep 300 & echo $! > " + pidFile + "; wait"}, nil)
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
	grandchild := waitPIDFile(t, pidFile)
	if p.exited() {
		t.Fatal("shell exited early")
	}
	p.kill()
	if !p.exited() {
		t.Fatal("kill returned before the process was reaped")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !errors.Is(syscall.Kill(grandchild, 0), syscall.ESRCH) {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d survived the group kill", grandchild)
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.kill() // no-op on an ended process
}

func waitPIDFile(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(path)
		if pid, convErr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && convErr == nil {
			return pid
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no pid in %s", path)
	return 0
}
