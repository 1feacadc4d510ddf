package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// operatorBinEnv names a prebuilt operator binary for TestDemo (e.g. a
// release build); unset, the demo builds bin/manager as `make demo` does.
const operatorBinEnv = "DEMO_OPERATOR_BIN"

// TestDemo runs the demo binary as `make demo` does, with the scenarios
// that show a recovered head and a clean Redis, and --keep so that the
// test can check that everything is running until Ctrl-C and that nothing
// is left running after it.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a simulated cluster, redis-server and the operator: skipped with -short")
	}
	if err := checkPrerequisites(); err != nil {
		// make test provides them (testbin, redis-server-check): missing
		// ones are a broken setup, not a reason to pass quietly.
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "demo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the demo: %v\n%s", err, out)
	}
	args := []string{"--scenario", "head-deleted,delete", "--keep", "--dir", t.TempDir(), "--timeout", "10m"}
	if op := os.Getenv(operatorBinEnv); op != "" {
		args = append(args, "--operator-bin", op)
	}
	run := startDemo(t, bin, args)
	run.waitKeeping(t)

	text := run.out.String()
	addrs := []string{ // the API server, redis-server and the operator's metrics
		findAddr(t, text, `API https://(127\.0\.0\.1:\d+)`),
		findAddr(t, text, `listening on (127\.0\.0\.1:\d+)`),
		findAddr(t, text, `metrics on https://(127\.0\.0\.1:\d+)`),
	}
	for _, addr := range addrs {
		if !listening(addr) {
			t.Errorf("with --keep, nothing listens on %s before Ctrl-C", addr)
		}
	}

	text, err := run.interrupt(t)
	if err != nil {
		t.Fatalf("demo exit: %v; output:\n%s", err, text)
	}
	rows := tableRows(text)
	if got := rows[scenarioHeadDeleted]; got != outcomeHeadRecovered {
		t.Errorf("head-deleted result = %q, want %q; output:\n%s", got, outcomeHeadRecovered, text)
	}
	if got, want := rows[scenarioDelete], outcomeRedisClean+" (0 keys left)"; got != want {
		t.Errorf("delete result = %q, want %q; output:\n%s", got, want, text)
	}
	for _, addr := range addrs {
		if listening(addr) {
			t.Errorf("after Ctrl-C something still listens on %s", addr)
		}
	}
}

// demoRun is the demo binary running under a test.
type demoRun struct {
	cmd      *exec.Cmd
	out      *syncBuffer
	keeping  chan struct{} // closed when the demo waits for Ctrl-C
	scanned  chan struct{} // closed when its output ends
	ctx      context.Context
	deadline time.Time
}

// startDemo starts the binary and collects its output.
func startDemo(t *testing.T, bin string, args []string) *demoRun {
	t.Helper()
	// The first build of the operator takes minutes on a small machine;
	// stay inside go test's own deadline so that a slow run fails with the
	// demo's output rather than a bare timeout panic.
	deadline := time.Now().Add(12 * time.Minute)
	if d, ok := t.Deadline(); ok {
		deadline = d.Add(-30 * time.Second)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	t.Cleanup(cancel)
	r := &demoRun{cmd: exec.CommandContext(ctx, bin, args...), out: &syncBuffer{},
		keeping: make(chan struct{}), scanned: make(chan struct{}), ctx: ctx, deadline: deadline}
	r.cmd.Stderr = r.out
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go r.scan(stdout)
	return r
}

func (r *demoRun) scan(stdout io.Reader) {
	defer close(r.scanned)
	sc := bufio.NewScanner(stdout)
	var once sync.Once
	for sc.Scan() {
		r.out.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "Press Ctrl-C") {
			once.Do(func() { close(r.keeping) })
		}
	}
}

// waitKeeping waits until the scenarios are done and the demo keeps
// everything running.
func (r *demoRun) waitKeeping(t *testing.T) {
	t.Helper()
	select {
	case <-r.keeping:
	case <-r.scanned:
		_ = r.cmd.Wait()
		t.Fatalf("the demo ended before keeping the cluster (exit %d); output:\n%s", r.cmd.ProcessState.ExitCode(), r.out)
	case <-r.ctx.Done():
		t.Fatalf("the demo did not finish its scenarios by %s; output:\n%s", r.deadline.Format(time.TimeOnly), r.out)
	}
}

// interrupt sends Ctrl-C and returns the whole output and the exit error.
func (r *demoRun) interrupt(t *testing.T) (string, error) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-r.scanned
	err := r.cmd.Wait()
	return r.out.String(), err
}

// tableRows maps each scenario in the printed table to its RESULT column.
func tableRows(text string) map[string]string {
	rows := map[string]string{}
	inTable := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "SCENARIO"):
			inTable = true
		case inTable && strings.TrimSpace(line) == "":
			return rows
		case inTable:
			if cols := splitRow(line); len(cols) == 6 {
				rows[cols[0]] = cols[5]
			}
		}
	}
	return rows
}

func findAddr(t *testing.T, text, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no %q in the output:\n%s", pattern, text)
	}
	return m[1]
}

// listening reports whether a TCP server accepts connections on addr.
// Servers are stopped synchronously by the demo, so no retry is needed.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// syncBuffer is a bytes.Buffer safe for the output goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) WriteString(str string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.WriteString(str)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
