/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
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

// startRedisEnv runs the operator as main wires it (simenv.Start) with
// Redis clean-up enabled and short test timings until the test ends; the
// clean-up hook is wrapped to count polls.
func startRedisEnv(t *testing.T) (*simenv.Env, *redisOperator) {
	t.Helper()
	op := &redisOperator{}
	env := simenv.Start(t, simenv.Options{Operator: func(o *operator.Options) {
		o.Version = "e2e-redis"
		// A long probe interval, so that a Secret that appears is picked
		// up by the Secret watch, not by the backoff.
		o.Reachability = raycluster.ReachabilityOptions{Interval: time.Minute, Timeout: time.Second}
		o.Cleanup = raycluster.CleanupOptions{Enabled: true, PollInterval: 500 * time.Millisecond, ProbeTimeout: time.Second}
		tune := o.Tune
		o.Tune = func(h *helm.Options) {
			tune(h)
			for i, hook := range h.UninstallHooks {
				h.UninstallHooks[i] = countingUninstall{UninstallHook: hook, op: op}
			}
		}
	}})
	return env, op
}

// newRayCluster is a small fault-tolerant cluster (one worker) for addr.
func newRayCluster(ns, name, addr string, edits ...func(*rayv1.RayCluster)) *rayv1.RayCluster {
	return harness.NewRayCluster(ns, name, harness.ClusterOptions{RedisAddress: addr, Workers: 1}, edits...)
}

func createNamespace(ctx context.Context, t *testing.T, c client.Client, name string) {
	t.Helper()
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatal(err)
	}
}

// waitHeadRunning waits until the cluster's head pod runs.
func waitHeadRunning(ctx context.Context, t *testing.T, c client.Client, rc *rayv1.RayCluster) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{}
	harness.Eventually(t, 90*time.Second, "head pod of "+rc.Name+" Running", func(context.Context) (bool, string, error) {
		err := c.Get(ctx, types.NamespacedName{Namespace: rc.Namespace, Name: rc.Name + "-head-0"}, pod)
		return err == nil && pod.Status.Phase == corev1.PodRunning, fmt.Sprint(err), nil
	})
	return pod
}

// waitGone waits until the RayCluster object no longer exists and returns
// how long that took from now.
func waitGone(ctx context.Context, t *testing.T, c client.Client, rc *rayv1.RayCluster, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	harness.Eventually(t, timeout, "RayCluster "+rc.Name+" gone", func(context.Context) (bool, string, error) {
		err := c.Get(ctx, client.ObjectKeyFromObject(rc), &rayv1.RayCluster{})
		return apierrors.IsNotFound(err), fmt.Sprint(err), nil
	})
	return time.Since(start)
}

// waitFinalizer waits until the operator has put the clean-up finalizer on rc.
func waitFinalizer(ctx context.Context, t *testing.T, c client.Client, rc *rayv1.RayCluster) {
	t.Helper()
	harness.Eventually(t, 30*time.Second, "clean-up finalizer on "+rc.Name, func(context.Context) (bool, string, error) {
		err := c.Get(ctx, client.ObjectKeyFromObject(rc), rc)
		return err == nil && contains(rc.Finalizers, raycluster.RedisCleanupFinalizer), fmt.Sprint(err), nil
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
	harness.Eventually(t, 30*time.Second, reason+" event about "+name, func(context.Context) (bool, string, error) {
		evs := eventsFor(ctx, t, c, ns, name, reason)
		if len(evs) == 0 {
			return false, "", nil
		}
		note = evs[0].Note
		return true, "", nil
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
