/*
Copyright 2026 The ray-ha-operator Authors.
*/

package simenv

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// Options shape an Env.
type Options struct {
	// Nodes is the number of simulated nodes (default 3).
	Nodes int
	// NodeCapacity is each node's capacity and allocatable (default:
	// simcluster.DefaultNodeCapacity); extended resources such as GPUs go
	// here.
	NodeCapacity corev1.ResourceList
	// Policy is the operator-wide head policy (default: DefaultPolicy).
	// Tests shorten bounds per cluster with annotations instead, as users do.
	Policy *raycluster.Policy
	// LogOutput, when set, receives every operator log line (all levels),
	// JSON-encoded by the zap logger main.go uses, instead of the test log:
	// tests that grep the logs (for leaked secrets, say) read it from here.
	LogOutput io.Writer
	// Tune, when set, may change the reconciler options last (tests wrap
	// hooks with it to count calls).
	Tune func(*helm.Options)
	// BatchScheduler is the operator's --batch-scheduler (default: none).
	BatchScheduler raycluster.BatchScheduler
	// ChartDir is the chart the operator renders (default: watches.yaml's).
	// Upgrade tests start with an earlier chart and switch with
	// RestartOperatorWithChart.
	ChartDir string
	// Operator, when set, changes the operator's options last (after the
	// fields above), for what they do not cover.
	Operator func(*operator.Options)
	// ProductionTimings runs the simulated cluster with Kubernetes' default
	// node-loss timings (simcluster.ProductionProfile): a lost node is
	// NotReady 40-55 s after its last heartbeat, not 5 s.
	ProductionTimings bool
}

// Env is a simulated cluster with the RayCluster CRD and the operator
// running in the test process against it.
type Env struct {
	Cluster *simcluster.Cluster
	// Client is the test's own client (not the operator's).
	Client client.Client
	// Registry holds the operator's metrics.
	Registry *prometheus.Registry
	Setup    *operator.Setup

	opts Options
	// root is the test that owns the Env: the operator logs to it and is
	// stopped when it ends, whichever sub-test restarted it.
	root *testing.T
	op   *Operator
}

// Start brings up a simulated cluster (kwok leaves pods annotated with
// simcluster.DisregardStatusAnnotation to the test), installs the CRD and
// runs the operator until the test ends.
func Start(t *testing.T, opts Options) *Env {
	t.Helper()
	if testing.Short() {
		t.Skip("e2e on the simulated cluster: skipped with -short")
	}
	if opts.Nodes == 0 {
		opts.Nodes = 3
	}
	began := time.Now()
	simOpts := simcluster.Options{Nodes: opts.Nodes, NodeCapacity: opts.NodeCapacity, DisregardStatusSelector: true}
	if opts.ProductionTimings {
		var err error
		if simOpts, err = simcluster.ProductionProfile(simOpts); err != nil {
			t.Fatal(err)
		}
	}
	c := simcluster.StartForTest(t, simOpts)
	cl := InstallCRD(t, c)
	env := &Env{Cluster: c, Client: cl, opts: opts, root: t}
	env.startOperator()
	t.Logf("simulated cluster and operator up in %s", time.Since(began).Round(time.Millisecond))
	return env
}

// InstallCRD installs the RayCluster CRD from config/crd/bases, waits
// until it is served, and returns a client with harness.Scheme.
func InstallCRD(t testing.TB, c *simcluster.Cluster) client.Client {
	t.Helper()
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := envtest.InstallCRDs(c.RESTConfig(), envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(root, "config", "crd", "bases")}, ErrorIfPathMissing: true,
	}); err != nil {
		t.Fatalf("installing the RayCluster CRD: %v", err)
	}
	cl, err := client.New(c.RESTConfig(), client.Options{Scheme: harness.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// RestartOperator stops the operator and starts a new one, with a new
// metrics registry: a process restart, with nothing kept in memory.
func (e *Env) RestartOperator() {
	e.StopOperator()
	e.startOperator()
}

// RestartOperatorWithChart stops the operator and starts one that renders
// the chart in dir ("" for watches.yaml's): an operator upgrade.
func (e *Env) RestartOperatorWithChart(dir string) {
	e.StopOperator()
	e.opts.ChartDir = dir
	e.startOperator()
}

// ChartDir is the chart the running operator renders ("" for watches.yaml's).
func (e *Env) ChartDir() string { return e.opts.ChartDir }

// StopOperator stops the running operator.
func (e *Env) StopOperator() { e.op.Stop() }

// Options are the operator's options for this Env: main.go's defaults with
// the Env's changes and test timings.
func (e *Env) operatorOptions() operator.Options {
	o := DefaultOperatorOptions(e.root)
	o.Version = "e2e"
	o.Logger = e.logger()
	if e.opts.Policy != nil {
		o.HeadPolicy = *e.opts.Policy
	}
	// Test timings: a Redis that comes back is seen within a second, and a
	// clean-up that cannot reach Redis gives up after seconds.
	o.Reachability = raycluster.ReachabilityOptions{Interval: time.Second, Timeout: 500 * time.Millisecond}
	o.Cleanup = raycluster.CleanupOptions{Enabled: true, DefaultTimeout: 5 * time.Second, PollInterval: time.Second}
	o.BatchScheduler = string(e.opts.BatchScheduler)
	o.ChartPath = e.opts.ChartDir
	o.Tune = func(h *helm.Options) {
		// The safety-net period of these tests (watches.yaml has 5m): no
		// scenario waits for it, but a missed watch event shows within a
		// test's time.
		h.ReconcilePeriod = time.Minute
		if e.opts.Tune != nil {
			e.opts.Tune(h)
		}
	}
	if e.opts.Operator != nil {
		e.opts.Operator(&o)
	}
	return o
}

func (e *Env) startOperator() {
	e.op = StartOperator(e.root, e.Cluster.RESTConfig(), e.operatorOptions())
	e.Registry, e.Setup = e.op.Registry, e.op.RayCluster
}

// logger is the operator's logger: the test log, or zap into LogOutput.
func (e *Env) logger() logr.Logger {
	if e.opts.LogOutput == nil {
		return testr.NewWithOptions(e.root, testr.Options{Verbosity: 0})
	}
	// Level -127 logs every V level, so no debug line escapes the check.
	return zap.New(zap.WriteTo(e.opts.LogOutput), zap.Level(zapcore.Level(-127)))
}

// Namespace creates a namespace for one scenario.
func (e *Env) Namespace(t *testing.T, name string) string {
	t.Helper()
	if err := e.Client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	return name
}

// StartKubelet plays the kubelet for the pods of ns that kwok leaves to the
// test (harness.StartKubelet) until the test ends.
func (e *Env) StartKubelet(t *testing.T, ns string) { harness.StartKubelet(t, e.Client, ns) }
