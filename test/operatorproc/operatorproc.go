package operatorproc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// Build compiles the operator (the module's main package) into dir and
// returns the binary's path. The Go build cache makes repeated builds of an
// unchanged tree a link step.
func Build(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "ray-ha-operator")
	began := time.Now()
	if err := build(context.Background(), bin); err != nil {
		t.Fatal(err)
	}
	t.Logf("built the operator in %s", time.Since(began).Round(time.Millisecond))
	return bin
}

// shared is the binary Shared built in this test process. A link of the
// operator takes 10-40 s on a busy machine; tests of one package share it.
var shared struct {
	once sync.Once
	bin  string
	err  error
}

// Shared builds the operator once per test process, into bin/operatorproc
// under the module root (ignored by git), and returns its path. The binary
// is written under a temporary name and renamed, so test processes of
// several packages never run a half-written file, and one file is kept.
func Shared(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() {
		root, err := testbin.ModuleRoot()
		if err != nil {
			shared.err = err
			return
		}
		dir := filepath.Join(root, "bin", "operatorproc")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			shared.err = fmt.Errorf("creating %s: %w", dir, err)
			return
		}
		began := time.Now()
		tmp := filepath.Join(dir, fmt.Sprintf(".ray-ha-operator-%d", os.Getpid()))
		if shared.err = build(context.Background(), tmp); shared.err != nil {
			return
		}
		// Renaming over a binary another test process runs is safe: that
		// process keeps the old file.
		shared.bin = filepath.Join(dir, "ray-ha-operator")
		if err := os.Rename(tmp, shared.bin); err != nil {
			shared.err = fmt.Errorf("renaming the operator build: %w", err)
			return
		}
		t.Logf("built the operator in %s", time.Since(began).Round(time.Millisecond))
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.bin
}

// BuildTo compiles the operator into out, as `make build` does, for
// programs that are not tests (the demo); ctx ends the build early.
func BuildTo(ctx context.Context, out string) error { return build(ctx, out) }

func build(ctx context.Context, out string) error {
	root, err := testbin.ModuleRoot()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
	cmd.Dir = root
	// Static, as the image builds it.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the operator: %w\n%s", err, b)
	}
	return nil
}

// Options describe one operator process.
type Options struct {
	// Bin is the binary from Build.
	Bin string
	// Kubeconfig is the cluster the operator manages.
	Kubeconfig string
	// LogPath receives stdout and stderr (appended).
	LogPath string
	// Args are extra flags; --kubeconfig, --watches-file and disabled
	// metrics and probe ports are always set.
	Args []string
	// Env is added to the environment (WATCH_NAMESPACE, say).
	Env []string
	// Dir is the working directory, where --watches-file=watches.yaml is
	// looked up; empty: the module root (the source tree's watches.yaml and
	// chart). A test of a built image sets the image's WORKDIR.
	Dir string
	// OwnProcessGroup puts the process in a process group of its own, so
	// that a Ctrl-C on the terminal reaches only the program that started
	// it, which then stops it in order (the demo).
	OwnProcessGroup bool
	// OnlyArgs passes Args alone, for another operator's binary (KubeRay's)
	// that knows none of this operator's flags; it reads KUBECONFIG.
	OnlyArgs bool
}

// Process is one running operator.
type Process struct {
	opts Options
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error
}

// Start runs the operator from the module root, where watches.yaml finds
// the chart, and stops it with SIGTERM when the test ends (unless it has
// ended before).
func Start(t testing.TB, o Options) *Process {
	t.Helper()
	p, err := StartProcess(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

// StartProcess is Start for programs that are not tests (the demo): home
// is the process's private HOME, and the caller stops the process.
func StartProcess(home string, o Options) (*Process, error) {
	root, err := testbin.ModuleRoot()
	if err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(o.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening operator log %s: %w", o.LogPath, err)
	}
	args := append([]string{"--kubeconfig=" + o.Kubeconfig, "--watches-file=watches.yaml",
		"--metrics-bind-address=0", "--health-probe-bind-address=0"}, o.Args...)
	if o.OnlyArgs {
		args = o.Args
	}
	cmd := exec.Command(o.Bin, args...)
	cmd.Dir = root
	if o.Dir != "" {
		cmd.Dir = o.Dir
	}
	// Helm keeps caches and repository config under HOME; a private one
	// keeps processes and tests apart.
	cmd.Env = append(os.Environ(), "HOME="+home, "KUBECONFIG="+o.Kubeconfig,
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"), "HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"))
	cmd.Env = append(cmd.Env, o.Env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: o.OwnProcessGroup}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting the operator: %w", err)
	}
	p := &Process{opts: o, cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitError is how the process ended; nil while it runs.
func (p *Process) ExitError() error {
	if !p.Exited() {
		return nil
	}
	return p.err
}

// Kill sends SIGKILL and waits until the process is reaped: a crash, with
// no deferred code, no flushed state and no released leader lease.
func (p *Process) Kill() { p.signal(syscall.SIGKILL) }

// Stop sends SIGTERM and waits: a graceful shutdown.
func (p *Process) Stop() { p.signal(syscall.SIGTERM) }

func (p *Process) signal(sig syscall.Signal) {
	if p.Exited() {
		return
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// Log is the content of the process's log file so far.
func (p *Process) Log() string {
	b, err := os.ReadFile(p.opts.LogPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return string(b)
}

// LogContains reports whether the log has a line containing s.
func (p *Process) LogContains(s string) bool { return strings.Contains(p.Log(), s) }

// Tail is the last n bytes of the log, for failure messages.
func (p *Process) Tail(n int) string {
	s := p.Log()
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}
