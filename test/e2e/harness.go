/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/chart"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
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
	// ChartDir is the chart the operator renders (default: the source
	// tree's helm-charts/ray-cluster). Upgrade tests start with an earlier
	// chart and switch with RestartOperatorWithChart.
	ChartDir string
	// ProductionTimings runs the simulated cluster with Kubernetes' default
	// node-loss timings (simcluster.ProductionProfile): a lost node is
	// NotReady 40-55 s after its last heartbeat, not 5 s.
	ProductionTimings bool
}

// Env is a simulated cluster with the operator running against it.
type Env struct {
	Cluster *simcluster.Cluster
	// Client is the test's own client (not the operator's).
	Client client.Client
	// Registry holds the operator's head-health metrics.
	Registry *prometheus.Registry
	Setup    *operator.Setup

	opts Options
	// root is the test that owns the Env: the operator logs to it and is
	// stopped when it ends, whichever sub-test restarted it.
	root         *testing.T
	stopOperator func()
}

// Scheme knows the built-in kinds, CRDs and RayCluster.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, rayv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// Start brings up a simulated cluster (kwok leaves pods annotated with
// simcluster.DisregardStatusAnnotation to the test), installs the CRD and
// runs the operator in a manager until the test ends.
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
	cfg := c.RESTConfig()
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(root, "config", "crd", "bases")}, ErrorIfPathMissing: true,
	}); err != nil {
		t.Fatalf("installing the RayCluster CRD: %v", err)
	}
	cl, err := client.New(cfg, client.Options{Scheme: Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Cluster: c, Client: cl, opts: opts, root: t}
	env.startOperator()
	t.Logf("simulated cluster and operator up in %s", time.Since(began).Round(time.Millisecond))
	return env
}

// RestartOperator stops the operator and starts a new one, with a new
// metrics registry: a process restart, with nothing kept in memory.
func (e *Env) RestartOperator() {
	e.StopOperator()
	e.startOperator()
}

// RestartOperatorWithChart stops the operator and starts one that renders
// the chart in dir ("" for the source tree's): an operator upgrade.
func (e *Env) RestartOperatorWithChart(dir string) {
	e.StopOperator()
	e.opts.ChartDir = dir
	e.startOperator()
}

// StopOperator stops the running operator.
func (e *Env) StopOperator() { e.stopOperator() }

// startOperator runs the manager the way main.go does, with the
// RayCluster controller from operator.SetupRayCluster.
func (e *Env) startOperator() {
	t := e.root
	e.Registry = prometheus.NewRegistry()
	policy := raycluster.DefaultPolicy()
	if e.opts.Policy != nil {
		policy = *e.opts.Policy
	}
	mgr, err := ctrl.NewManager(e.Cluster.RESTConfig(), ctrl.Options{
		Scheme:                 Scheme(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// A restarted operator registers its controller name again in this
		// process; a real restart is a new process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
		Logger:     e.logger(),
		Cache:      operator.CacheOptions(nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Setup, err = operator.SetupRayCluster(mgr, operator.Config{
		Watch:           rayClusterWatch(t, e.opts.ChartDir),
		Policy:          policy,
		Registerer:      e.Registry,
		OperatorVersion: "e2e",
		Reachability:    raycluster.ReachabilityOptions{Interval: time.Second, Timeout: 500 * time.Millisecond},
		Cleanup:         raycluster.CleanupOptions{Enabled: true, DefaultTimeout: 5 * time.Second, PollInterval: time.Second},
		Tune:            e.opts.Tune,
		BatchScheduler:  e.opts.BatchScheduler,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(log.IntoContext(context.Background(), e.logger()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	var once sync.Once
	e.stopOperator = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(e.stopOperator)
}

// logger is the operator's logger: the test log, or zap into LogOutput.
func (e *Env) logger() logr.Logger {
	if e.opts.LogOutput == nil {
		return testr.NewWithOptions(e.root, testr.Options{Verbosity: 0})
	}
	// Level -127 logs every V level, so no debug line escapes the check.
	return zap.New(zap.WriteTo(e.opts.LogOutput), zap.Level(zapcore.Level(-127)))
}

// rayClusterWatch is the watches.yaml entry main.go reads for RayCluster,
// with the chart in dir ("" for the source tree's).
func rayClusterWatch(t *testing.T, dir string) helm.Watch {
	t.Helper()
	if dir == "" {
		var err error
		if dir, err = chart.DefaultDir(); err != nil {
			t.Fatal(err)
		}
	}
	return helm.Watch{
		GVK:                     rayv1.GroupVersion.WithKind("RayCluster"),
		ChartPath:               dir,
		ReconcilePeriod:         time.Minute,
		MaxConcurrentReconciles: 4,
		WatchDependentResources: true,
	}
}

// Namespace creates a namespace for one scenario.
func (e *Env) Namespace(t *testing.T, name string) string {
	t.Helper()
	if err := e.Client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	return name
}

// Eventually polls cond every 50 ms until it holds or timeout passes, and
// returns how long it took.
func Eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) time.Duration {
	t.Helper()
	start := time.Now()
	var last error
	for time.Since(start) < timeout {
		ok, err := cond()
		if ok {
			return time.Since(start)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s (last error: %v)", what, timeout, last)
	return 0
}

// errorf is fmt.Errorf, for conditions that explain why they do not hold.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
