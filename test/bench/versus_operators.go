/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/operatorproc"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

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
	kr, err := kuberayOperator()
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
func kuberayOperator() (versusOperator, error) {
	bin, err := harness.FindKubeRay()
	if err != nil {
		return versusOperator{}, err
	}
	crds, err := harness.FindKubeRayCRDs()
	if err != nil {
		return versusOperator{}, err
	}
	// Its defaults are kept: client rate limit 100/s, burst 200, leader
	// election on, one reconcile at a time. Out of a cluster it cannot
	// guess its namespace, so the Lease's is given.
	args := []string{"--leader-election-namespace=default"}
	return versusOperator{
		name: "KubeRay " + harness.KubeRayVersion, crdDir: crds,
		start: func(ctx context.Context, e *env, home, logPath string) (*harness.OperatorProcess, []string, error) {
			p, err := harness.StartOperatorProcessWith(ctx, home, operatorproc.Options{
				Bin: bin, Kubeconfig: e.cluster.Kubeconfig(), LogPath: logPath, Args: args, OnlyArgs: true,
			}, harness.EndpointFlags{Metrics: "--metrics-addr", Probe: "--health-probe-bind-address"}, operatorStartTimeout)
			return p, args, err
		},
	}, nil
}
