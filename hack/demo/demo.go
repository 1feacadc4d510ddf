package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// demo is one run: the processes it started and what it measured.
type demo struct {
	opts options
	out  io.Writer
	root string // repository root
	dir  string // work folder

	cluster  *simcluster.Cluster
	redis    *redisserver.Server
	operator *harness.OperatorProcess
	k8s      client.Client

	redisPassword    string
	rayCluster       types.NamespacedName
	manifestPath     string
	storageNamespace string

	results []result
}

func newDemo(opts options, out io.Writer) *demo {
	return &demo{opts: opts, out: out, rayCluster: types.NamespacedName{Namespace: "default", Name: clusterName}}
}

// run sets everything up, runs the chosen scenarios and prints the table.
// It returns whether every scenario recovered within its bound.
func (d *demo) run(ctx context.Context) (bool, error) {
	if err := d.setUp(ctx); err != nil {
		return false, err
	}
	for _, name := range d.opts.scenarios {
		res, err := d.runScenario(ctx, name)
		if err != nil {
			return false, err
		}
		d.results = append(d.results, res)
	}
	return printResults(d.out, d.results), nil
}

// setUp builds the operator, starts the simulated cluster, Redis and the
// operator, and creates the RayCluster.
func (d *demo) setUp(ctx context.Context) error {
	steps := []func(context.Context) error{
		d.prepare,
		d.startCluster,
		d.startRedis,
		d.installCRD,
		d.startOperator,
		d.createRayCluster,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// prepare finds the repository, checks the prerequisites and makes the
// work folder.
func (d *demo) prepare(ctx context.Context) error {
	root, err := testbin.ModuleRoot()
	if err != nil {
		return err
	}
	d.root = root
	if err := checkPrerequisites(); err != nil {
		return err
	}
	d.dir = d.opts.dir
	if d.dir == "" {
		d.dir = filepath.Join(root, "bin", "demo-run")
	}
	if d.dir, err = filepath.Abs(d.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(d.dir, "redis"), 0o700); err != nil {
		return fmt.Errorf("creating the work folder %s: %w", d.dir, err)
	}
	return nil
}

// startCluster starts the simulated cluster with three nodes.
func (d *demo) startCluster(ctx context.Context) error {
	d.step("starting a simulated Kubernetes cluster with 3 nodes (etcd, kube-apiserver, controller manager, scheduler, kwok)")
	c, err := simcluster.Start(ctx, simcluster.Options{
		Nodes: 3,
		Dir:   filepath.Join(d.dir, "cluster"),
		Log:   func(format string, args ...any) { d.detail(format, args...) },
	})
	if err != nil {
		return fmt.Errorf("starting the simulated cluster: %w", err)
	}
	d.cluster = c
	// Uncached: every read goes to the API server, so the timings are what
	// the API shows.
	k8s, err := client.New(c.RESTConfig(), client.Options{Scheme: harness.Scheme()})
	if err != nil {
		return fmt.Errorf("building the demo's Kubernetes client: %w", err)
	}
	d.k8s = k8s
	return nil
}

// installCRD installs the RayCluster CRD from config/crd/bases, as `make
// install` would, and waits until the API serves it.
func (d *demo) installCRD(context.Context) error {
	d.step("installing the RayCluster CRD (config/crd/bases)")
	if _, err := envtest.InstallCRDs(d.cluster.RESTConfig(), envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(d.root, "config", "crd", "bases")}, ErrorIfPathMissing: true,
	}); err != nil {
		return fmt.Errorf("installing the RayCluster CRD: %w", err)
	}
	return nil
}

// startRedis starts a real redis-server that requires a fresh password.
func (d *demo) startRedis(context.Context) error {
	d.step("starting redis-server with a password (the GCS's external storage)")
	pw, err := randomPassword()
	if err != nil {
		return err
	}
	srv, err := redisserver.StartProcess(filepath.Join(d.dir, "redis"), redisserver.Options{Password: pw})
	if err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	d.redis, d.redisPassword = srv, pw
	d.detail("redis-server listening on %s (password in the Secret %s, never printed)", srv.Addr(), passwordSecretName)
	return nil
}

// cleanup stops every process the demo started, newest first, so that the
// operator does not log errors about a vanished API server.
func (d *demo) cleanup() {
	if d.operator != nil {
		d.operator.Stop()
	}
	if d.cluster != nil {
		d.cluster.Stop()
	}
	if d.redis != nil {
		d.redis.Stop()
	}
}

// keepRunning prints how to use the cluster and waits for Ctrl-C.
func (d *demo) keepRunning(ctx context.Context) {
	fmt.Fprintf(d.out, "\nEverything keeps running (--keep). In another shell:\n\n")
	fmt.Fprintf(d.out, "  KUBECONFIG=%s kubectl get rayclusters\n", d.cluster.Kubeconfig())
	fmt.Fprintf(d.out, "  KUBECONFIG=%s kubectl get pods -o wide\n\n", d.cluster.Kubeconfig())
	if _, err := exec.LookPath("kubectl"); err != nil {
		fmt.Fprintf(d.out, "(kubectl is not on PATH here; any recent kubectl works with that kubeconfig.)\n\n")
	}
	if d.ranScenario(scenarioDelete) {
		fmt.Fprintf(d.out, "The delete scenario removed the RayCluster; create it again with:\n\n  KUBECONFIG=%s kubectl apply -f %s\n\n",
			d.cluster.Kubeconfig(), d.manifestPath)
	}
	fmt.Fprintf(d.out, "Operator log: %s. Press Ctrl-C to stop everything.\n", d.operator.LogPath)
	<-ctx.Done()
}

func (d *demo) ranScenario(name string) bool {
	for _, r := range d.results {
		if r.scenario == name {
			return true
		}
	}
	return false
}

// step prints a top-level progress line.
func (d *demo) step(format string, args ...any) {
	fmt.Fprintf(d.out, "==> "+format+"\n", args...)
}

// detail prints an indented progress line under a step.
func (d *demo) detail(format string, args ...any) {
	fmt.Fprintf(d.out, "    "+format+"\n", args...)
}

// roundDuration keeps a tenth of a second, enough for the table.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

// printWhereToLook names the logs after a failure.
func (d *demo) printWhereToLook() {
	if d.operator != nil {
		fmt.Fprintf(os.Stderr, "demo: operator log: %s\n", d.operator.LogPath)
	}
	if d.cluster != nil {
		fmt.Fprintf(os.Stderr, "demo: cluster component logs: %s\n", filepath.Join(d.cluster.Dir(), "logs"))
	}
}
