package ray_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/prockubelet"
	"github.com/ray-ha-operator/ray-ha-operator/test/ray"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

const failoverRedisPassword = "gcs-ft-failover-pw"

// TestOperatorFailoverOnLostNode is the whole chain with nothing played by
// the test: real Ray runs in the pods the operator's chart created, on
// process-kubelet nodes of a simulated cluster; the head's node is lost
// (its kubelet and every process on it killed at once); the node lifecycle
// controller marks it NotReady, the operator force-deletes the head, the
// StatefulSet makes a new one, the scheduler binds it to the other head
// node, whose kubelet runs real Ray; the worker reconnects by itself and a
// new driver finds the detached actor with its state.
func TestOperatorFailoverOnLostNode(t *testing.T) {
	venv := ray.RequireVenv(t)
	srv := redisserver.Start(t, redisserver.Options{Password: failoverRedisPassword})
	began := time.Now()
	env := simenv.Start(t, simenv.Options{Nodes: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ports, err := ray.FreePorts()
	if err != nil {
		t.Fatal(err)
	}
	s := failoverSpec{name: "pk", ns: env.Namespace(t, "failover"), redisAddr: srv.Addr(), secretName: "redis-auth", ports: ports, dir: ray.ShortTempDir(t, "pk")}
	s.hostsFile = startClusterDNS(t, env, s)
	nodes := startNodes(t, env, venv, s, []nodeRole{{"pk-head-a", "head"}, {"pk-head-b", "head"}, {"pk-worker", "worker"}})
	createPasswordSecret(t, env, s)
	env.Create(t, s.rayCluster())
	checkHeadFQDN(t, env, s)

	head := env.WaitReady(t, s.ns, s.name, 150*time.Second)
	worker := workerPod(t, env, s)
	t.Logf("head %s Ready on %s, worker %s Ready on %s, %.1f s after the test began",
		head.Name, head.Spec.NodeName, worker.Name, worker.Spec.NodeName, time.Since(began).Seconds())
	created := driver(ctx, t, nodes[head.Spec.NodeName], venv, s.ns, head.Name, "create")
	if got := fmt.Sprint(created["values"]); got != "[1 2 3]" {
		t.Fatalf("detached actor counted %s, want [1 2 3]", got)
	}

	tl := loseHeadNode(ctx, t, env, nodes, s, head, nil)
	resumed := driver(ctx, t, nodes[otherHeadNode(head.Spec.NodeName)], venv, s.ns, head.Name, "resume")
	tl.Mark("new driver connected", ray.UnixTime(resumed["connected"]), "`ray.init` in the new head pod (exec)")
	tl.Mark("actor call returned", ray.UnixTime(resumed["actor_call_returned"]), fmt.Sprintf("counter = %v", resumed["value"]))
	tl.Mark("new task ran on the worker", ray.UnixTime(resumed["task_returned"]), "")
	if v, _ := resumed["value"].(float64); v != 4 {
		t.Errorf("actor counter after the failover = %v, want 4 (state lost)", resumed["value"])
	}
	if resumed["actor_node"] != created["actor_node"] || resumed["task_node"] != created["actor_node"] {
		t.Errorf("actor on %v and task on %v after the failover, want both on the worker node %v",
			resumed["actor_node"], resumed["task_node"], created["actor_node"])
	}
	markWorkerReconnect(t, tl, s)
	checkWorkerKept(t, env, s, worker)
	checkSameWorkerNode(t, created, resumed, worker.Status.PodIP)
	checkOperatorRecord(t, env, s)
	t.Logf("lost head node -> actor answers (times from the kill):\n%s", tl.Markdown())
	t.Logf("test took %.1f s", time.Since(began).Seconds())
}

// otherHeadNode is the head node that survives.
func otherHeadNode(lost string) string {
	if lost == "pk-head-a" {
		return "pk-head-b"
	}
	return "pk-head-a"
}

// loseHeadNode kills the head's node and follows Kubernetes and the
// operator until a new head runs Ready on the other head node. beforeBind,
// when not nil, runs once the old head pod is gone and before the new one
// is bound (to bring up the other head node late, say).
func loseHeadNode(ctx context.Context, t *testing.T, env *simenv.Env, nodes map[string]*prockubelet.Kubelet, s failoverSpec, old *corev1.Pod,
	beforeBind func(*ray.Timeline)) *ray.Timeline {
	t.Helper()
	killed := time.Now()
	if err := nodes[old.Spec.NodeName].Kill(); err != nil {
		t.Fatal(err)
	}
	tl := ray.NewTimeline(killed)
	tl.Mark("node's processes gone", time.Now(), "SIGKILL of every process of the node; heartbeats and status writes stopped")
	cl := env.Client
	tl.Mark("node NotReady", heldAt(t, "node "+old.Spec.NodeName+" NotReady", func(ctx context.Context) (bool, string, error) {
		var n corev1.Node
		if err := cl.Get(ctx, client.ObjectKey{Name: old.Spec.NodeName}, &n); err != nil {
			return false, err.Error(), nil
		}
		return !simcluster.NodeReady(&n), "still Ready", nil
	}), "node lifecycle controller: lease older than the node-monitor grace")
	tl.Mark("old head pod removed", heldAt(t, "old head pod removed", func(ctx context.Context) (bool, string, error) {
		p, err := getPod(ctx, cl, s.ns, old.Name)
		return err == nil && (p == nil || p.UID != old.UID), fmt.Sprintf("pod %v, err %v", p != nil, err), nil
	}), "")
	if at, ok := eventTime(ctx, t, cl, s, raycluster.EventHeadForceDeleted); ok {
		tl.Mark("operator force-deleted the head", at, "event HeadForceDeleted (node-lost grace 3 s)")
	}
	newHead := func(ok func(*corev1.Pod) bool) harness.Condition {
		return func(ctx context.Context) (bool, string, error) {
			p, err := getPod(ctx, cl, s.ns, old.Name)
			if err != nil || p == nil || p.UID == old.UID {
				return false, fmt.Sprintf("no new head pod (err %v)", err), nil
			}
			return ok(p), fmt.Sprintf("phase %s on %q", p.Status.Phase, p.Spec.NodeName), nil
		}
	}
	if beforeBind != nil {
		beforeBind(tl)
	}
	want := otherHeadNode(old.Spec.NodeName)
	tl.Mark("new head pod bound", heldAt(t, "new head bound", newHead(func(p *corev1.Pod) bool {
		if p.Spec.NodeName != "" && p.Spec.NodeName != want {
			t.Fatalf("new head bound to %s, want the other head node %s", p.Spec.NodeName, want)
		}
		return p.Spec.NodeName != ""
	})), "scheduler: the lost node is tainted unreachable")
	tl.Mark("new head Running", heldAt(t, "new head Running", newHead(func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning
	})), "its kubelet started `ray start --head`")
	running, err := getPod(ctx, cl, s.ns, old.Name)
	if err != nil || running == nil {
		t.Fatalf("reading the new head pod: %v", err)
	}
	if running.Status.PodIP == "" || running.Status.PodIP == old.Status.PodIP {
		t.Fatalf("new head pod IP %q, want a new address (the old head's was %s)", running.Status.PodIP, old.Status.PodIP)
	}
	gcs := net.JoinHostPort(running.Status.PodIP, strconv.Itoa(s.ports.GCS))
	tl.Mark("new GCS accepts connections", heldAt(t, "new GCS at "+gcs, func(context.Context) (bool, string, error) {
		c, err := net.DialTimeout("tcp", gcs, 200*time.Millisecond)
		if err != nil {
			return false, err.Error(), nil
		}
		_ = c.Close()
		return true, "", nil
	}), fmt.Sprintf("new pod IP %s (the old head's was %s); the head Service's name resolves to it", running.Status.PodIP, old.Status.PodIP))
	tl.Mark("new head Ready", heldAt(t, "new head Ready", newHead(harness.PodReady)),
		"rendered readiness probe (initialDelaySeconds 10, periodSeconds 5)")
	return tl
}

// markWorkerReconnect adds when the worker's raylet heard of the new GCS.
func markWorkerReconnect(t *testing.T, tl *ray.Timeline, s failoverSpec) {
	t.Helper()
	const line = "The GCS has restarted"
	raylet := filepath.Join(s.workerTempDir(), "session_latest", "logs", "raylet.out")
	if at, ok := ray.LogLineTime(raylet, line); ok && at.After(tl.Start) {
		tl.Mark("worker raylet notified of the new GCS", at, "raylet.out: \""+line+"\"")
		return
	}
	t.Logf("no %q after the node loss in %s", line, raylet)
}

// failoverStepTimeout bounds each step the failover tests wait for.
const failoverStepTimeout = 2 * time.Minute

// heldAt waits for cond (harness.Eventually, at most failoverStepTimeout)
// and returns when it first held: the moment a timeline marks.
func heldAt(t *testing.T, what string, cond harness.Condition) time.Time {
	t.Helper()
	began := time.Now()
	return began.Add(harness.Eventually(t, failoverStepTimeout, what, cond))
}

func createPasswordSecret(t *testing.T, env *simenv.Env, s failoverSpec) {
	t.Helper()
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: s.secretName, Namespace: s.ns},
		StringData: map[string]string{"password": failoverRedisPassword}}
	if err := env.Client.Create(context.Background(), sec); err != nil {
		t.Fatalf("creating the Redis password Secret: %v", err)
	}
}

