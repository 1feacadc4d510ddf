package ray

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
)

const redisPassword = "gcs-ft-test-pw"

// TestHeadReplacementKeepsDetachedActor is the promise of GCS fault
// tolerance, with Ray itself, from the pods the chart renders: a detached
// actor lives on a worker; the head is SIGKILLed (every process of it, as a
// lost pod); a new head starts from the same rendered spec; the worker
// reconnects by itself, the actor keeps its state, and a new driver
// connects. Then the probes against the new head, and the Redis clean-up
// against the keys this GCS wrote.
func TestHeadReplacementKeepsDetachedActor(t *testing.T) {
	venv := RequireVenv(t)
	srv := redisserver.Start(t, redisserver.Options{Password: redisPassword})
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	c, spec := startCluster(t, venv, srv.Addr(), "ft", "ft-a", true)
	head, headSpec := c.mustStartHead(ctx, t, nil)
	worker, workerSpec := c.mustStartWorker(ctx, t)

	created := c.mustDriver(ctx, t, headSpec, "create")
	if got := fmt.Sprint(created["values"]); got != "[1 2 3]" {
		t.Fatalf("detached actor counted %s, want [1 2 3]", got)
	}
	actorNode, _ := created["actor_node"].(string)
	if !nodeHasIP(created["nodes"], actorNode, WorkerIP) {
		t.Fatalf("actor runs on node %s, not on the worker (%s); nodes %v", actorNode, WorkerIP, created["nodes"])
	}

	tl := replaceHead(ctx, t, c, head, headSpec, actorNode)
	if !worker.Running() {
		t.Fatalf("the worker's ray start exited during the head replacement (log %s)", worker.LogPath)
	}
	logRecovery(t, tl)

	gcsDied := probeHead(ctx, t, c, spec, workerSpec)
	restartInPlace(ctx, t, c, headSpec, actorNode, gcsDied)
	cleanUpRealKeys(ctx, t, venv, srv, c)
}

// restartInPlace is what follows a dead gcs_server on Kubernetes: the
// head's ray start has exited, the container ends, and the kubelet starts
// it again in the same pod (immediately on a first restart). The actor must
// count on from 4 to 5. Times are from the restart: the test watched the
// probes for a while before it (see gcsKilled), a kubelet would not.
func restartInPlace(ctx context.Context, t *testing.T, c *Cluster, headSpec podSpec, actorNode string, gcsDied time.Time) {
	t.Helper()
	tl := NewTimeline(time.Now())
	recoverHead(ctx, t, c, headSpec, actorNode, 5, tl)
	t.Logf("head container restarted in place %.1f s after its gcs_server was SIGKILLed (times from the restart):\n%s",
		tl.Start.Sub(gcsDied).Seconds(), tl.Markdown())
}

// startCluster renders a cluster with its own ports and temp dirs.
func startCluster(t *testing.T, venv Venv, redisAddr, name, storageNS string, worker bool) (*Cluster, Spec) {
	t.Helper()
	dir := ShortTempDir(t, "rt")
	ports, err := FreePorts()
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{Name: name, Namespace: "ray", StorageNamespace: storageNS, RedisAddress: redisAddr,
		RedisPassword: redisPassword, Dir: dir, Worker: worker, Ports: ports}
	rc, err := spec.Render()
	if err != nil {
		t.Fatal(err)
	}
	c := NewCluster(t, venv, rc, spec.Objects(), dir, ports.GCS)
	c.HeadTempDir, c.WorkerTempDir = spec.HeadTempDir(), spec.WorkerTempDir()
	return c, spec
}

