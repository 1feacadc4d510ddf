package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/operatorproc"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// operatorReadyBound is how long the operator may take to answer /readyz.
const operatorReadyBound = 60 * time.Second

// operatorArgs is the operator's command line for the demo: one process
// (no leader election) and the demo's short head-health bounds, which are
// also shown. Metrics stay as in production, over HTTPS with Kubernetes
// authentication (--metrics-secure); the demo scrapes them with the
// simulated cluster's admin token.
func operatorArgs(b bounds) (args, shown []string) {
	shown = []string{
		"--head-node-lost-grace=" + b.nodeLostGrace.String(),
		"--head-stuck-terminating-grace=" + b.stuckTerminatingGrace.String(),
		"--redis-cleanup-timeout=" + b.deletionTimeout.String(),
	}
	return append([]string{"--leader-elect=false"}, shown...), shown
}

// startOperator builds and starts the operator against the simulated
// cluster and waits until its readiness endpoint answers.
func (d *demo) startOperator(ctx context.Context) error {
	bin, err := d.buildOperator(ctx)
	if err != nil {
		return err
	}
	args, shown := operatorArgs(d.opts.bounds)
	logPath := filepath.Join(d.dir, "operator.log")
	// One run's log: the process appends to it.
	if err := os.Remove(logPath); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("removing the previous operator log: %w", err)
	}
	d.step("starting the operator (log: %s)", logPath)
	d.printBounds(shown)
	began := time.Now()
	p, err := harness.StartOperatorProcess(ctx, filepath.Join(d.dir, "operator-home"), operatorproc.Options{
		Bin: bin, Kubeconfig: d.cluster.Kubeconfig(), LogPath: logPath, Args: args, OwnProcessGroup: true,
	}, operatorReadyBound)
	if err != nil {
		return err
	}
	d.operator = p
	d.detail("operator ready in %s; metrics on https://%s/metrics (authenticated; the demo scrapes with the cluster's admin token)",
		roundDuration(time.Since(began)), p.MetricsAddr)
	return nil
}

// buildOperator compiles the operator into bin/manager of the repository,
// as `make build` does, unless --operator-bin names one. Go's build cache
// makes a second run quick; the first one on a fresh machine takes
// minutes, hence the progress line.
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
	if err := operatorproc.BuildTo(ctx, bin); err != nil {
		return "", err
	}
	d.detail("built %s in %s", relPath(d.root, bin), roundDuration(time.Since(began)))
	return bin, nil
}

// recoveries scrapes the operator's recovery histogram, by failure reason.
func (d *demo) recoveries(ctx context.Context) (map[string]harness.Observations, error) {
	families, err := harness.ScrapeMetrics(ctx, d.operator.MetricsAddr, d.cluster.RESTConfig().BearerToken)
	if err != nil {
		return nil, err
	}
	return harness.HistogramByLabel(families, raycluster.MetricHeadRecoverySeconds, "reason"), nil
}

// printBounds shows the short bounds the demo runs with and where they are set.
func (d *demo) printBounds(flags []string) {
	b := d.opts.bounds
	d.detail("demo bounds (production defaults are longer, see docs/configuration.md):")
	d.detail("  node-lost grace %s, stuck-Terminating grace %s, Redis clean-up bound %s",
		b.nodeLostGrace, b.stuckTerminatingGrace, b.deletionTimeout)
	d.detail("  set on the RayCluster as ray-ha.io/node-lost-grace-seconds, ray-ha.io/stuck-terminating-grace-seconds, ray.io/gcs-ft-deletion-timeout")
	d.detail("  and as operator flags: %s", strings.Join(flags, " "))
	d.detail("  simulated nodes: NotReady %s after their kubelet stops, pods evicted %ds later",
		simcluster.DefaultNodeMonitorGracePeriod, simcluster.DefaultNotReadyTolerationSeconds)
}