// checkHeadFQDN makes sure, as soon as the worker pod exists, that the name
// the test expects is the one the chart gave the worker: otherwise the
// worker would wait for its GCS until the test times out.
func checkHeadFQDN(t *testing.T, env *simenv.Env, s failoverSpec) {
	t.Helper()
	var fqdn string
	harness.Eventually(t, failoverStepTimeout, "worker pod created", func(ctx context.Context) (bool, string, error) {
		var pods corev1.PodList
		err := env.Client.List(ctx, &pods, client.InNamespace(s.ns),
			client.MatchingLabels{raycluster.LabelCluster: s.name, raycluster.LabelNodeType: raycluster.NodeTypeWork})
		if err != nil || len(pods.Items) == 0 {
			return false, fmt.Sprintf("no worker pod (err %v)", err), nil
		}
		for _, e := range pods.Items[0].Spec.Containers[0].Env {
			if e.Name == "FQ_RAY_IP" {
				fqdn = e.Value
			}
		}
		return true, "", nil
	})
	if fqdn != s.headFQDN() {
		t.Fatalf("the chart names the head %q, the test expects %q", fqdn, s.headFQDN())
	}
}

func workerPod(t *testing.T, env *simenv.Env, s failoverSpec) *corev1.Pod {
	t.Helper()
	var pods corev1.PodList
	if err := env.Client.List(context.Background(), &pods, client.InNamespace(s.ns),
		client.MatchingLabels{raycluster.LabelCluster: s.name, raycluster.LabelNodeType: raycluster.NodeTypeWork}); err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 1 {
		t.Fatalf("%d worker pods, want 1", len(pods.Items))
	}
	return &pods.Items[0]
}