// mustStartHead starts the head and waits for its rendered readiness probe;
// tl, when not nil, gets the steps.
func (c *Cluster) mustStartHead(ctx context.Context, t *testing.T, tl *Timeline) (*PodProcess, podSpec) {
	t.Helper()
	s, err := c.HeadSpec()
	if err != nil {
		t.Fatal(err)
	}
	head, err := c.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	if tl != nil {
		tl.Mark("new head process started", head.Started, "`ray start --head --block` from the rendered command")
	}
	gcsUp, err := WaitTCP(ctx, net.JoinHostPort(HeadIP, strconv.Itoa(c.GCSPort)), head)
	if err != nil {
		t.Fatalf("head GCS: %v (log %s)", err, head.LogPath)
	}
	ready, err := c.WaitProbe(ctx, s, s.c.ReadinessProbe, head, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if tl != nil {
		tl.Mark("GCS port accepts connections", gcsUp, "")
		tl.Mark("head readiness probe passes", ready, "rendered httpGet /api/healthz (raylet + GCS)")
	}
	t.Logf("head %s ready %.1f s after start", s.name, ready.Sub(head.Started).Seconds())
	return head, s
}

// mustStartWorker runs the worker's wait-gcs-ready init container to
// completion, then the worker, and waits for its readiness probe.
func (c *Cluster) mustStartWorker(ctx context.Context, t *testing.T) (*PodProcess, podSpec) {
	t.Helper()
	initSpec, err := c.InitSpec("small", "wait-gcs-ready")
	if err != nil {
		t.Fatal(err)
	}
	init, err := c.Start(initSpec)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-init.Done():
	case <-ctx.Done():
		t.Fatalf("wait-gcs-ready did not finish (log %s)", init.LogPath)
	}
	if _, err := init.Exited(); err != nil {
		t.Fatalf("wait-gcs-ready failed: %v (log %s)", err, init.LogPath)
	}
	s, err := c.WorkerSpec("small")
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	ready, err := c.WaitProbe(ctx, s, s.c.ReadinessProbe, w, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	initDone, _ := init.Exited()
	t.Logf("wait-gcs-ready passed in %.1f s; worker ready %.1f s after start",
		initDone.Sub(init.Started).Seconds(), ready.Sub(w.Started).Seconds())
	return w, s
}

// mustDriver runs one driver command and returns its single result.
func (c *Cluster) mustDriver(ctx context.Context, t *testing.T, in podSpec, cmd string) map[string]any {
	t.Helper()
	res, err := c.Driver(ctx, in, cmd)
	if err != nil || len(res) != 1 {
		t.Fatalf("driver %s: %v, results %v", cmd, err, res)
	}
	return res[0]
}

// replaceHead kills every head process, starts a new head from the same
// rendered pod and times the recovery up to a new driver's actor call.
func replaceHead(ctx context.Context, t *testing.T, c *Cluster, head *PodProcess, headSpec podSpec, actorNode string) *Timeline {
	t.Helper()
	killed := time.Now()
	if err := head.Kill(); err != nil {
		t.Fatal(err)
	}
	tl := NewTimeline(killed)
	tl.Mark("old head gone", time.Now(), "SIGKILL to the process group and every process of the pod")
	recoverHead(ctx, t, c, headSpec, actorNode, 4, tl)
	return tl
}

// recoverHead starts a head on a fresh filesystem, then checks with a new
// driver that the detached actor counts on to want, on its old node, and
// that the worker runs a new task.
func recoverHead(ctx context.Context, t *testing.T, c *Cluster, headSpec podSpec, actorNode string, want float64, tl *Timeline) {
	t.Helper()
	if err := c.NewHeadFilesystem(); err != nil {
		t.Fatal(err)
	}
	c.mustStartHead(ctx, t, tl)
	res := c.mustDriver(ctx, t, headSpec, "resume")
	tl.Mark("new driver connected", UnixTime(res["connected"]), "`ray.init` from the head pod's env")
	tl.Mark("detached actor found by name", UnixTime(res["got_actor"]), "")
	tl.Mark("actor call returned", UnixTime(res["actor_call_returned"]), fmt.Sprintf("counter = %v (was %v)", res["value"], want-1))
	tl.Mark("new task ran on the worker", UnixTime(res["task_returned"]), "the worker's raylet is back in the new GCS's view")
	raylet := filepath.Join(c.WorkerTempDir, "session_latest", "logs", "raylet.out")
	if at, ok := LogLineTime(raylet, gcsRestartedLog); ok && at.After(tl.Start) {
		tl.Mark("worker raylet notified of the new GCS", at, "raylet.out: \""+gcsRestartedLog+"\"")
	} else {
		t.Logf("no %q after the failure in %s", gcsRestartedLog, raylet)
	}
	if v, _ := res["value"].(float64); v != want {
		t.Errorf("actor counter after the head came back = %v, want %v (state lost)", res["value"], want)
	}
	if res["actor_node"] != actorNode || res["task_node"] != actorNode {
		t.Errorf("after the head came back actor on %v and task on %v, want both on the same worker node %s",
			res["actor_node"], res["task_node"], actorNode)
	}
}

// nodeHasIP reports whether nodes ("ip/nodeID" strings) hold id at ip.
func nodeHasIP(nodes any, id, ip string) bool {
	list, _ := nodes.([]any)
	return slices.ContainsFunc(list, func(n any) bool { return n == ip+"/"+id })
}

// logRecovery prints the recovery timeline, the Ray layer's numbers in
// docs/benchmarks.md.
func logRecovery(t *testing.T, tl *Timeline) {
	t.Helper()
	var b strings.Builder
	b.WriteString("head replacement (SIGKILL of every head process, then a new head from the same rendered pod):\n")
	b.WriteString(tl.Markdown())
	if d := tl.Since("actor call returned"); d > 0 {
		fmt.Fprintf(&b, "\nhead killed -> actor call returned: %.2f s\n", d.Seconds())
	}
	t.Log(b.String())
}
