package main

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// operatorArgs is the operator's command line for the demo. The base flags
// are the operator's stable interface; each head-health flag is passed only
// when the binary lists it, since the RayCluster's annotations carry the
// same bounds anyway.
func operatorArgs(known map[string]bool, metricsAddr, probeAddr string, b bounds) (args, shown []string) {
	args = []string{
		"--metrics-bind-address=" + metricsAddr,
		"--health-probe-bind-address=" + probeAddr,
		"--leader-elect=false",
		"--watches-file=watches.yaml",
	}
	optional := []struct{ name, value string }{
		// Plain HTTP on loopback keeps the demo's scrape simple; the
		// scraper still copes with an HTTPS endpoint.
		{"metrics-secure", "false"},
		{"head-node-lost-grace", b.nodeLostGrace.String()},
		{"head-stuck-terminating-grace", b.stuckTerminatingGrace.String()},
		{"redis-cleanup-timeout", b.deletionTimeout.String()},
	}
	for _, f := range optional {
		if known[f.name] {
			args = append(args, "--"+f.name+"="+f.value)
		}
	}
	for _, a := range args {
		if strings.HasPrefix(a, "--head-") || strings.HasPrefix(a, "--redis-") {
			shown = append(shown, a)
		}
	}
	return args, shown
}

// startOperator builds and starts the operator against the simulated
// cluster and waits until its readiness endpoint answers.
func (d *demo) startOperator(ctx context.Context) error {
	bin, err := d.buildOperator(ctx)
	if err != nil {
		return err
	}
	known, err := operatorFlags(ctx, bin)
	if err != nil {
		return err
	}
	metricsAddr, err := freeAddr()
	if err != nil {
		return err
	}
	probeAddr, err := freeAddr()
	if err != nil {
		return err
	}
	args, shown := operatorArgs(known, metricsAddr, probeAddr, d.opts.bounds)
	logPath := filepath.Join(d.dir, "operator.log")
	d.step("starting the operator (log: %s)", logPath)
	d.printBounds(shown)
	began := time.Now()
	p, err := startOperator(operatorConfig{bin: bin, workDir: d.root, kubeconfig: d.cluster.Kubeconfig(), logPath: logPath, args: args})
	if err != nil {
		return err
	}
	d.operator = p
	if err := p.waitHealthy(ctx, probeAddr, 60*time.Second); err != nil {
		return err
	}
	d.metrics = newMetricsScraper(metricsAddr, d.cluster.RESTConfig().BearerToken)
	d.detail("operator ready in %s; metrics on http://%s/metrics", roundDuration(time.Since(began)), metricsAddr)
	return nil
}

// printBounds shows the short bounds the demo runs with and where they are set.
func (d *demo) printBounds(flags []string) {
	b := d.opts.bounds
	d.detail("demo bounds (production defaults are longer, see docs/configuration.md):")
	d.detail("  node-lost grace %s, stuck-Terminating grace %s, Redis clean-up bound %s",
		b.nodeLostGrace, b.stuckTerminatingGrace, b.deletionTimeout)
	d.detail("  set on the RayCluster as ray-ha.io/node-lost-grace-seconds, ray-ha.io/stuck-terminating-grace-seconds, ray.io/gcs-ft-deletion-timeout")
	if len(flags) > 0 {
		d.detail("  and as operator flags: %s", strings.Join(flags, " "))
	} else {
		d.detail("  (this operator build has no head-health flags; the annotations alone set them)")
	}
	d.detail("  simulated nodes: NotReady %s after their kubelet stops, pods evicted %ds later",
		simcluster.DefaultNodeMonitorGracePeriod, simcluster.DefaultNotReadyTolerationSeconds)
}
