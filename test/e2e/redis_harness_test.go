/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	goredis "github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/chart"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// redisOperator is the operator as main wires it (Helm release reconciler,
// the RayCluster hooks, the Redis hooks), running in the test process
// against a simulated cluster.
type redisOperator struct {
	// afterCalls counts the clean-up hook's AfterUninstall calls per
	// cluster, to show that a pending clean-up polls and does not spin.
	afterCalls sync.Map // types.UID -> *atomic.Int32
}

// countingUninstall wraps the clean-up hook to count its polls.
type countingUninstall struct {
	helm.UninstallHook
	op *redisOperator
}

func (c countingUninstall) AfterUninstall(ctx context.Context, req *helm.Request) (bool, time.Duration, error) {
	n, _ := c.op.afterCalls.LoadOrStore(req.Object.GetUID(), &atomic.Int32{})
	n.(*atomic.Int32).Add(1)
	return c.UninstallHook.AfterUninstall(ctx, req)
}

func (o *redisOperator) polls(uid types.UID) int32 {
	n, ok := o.afterCalls.Load(uid)
	if !ok {
		return 0
	}
	return n.(*atomic.Int32).Load()
}

func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, rayv1.AddToScheme, apiextensionsv1.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// installCRD creates the RayCluster CRD from config/crd/bases and waits
// until it is served.
func installCRD(ctx context.Context, t *testing.T, c client.Client) {
	t.Helper()
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "config", "crd", "bases", "ray.io_rayclusters.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.Unmarshal(raw, crd); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, crd); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "RayCluster CRD established", func() (bool, error) {
		var list rayv1.RayClusterList
		err := c.List(ctx, &list)
		return err == nil, nil
	})
}

// startRedisOperator runs the operator as main wires it
// (operator.SetupRayCluster) with Redis clean-up enabled and short test
// timings until the test ends; the clean-up hook is wrapped to count polls.
func startRedisOperator(t *testing.T, sim *simcluster.Cluster) *redisOperator {
	t.Helper()
	dir, err := chart.DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(sim.RESTConfig(), ctrl.Options{
		Scheme:                 testScheme(t),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Logger:                 testr.NewWithOptions(t, testr.Options{Verbosity: 0}),
		Cache:                  operator.CacheOptions(nil),
		// go test -count=N runs this again in the same process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	op := &redisOperator{}
	_, err = operator.SetupRayCluster(mgr, operator.Config{
		Watch: helm.Watch{GVK: rayv1.GroupVersion.WithKind("RayCluster"), ChartPath: dir,
			ReconcilePeriod: time.Minute, MaxConcurrentReconciles: 4, WatchDependentResources: true},
		Policy:          raycluster.DefaultPolicy(),
		Registerer:      prometheus.NewRegistry(),
		OperatorVersion: "e2e-redis",
		// A long probe interval, so that a Secret that appears is picked
		// up by the Secret watch, not by the backoff.
		Reachability: raycluster.ReachabilityOptions{Interval: time.Minute, Timeout: time.Second},
		Cleanup:      raycluster.CleanupOptions{Enabled: true, PollInterval: 500 * time.Millisecond, ProbeTimeout: time.Second},
		Tune: func(o *helm.Options) {
			for i, h := range o.UninstallHooks {
				o.UninstallHooks[i] = countingUninstall{UninstallHook: h, op: op}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(log.IntoContext(context.Background(), testr.New(t)))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return op
}

// newRayCluster is a small fault-tolerant cluster (one worker) for addr.
func newRayCluster(ns, name, addr string, mut ...func(*rayv1.RayCluster)) *rayv1.RayCluster {
	tmpl := func(container string) corev1.PodTemplateSpec {
		return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: container, Image: "rayproject/ray:2.52.0",
		}}}}
	}
	rc := &rayv1.RayCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: rayv1.RayClusterSpec{
			RayVersion:               "2.52.0",
			GcsFaultToleranceOptions: &rayv1.GcsFaultToleranceOptions{RedisAddress: addr},
			HeadGroupSpec:            rayv1.HeadGroupSpec{RayStartParams: map[string]string{}, Template: tmpl("ray-head")},
			WorkerGroupSpecs: []rayv1.WorkerGroupSpec{{GroupName: "small", Replicas: ptr.To[int32](1),
				MinReplicas: ptr.To[int32](0), MaxReplicas: ptr.To[int32](2), RayStartParams: map[string]string{}, Template: tmpl("ray-worker")}},
		},
	}
	for _, m := range mut {
		m(rc)
	}
	return rc
}

func createNamespace(ctx context.Context, t *testing.T, c client.Client, name string) {
	t.Helper()
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond every 200 ms until it is true or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	var lastErr error
	for start := time.Now(); time.Since(start) < timeout; time.Sleep(200 * time.Millisecond) {
		ok, err := cond()
		if ok {
			return
		}
		lastErr = err
	}
	t.Fatalf("timed out after %s waiting for %s (last error: %v)", timeout, what, lastErr)
}

// waitHeadRunning waits until the cluster's head pod runs.
func waitHeadRunning(ctx context.Context, t *testing.T, c client.Client, rc *rayv1.RayCluster) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{}
	eventually(t, 90*time.Second, "head pod of "+rc.Name+" Running", func() (bool, error) {
		err := c.Get(ctx, types.NamespacedName{Namespace: rc.Namespace, Name: rc.Name + "-head-0"}, pod)
		return err == nil && pod.Status.Phase == corev1.PodRunning, err
	})
	return pod
}

