package ray_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/prockubelet"
	"github.com/ray-ha-operator/ray-ha-operator/test/ray"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
)

// Autoscaler test settings: at most three one-CPU workers, idle ones go
// after idleSeconds.
const (
	maxWorkers  = 3
	idleSeconds = 15
	// gcsPort is where `ray kuberay-autoscaler` looks for the GCS: it is
	// given no address, so it takes <node IP>:6379, Ray's default port.
	gcsPort = 6379
)

// TestRayAutoscaler runs Ray's own autoscaler, the sidecar the chart
// renders in the head pod (`ray kuberay-autoscaler` from the Ray wheel),
// against the simulated cluster's API server with the token of the
// ServiceAccount the chart renders, bound by its Role. Nothing is played by
// the test: the autoscaler patches the RayCluster, the operator applies it,
// the process kubelets run the new workers, which join Ray.
//
//  1. Scale-up: three one-CPU tasks on a cluster with no worker; the group
//     goes from 0 to exactly 3 and the tasks finish.
//  2. Scale-down: a detached actor keeps one worker busy; after
//     idleTimeoutSeconds exactly the two idle workers are named and removed.
//  3. Head lost mid scale-up: two pending detached actors (created by the
//     busy worker's actor: Ray cleans up a pending actor whose creator's
//     node dies) make the autoscaler patch the group to 3; the head's node
//     is killed right then. The operator brings a new head, the autoscaler comes back with
//     it, the group never drops to 0 nor goes past 3, the actors start, and
//     once they are gone the new autoscaler removes exactly their workers.
//
// Scale-up and scale-down latencies are logged (docs/benchmarks.md).
func TestRayAutoscaler(t *testing.T) {
	venv := ray.RequireVenv(t)
	requireAutoscalerHost(t)
	srv := redisserver.Start(t, redisserver.Options{Password: failoverRedisPassword})
	began := time.Now()
	env := simenv.Start(t, simenv.Options{Nodes: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	ports, err := ray.FreePorts()
	if err != nil {
		t.Fatal(err)
	}
	ports.GCS = gcsPort
	s := failoverSpec{name: "as", ns: env.Namespace(t, "autoscale"), redisAddr: srv.Addr(), secretName: "redis-auth",
		ports: ports, dir: ray.ShortTempDir(t, "as"), serviceAccountTokens: true}
	s.hostsFile = startClusterDNS(t, env, s)
	nodes := startNodes(t, env, venv, s, []nodeRole{{"pk-head-a", "head"}, {"pk-head-b", "head"}, {"pk-worker", "worker"}})
	createPasswordSecret(t, env, s)
	env.Create(t, autoscalingCluster(s))
	head := env.WaitReady(t, s.ns, s.name, 150*time.Second)
	watch := watchGroup(ctx, env.Client, s.ns, s.name)
	t.Logf("head %s Ready on %s, %.1f s after the test began", head.Name, head.Spec.NodeName, time.Since(began).Seconds())
	run := func(node string, args ...string) map[string]any {
		return autoscaleDriver(ctx, t, nodes[node], venv, s.ns, head.Name, args...)
	}

	// 1. Scale-up.
	watch.resetBounds()
	burst := run(head.Spec.NodeName, "burst", fmt.Sprint(maxWorkers), "20")
	lo, hi, pods := watch.bounds()
	if lo != 0 || hi != maxWorkers || watch.replicas() != maxWorkers || pods != maxWorkers || len(watch.all()) != maxWorkers {
		t.Fatalf("scale-up: replicas went %d..%d (now %d), %d worker pods at once, %d in all; want 0..%d, now %d, %d, %d",
			lo, hi, watch.replicas(), pods, len(watch.all()), maxWorkers, maxWorkers, maxWorkers, maxWorkers)
	}
	demanded := ray.UnixTime(burst["demanded"])
	patched := watch.changedTo(maxWorkers, demanded)
	joins := joinTimes(burst)
	if len(joins) != maxWorkers {
		t.Fatalf("%d Ray nodes joined during the burst, want %d", len(joins), maxWorkers)
	}
	checkTasksOnWorkers(t, burst, watch.live())
	up := ray.NewTimeline(demanded)
	up.Mark("autoscaler patched replicas 0 -> 3", patched, "RayCluster spec, as seen by a 100 ms poll")
	for i, at := range joins {
		up.Mark(fmt.Sprintf("worker %d joined Ray", i+1), at, "alive in ray.nodes(), 100 ms poll by the driver")
	}
	up.Mark("tasks done", ray.UnixTime(burst["done"]), "3 tasks of 20 s")
	t.Logf("scale-up (times from the demand):\n%s", up.Markdown())

	// 2. Scale-down of the idle workers only.
	keep := run(head.Spec.NodeName, "keep")
	keeper := podByIP(t, watch.live(), keep["node"])
	idleFrom := lastTaskEnd(burst)
	watch.resetBounds()
	harness.Eventually(t, failoverStepTimeout, "idle workers removed", func(context.Context) (bool, string, error) {
		l, n := watch.live(), watch.present()
		return watch.replicas() == 1 && len(l) == 1 && n == 1, fmt.Sprintf("replicas %d, %d live workers, %d present", watch.replicas(), len(l), n), nil
	})
	checkOnlyIdleRemoved(t, watch, keeper, idleFrom, maxWorkers-1)
	down := ray.NewTimeline(idleFrom)
	down.Mark("autoscaler patched replicas 3 -> 1", watch.changedTo(1, idleFrom), fmt.Sprintf("idleTimeoutSeconds %d", idleSeconds))
	down.Mark("idle worker pods gone", lastGone(watch.all(), keeper.uid), "deleted by the operator, exactly the named pods")
	t.Logf("scale-down (times from the last task's end):\n%s", down.Markdown())

	// 3. The head lost in the middle of a scale-up.
	watch.resetBounds()
	before := watch.all()
	pend := run(head.Spec.NodeName, "pend", "2")
	harness.Eventually(t, failoverStepTimeout, "scale-up to 3 for the pending actors", func(context.Context) (bool, string, error) {
		return watch.replicas() == maxWorkers, fmt.Sprintf("replicas %d", watch.replicas()), nil
	})
	joinedAtKill := len(watch.live()) - 1
	tl := loseHeadNode(ctx, t, env, nodes, s, head, nil)
	t.Logf("head killed %.1f s after the pending actors were submitted, with %d new worker pods not terminating",
		tl.Start.Sub(ray.UnixTime(pend["demanded"])).Seconds(), joinedAtKill)
	finish := run(otherHeadNode(head.Spec.NodeName), "finish", "2")
	tl.Mark("pending actors ran", ray.UnixTime(finish["done"]), "a new driver found both and called them")
	if finish["keeper"] != keep["node"] {
		t.Errorf("keeper actor on %v after the failover, want %v", finish["keeper"], keep["node"])
	}
	newPods := newWorkers(watch.all(), before)
	if len(newPods) != 2 {
		t.Fatalf("%d worker pods created for the two pending actors, want exactly 2: %+v", len(newPods), newPods)
	}
	checkActorsOnPods(t, finish["nodes"], newPods)
	released := time.Now()
	harness.Eventually(t, failoverStepTimeout, "the new autoscaler removes the released workers", func(context.Context) (bool, string, error) {
		l, n := watch.live(), watch.present()
		return watch.replicas() == 1 && len(l) == 1 && n == 1, fmt.Sprintf("replicas %d, %d live workers, %d present", watch.replicas(), len(l), n), nil
	})
	checkOnlyIdleRemoved(t, watch, keeper, released, 2)
	lo, hi, pods = watch.bounds()
	if lo < 1 || hi > maxWorkers || pods > maxWorkers {
		t.Errorf("through the head failover replicas went %d..%d and %d worker pods ran at once; want within 1..%d, at most %d",
			lo, hi, pods, maxWorkers, maxWorkers)
	}
	checkOperatorRecord(t, env, s)
	t.Logf("head lost mid scale-up (times from the kill):\n%s", tl.Markdown())
	t.Logf("test took %.1f s", time.Since(began).Seconds())
}

// requireAutoscalerHost skips (fails in CI) when the machine cannot host
// the autoscaler: the nodes' ServiceAccount projection needs root for
// unshare and mount, and the head's GCS needs port 6379 free.
func requireAutoscalerHost(t *testing.T) {
	t.Helper()
	why := ""
	if os.Geteuid() != 0 {
		why = "projecting the ServiceAccount token at its in-cluster path needs root (unshare, mount)"
	} else if l, err := net.Listen("tcp", fmt.Sprintf(":%d", gcsPort)); err != nil {
		why = fmt.Sprintf("port %d, where Ray's autoscaler looks for the GCS, is taken: %v", gcsPort, err)
	} else {
		_ = l.Close()
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// autoscalingCluster is the failover test's cluster with Ray's autoscaler
// on: GCS on Ray's default port, one worker group of 0..3 one-CPU workers,
// each with its own temp dir in its pod's TMPDIR (bash expands it) and
// random worker ports, so that several worker pods share the machine.
func autoscalingCluster(s failoverSpec) *rayv1.RayCluster {
	rc := s.rayCluster()
	rc.Spec.EnableInTreeAutoscaling = ptr.To(true)
	rc.Spec.AutoscalerOptions = &rayv1.AutoscalerOptions{IdleTimeoutSeconds: ptr.To[int32](idleSeconds)}
	g := &rc.Spec.WorkerGroupSpecs[0]
	g.Replicas, g.MinReplicas, g.MaxReplicas = ptr.To[int32](0), ptr.To[int32](0), ptr.To[int32](maxWorkers)
	p := g.RayStartParams
	p["temp-dir"] = "$TMPDIR/ray"
	p["min-worker-port"], p["max-worker-port"] = "0", "0"
	// 0: a port of the agent's choosing (the default, 52365, would clash).
	// The chart's probes need a fixed agent port, so the workers get probes
	// of their own: the raylet's socket is there.
	p["dashboard-agent-listen-port"] = "0"
	// Left to Ray, worker pods started together clash on the metrics port
	// (the agent dies, its raylet with it); bash's $RANDOM gives each its
	// own (the chart passes variable references to the shell, as KubeRay).
	p["metrics-export-port"] = "$RANDOM"
	delete(p, "resources")
	probe := &corev1.Probe{PeriodSeconds: 2, ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{
		Command: []string{"/bin/bash", "-c", `test -S "$TMPDIR"/ray/session_latest/sockets/raylet`}}}}
	ctr := &g.Template.Spec.Containers[0]
	ctr.ReadinessProbe, ctr.LivenessProbe = probe, probe.DeepCopy()
	// A port named metrics of the template's own keeps the chart from
	// declaring "$RANDOM" as the container's port; nothing scrapes it here.
	ctr.Ports = []corev1.ContainerPort{{Name: "metrics", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}
	return rc
}

// autoscaleDriver runs workload/autoscale.py in a pod, as `kubectl exec`
// would, and returns its one result.
func autoscaleDriver(ctx context.Context, t *testing.T, k *prockubelet.Kubelet, venv ray.Venv, ns, pod string, args ...string) map[string]any {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	argv := append([]string{venv.Python(), "-B", filepath.Join(wd, "workload", "autoscale.py"), "--node-ip", podIP(t, k, ns, pod)}, args...)
	out, err := k.Exec(ctx, ns, pod, argv...)
	if err != nil {
		t.Fatalf("autoscale.py %v: %v\n%s", args, err, out)
	}
	res := parseResults(out)
	if len(res) != 1 {
		t.Fatalf("autoscale.py %v: %d results in %q", args, len(res), out)
	}
	return res[0]
}

// joinTimes are the times new Ray nodes joined during a burst, in order.
func joinTimes(burst map[string]any) []time.Time {
	m, _ := burst["joins"].(map[string]any)
	var out []time.Time
	for _, v := range m {
		out = append(out, ray.UnixTime(v))
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

func lastTaskEnd(burst map[string]any) time.Time {
	var last time.Time
	for _, task := range burst["tasks"].([]any) {
		if end := ray.UnixTime(task.(map[string]any)["end"]); end.After(last) {
			last = end
		}
	}
	return last
}

// checkTasksOnWorkers: the tasks ran at once, one on each worker pod.
func checkTasksOnWorkers(t *testing.T, burst map[string]any, workers []workerRec) {
	t.Helper()
	tasks, _ := burst["tasks"].([]any)
	if len(tasks) != maxWorkers {
		t.Fatalf("%d tasks finished, want %d", len(tasks), maxWorkers)
	}
	on := map[string]bool{}
	for _, task := range tasks {
		on[podByIP(t, workers, task.(map[string]any)["node"]).name] = true
	}
	if len(on) != maxWorkers {
		t.Errorf("the %d tasks ran on %d worker pods, want one each", maxWorkers, len(on))
	}
}

func podByIP(t *testing.T, pods []workerRec, ip any) workerRec {
	t.Helper()
	for _, p := range pods {
		if p.ip == ip {
			return p
		}
	}
	t.Fatalf("no worker pod with IP %v among %+v", ip, pods)
	return workerRec{}
}

// checkOnlyIdleRemoved: the keeper's pod is the one left, the same pod;
// exactly n other pods were named in workersToDelete since from, and exactly
// those are gone.
func checkOnlyIdleRemoved(t *testing.T, watch *groupWatch, keeper workerRec, from time.Time, n int) {
	t.Helper()
	if l := watch.live(); len(l) != 1 || l[0].uid != keeper.uid {
		t.Fatalf("workers left %+v, want only the busy one %s", l, keeper.name)
	}
	named := watch.namedForDeletion(from)
	var gone []string
	for _, p := range watch.all() {
		// Pods never bound (the scale-down gate's) never ran Ray.
		if p.uid != keeper.uid && p.ip != "" && !p.gone.IsZero() && !p.gone.Before(from) {
			gone = append(gone, p.name)
		}
	}
	slices.Sort(gone)
	if len(named) != n || !slices.Equal(named, gone) {
		t.Errorf("workersToDelete named %v and %v went; want the same %d idle pods", named, gone, n)
	}
}

// lastGone is when the last pod other than keep disappeared.
func lastGone(pods []workerRec, keep types.UID) time.Time {
	var last time.Time
	for _, p := range pods {
		if p.uid != keep && p.gone.After(last) {
			last = p.gone
		}
	}
	return last
}

func newWorkers(all, before []workerRec) []workerRec {
	var out []workerRec
	for _, p := range all {
		if p.ip == "" {
			continue // never bound: not a worker of Ray
		}
		if !slices.ContainsFunc(before, func(b workerRec) bool { return b.uid == p.uid }) {
			out = append(out, p)
		}
	}
	return out
}

// checkActorsOnPods: the two job actors ran on the two new pods, one each.
func checkActorsOnPods(t *testing.T, nodes any, pods []workerRec) {
	t.Helper()
	ips, _ := nodes.([]any)
	var want, got []string
	for _, p := range pods {
		want = append(want, p.ip)
	}
	for _, ip := range ips {
		got = append(got, fmt.Sprint(ip))
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("job actors ran on %v, want on the new worker pods %v", got, want)
	}
}
