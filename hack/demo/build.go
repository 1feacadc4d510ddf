package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// checkPrerequisites fails early, with the command that fixes it, when the
// Kubernetes binaries or redis-server are missing.
func checkPrerequisites() error {
	if _, err := testbin.Dir(); err != nil {
		return err
	}
	if _, err := testbin.Path("kwok"); err != nil {
		return err
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		return fmt.Errorf("redis-server not found on PATH: run `make redis-server-check`: %w", err)
	}
	return nil
}

// buildOperator compiles the operator into bin/manager of the repository,
// as `make build` does. Go's build cache makes a second run quick; the
// first one on a fresh machine takes minutes, hence the progress line.
func (d *demo) buildOperator(ctx context.Context) (string, error) {
	if d.opts.operatorBin != "" {
		bin, err := filepath.Abs(d.opts.operatorBin)
		if err != nil {
			return "", err
		}
		d.step("using the operator binary %s (--operator-bin)", bin)
		return bin, nil
	}
	bin := filepath.Join(d.root, "bin", "manager")
	d.step("building the operator (go build -o bin/manager .; the first build takes a few minutes)")
	began := time.Now()
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", bin, ".")
	cmd.Dir = d.root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building the operator: %w\n%s", err, out)
	}
	d.detail("built %s in %s", relPath(d.root, bin), roundDuration(time.Since(began)))
	return bin, nil
}

// goTool is the go command that runs the demo: GOROOT's when `go run` or
// make passed it on, else the one on PATH.
func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// relPath shows paths under the repository relative to it.
func relPath(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil && !filepath.IsAbs(r) && r != "" && r[0] != '.' {
		return r
	}
	return p
}