// waitGone waits until the RayCluster object no longer exists and returns
// how long that took from now.
func waitGone(ctx context.Context, t *testing.T, c client.Client, rc *rayv1.RayCluster, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	eventually(t, timeout, "RayCluster "+rc.Name+" gone", func() (bool, error) {
		err := c.Get(ctx, client.ObjectKeyFromObject(rc), &rayv1.RayCluster{})
		return apierrors.IsNotFound(err), err
	})
	return time.Since(start)
}

// waitFinalizer waits until the operator has put the clean-up finalizer on rc.
func waitFinalizer(ctx context.Context, t *testing.T, c client.Client, rc *rayv1.RayCluster) {
	t.Helper()
	eventually(t, 30*time.Second, "clean-up finalizer on "+rc.Name, func() (bool, error) {
		err := c.Get(ctx, client.ObjectKeyFromObject(rc), rc)
		return err == nil && contains(rc.Finalizers, raycluster.RedisCleanupFinalizer), err
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// eventsFor lists the events about the named object with reason.
func eventsFor(ctx context.Context, t *testing.T, c client.Client, ns, name, reason string) []eventsv1.Event {
	t.Helper()
	var list eventsv1.EventList
	if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// waitEvent waits for an event about name with reason and returns its note.
func waitEvent(ctx context.Context, t *testing.T, c client.Client, ns, name, reason string) string {
	t.Helper()
	var note string
	eventually(t, 30*time.Second, reason+" event about "+name, func() (bool, error) {
		evs := eventsFor(ctx, t, c, ns, name, reason)
		if len(evs) == 0 {
			return false, nil
		}
		note = evs[0].Note
		return true, nil
	})
	return note
}

// gcsKeys are the keys Ray writes for one storage namespace: one hash per
// GCS table and the JobCounter string (Ray >= 2.38), plus the single hash
// named after the namespace that Ray < 2.38 wrote.
func gcsKeys(ns string) []string {
	keys := []string{ns}
	for _, table := range []string{"NODE", "JOB", "KV", "ACTOR", "ACTOR_TASK_SPEC", "PLACEMENT_GROUP", "WORKERS", "INTERNAL_CONFIG", "JobCounter"} {
		keys = append(keys, "RAY"+ns+"@"+table)
	}
	return keys
}

// seedGCS writes a storage namespace's keys in both layouts.
func seedGCS(ctx context.Context, t *testing.T, r *goredis.Client, ns string) {
	t.Helper()
	for _, k := range gcsKeys(ns) {
		var err error
		switch {
		case strings.HasSuffix(k, "@JobCounter"):
			err = r.IncrBy(ctx, k, 3).Err()
		case k == ns:
			err = r.HSet(ctx, k, ns+"@NODE:abc", "node-data", ns+"@KV:key", "kv-data").Err()
		default:
			err = r.HSet(ctx, k, "record-1", "data", "record-2", "data").Err()
		}
		if err != nil {
			t.Fatalf("seeding %s: %v", k, err)
		}
	}
}

// unrelatedKeys are keys no cluster cleanup may touch, including ones
// that share a prefix with a storage namespace.
func unrelatedKeys(ns string) []string {
	return []string{"app:session:1", "RAY" + ns + "x@NODE", ns + "-other", "RAY" + ns}
}

func seedUnrelated(ctx context.Context, t *testing.T, r *goredis.Client, ns string) {
	t.Helper()
	for _, k := range unrelatedKeys(ns) {
		if err := r.Set(ctx, k, "keep", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// existing returns which of keys exist.
func existing(ctx context.Context, t *testing.T, r *goredis.Client, keys []string) []string {
	t.Helper()
	var out []string
	for _, k := range keys {
		n, err := r.Exists(ctx, k).Result()
		if err != nil {
			t.Fatalf("EXISTS %s: %v", k, err)
		}
		if n == 1 {
			out = append(out, k)
		}
	}
	return out
}

func expectKeys(ctx context.Context, t *testing.T, r *goredis.Client, keys []string, present bool) {
	t.Helper()
	got := existing(ctx, t, r, keys)
	switch {
	case present && len(got) != len(keys):
		t.Errorf("keys missing: have %v of %v", got, keys)
	case !present && len(got) != 0:
		t.Errorf("keys left behind: %v", got)
	}
}

func describe(rc *rayv1.RayCluster) string { return fmt.Sprintf("%s/%s", rc.Namespace, rc.Name) }
