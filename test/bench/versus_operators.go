/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/operatorproc"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// kuberayModule is KubeRay's operator module, built by `make kuberay` from
// hack/kuberay (a module of its own) into bin/kuberay-operator-<version>.
const kuberayModule = "github.com/ray-project/kuberay/ray-operator"

// operatorStartTimeout bounds an operator's start until /readyz.
const operatorStartTimeout = 2 * time.Minute

// versusOperators are KubeRay's operator, run with its defaults (the
// addresses aside), and this one, built from the source tree and run with
// main.go's defaults.
func versusOperators(ctx context.Context, cfg Config) ([]versusOperator, error) {
	root, err := testbin.ModuleRoot()
	if err != nil {
		return nil, fmt.Errorf("finding the module root: %w", err)
	}
	kr, err := kuberayOperator(ctx, root)
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(cfg.Dir, "ray-ha-operator")
	cfg.Log("building the operator")
	if err := operatorproc.BuildTo(ctx, bin); err != nil {
		return nil, err
	}
	ours := versusOperator{
		name: "ray-ha-operator", crdDir: filepath.Join(root, "config", "crd", "bases"), recover: true,
		start: func(ctx context.Context, e *env, home, logPath string) (*harness.OperatorProcess, []string, error) {
			p, err := harness.StartOperatorProcess(ctx, home, operatorproc.Options{
				Bin: bin, Kubeconfig: e.cluster.Kubeconfig(), LogPath: logPath,
			}, operatorStartTimeout)
			return p, []string{"(main.go's defaults)"}, err
		},
	}
	return []versusOperator{kr, ours}, nil
}

// kuberayOperator finds KubeRay's binary and its CRDs (RayCluster, RayJob
// and RayService: its manager fails without all three) in the Go module
// cache, where hack/kuberay's build put them.
func kuberayOperator(ctx context.Context, root string) (versusOperator, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-json", kuberayModule)
	cmd.Dir = filepath.Join(root, "hack", "kuberay")
	out, err := cmd.Output()
	if err != nil {
		return versusOperator{}, fmt.Errorf("locating %s through hack/kuberay (run `make kuberay`): %w", kuberayModule, err)
	}
	var mod struct{ Version, Dir string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return versusOperator{}, fmt.Errorf("reading `go list -m -json %s`: %w", kuberayModule, err)
	}
	crds := filepath.Join(mod.Dir, "config", "crd", "bases")
	bin := filepath.Join(root, "bin", "kuberay-operator-"+mod.Version)
	for _, p := range []string{crds, bin} {
		if _, err := os.Stat(p); err != nil {
			return versusOperator{}, fmt.Errorf("KubeRay %s: %w (run `make kuberay`)", mod.Version, err)
		}
	}
	// Its defaults are kept: client rate limit 100/s, burst 200, leader
	// election on, one reconcile at a time. Out of a cluster it cannot
	// guess its namespace, so the Lease's is given.
	args := []string{"--leader-election-namespace=default"}
	return versusOperator{
		name: "KubeRay " + mod.Version, crdDir: crds,
		start: func(ctx context.Context, e *env, home, logPath string) (*harness.OperatorProcess, []string, error) {
			p, err := harness.StartOperatorProcessWith(ctx, home, operatorproc.Options{
				Bin: bin, Kubeconfig: e.cluster.Kubeconfig(), LogPath: logPath, Args: args, OnlyArgs: true,
			}, harness.EndpointFlags{Metrics: "--metrics-addr", Probe: "--health-probe-bind-address"}, operatorStartTimeout)
			return p, args, err
		},
	}, nil
}