// checkWorkerKept: the worker rode through the failover in the same pod,
// its ray start never exited.
func checkWorkerKept(t *testing.T, env *simenv.Env, s failoverSpec, before *corev1.Pod) {
	t.Helper()
	w := workerPod(t, env, s)
	if w.UID != before.UID || w.Status.ContainerStatuses[0].RestartCount != 0 || !harness.PodReady(w) {
		t.Errorf("worker pod %s (uid %s, restarts %d, ready %v), want the same pod %s, never restarted, Ready",
			w.Name, w.UID, w.Status.ContainerStatuses[0].RestartCount, harness.PodReady(w), before.UID)
	}
}

// checkSameWorkerNode: the worker's Ray node (raylet node ID and address)
// that held the actor before the failover is alive in the new GCS's view,
// so the raylet reconnected to the new head rather than being replaced.
func checkSameWorkerNode(t *testing.T, created, resumed map[string]any, workerIP string) {
	t.Helper()
	want := workerIP + "/" + fmt.Sprint(created["actor_node"])
	nodes, _ := resumed["nodes"].([]any)
	if !slices.Contains(nodes, any(want)) {
		t.Errorf("worker Ray node %s not alive after the failover; alive: %v", want, nodes)
	}
}

// checkOperatorRecord: the operator counted exactly one recovery, is done
// with it, and force-deleted the head exactly once.
func checkOperatorRecord(t *testing.T, env *simenv.Env, s failoverSpec) {
	t.Helper()
	rc := env.WaitRecoveryCount(t, s.ns, s.name, 1, 30*time.Second)
	if rc.Status.Recovery.Count != 1 {
		t.Errorf("status.recovery.count = %d, want 1", rc.Status.Recovery.Count)
	}
	if c := meta.FindStatusCondition(rc.Status.Conditions, string(rayv1.HeadRecovering)); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("HeadRecovering = %+v, want False", c)
	}
	if d := rc.Status.Recovery.LastRecoveryDuration; d != nil {
		t.Logf("status.recovery: reason %s, duration %.2f s (from the node's NotReady transition)", rc.Status.Recovery.LastFailureReason, d.Seconds())
	}
	reasons := env.EventReasons(t, s.ns, s.name)
	if n := count(reasons, raycluster.EventHeadForceDeleted); n != 1 {
		t.Errorf("%d HeadForceDeleted events, want exactly 1 (events %v)", n, reasons)
	}
}

// eventTime is when the operator recorded an event about the RayCluster.
func eventTime(ctx context.Context, t *testing.T, cl client.Client, s failoverSpec, reason string) (time.Time, bool) {
	t.Helper()
	var list eventsv1.EventList
	if err := cl.List(ctx, &list, client.InNamespace(s.ns)); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(list.Items, func(e eventsv1.Event) bool {
		return e.Reason == reason && e.Regarding.Kind == "RayCluster" && e.Regarding.Name == s.name
	})
	if i < 0 {
		return time.Time{}, false
	}
	return list.Items[i].EventTime.Time, true
}

func getPod(ctx context.Context, cl client.Client, ns, name string) (*corev1.Pod, error) {
	var p corev1.Pod
	err := cl.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &p)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func count(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}
