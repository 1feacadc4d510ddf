package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// operatorProcess is the operator binary running as a child of the demo, in
// its own process group so that a Ctrl-C on the terminal reaches only the
// demo, which then stops the operator in order.
type operatorProcess struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	waitErr error
}

// operatorConfig is what the operator is started with.
type operatorConfig struct {
	bin        string
	workDir    string // the repository root: watches.yaml and the chart are read relative to it
	kubeconfig string
	logPath    string
	args       []string
}

// startOperator starts the binary with its output in logPath.
func startOperator(cfg operatorConfig) (*operatorProcess, error) {
	logFile, err := os.OpenFile(cfg.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating the operator log %s: %w", cfg.logPath, err)
	}
	cmd := exec.Command(cfg.bin, cfg.args...)
	cmd.Dir = cfg.workDir
	cmd.Env = append(withoutEnv(os.Environ(), "KUBECONFIG"), "KUBECONFIG="+cfg.kubeconfig)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group: the terminal's Ctrl-C goes to the demo only. The
	// parent-death signal kills the operator even if the demo is killed
	// without a chance to clean up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting the operator %s: %w", cfg.bin, err)
	}
	p := &operatorProcess{cmd: cmd, logPath: cfg.logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// waitHealthy polls the operator's readiness endpoint until it answers 200,
// failing early when the process exits.
func (p *operatorProcess) waitHealthy(ctx context.Context, probeAddr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := "http://" + probeAddr + "/readyz"
	for {
		if ok := probeOnce(ctx, url); ok {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("the operator exited before it was ready (%v); last lines of %s:\n%s",
				p.waitErr, p.logPath, tail(p.logPath, 15))
		case <-ctx.Done():
			return fmt.Errorf("the operator did not answer %s within %s; last lines of %s:\n%s",
				url, timeout, p.logPath, tail(p.logPath, 15))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func probeOnce(ctx context.Context, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// checkRunning fails permanently once the operator has exited, so that a
// wait for something only the operator does ends at once.
func (p *operatorProcess) checkRunning() error {
	if !p.exited() {
		return nil
	}
	return permanentError{fmt.Errorf("the operator exited (%v); last lines of %s:\n%s", p.waitErr, p.logPath, tail(p.logPath, 15))}
}

// exited reports whether the operator process has ended.
func (p *operatorProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the operator's process group to terminate, as Kubernetes would,
// and kills it when it does not within grace.
func (p *operatorProcess) stop(grace time.Duration) {
	if p == nil || p.exited() {
		return
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
}

// operatorFlags probes `<bin> --help` for the flags the demo may pass. The
// head-health flags are optional: a build without them still runs, with the
// demo's bounds coming from the RayCluster's annotations alone.
func operatorFlags(ctx context.Context, bin string) (map[string]bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--help").CombinedOutput()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return nil, fmt.Errorf("running %s --help: %w", bin, err)
	}
	return parseFlagNames(string(out)), nil
}

// parseFlagNames finds the flag names in Go flag/pflag help output: lines
// whose first word is -name or --name.
func parseFlagNames(help string) map[string]bool {
	names := map[string]bool{}
	for _, line := range strings.Split(help, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		word := fields[0]
		if strings.HasPrefix(word, "-h,") && len(fields) > 1 { // pflag's "-h, --help"
			word = fields[1]
		}
		if !strings.HasPrefix(word, "-") {
			continue
		}
		name := strings.TrimLeft(word, "-")
		name, _, _ = strings.Cut(name, "=")
		if name != "" {
			names[name] = true
		}
	}
	return names
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}
