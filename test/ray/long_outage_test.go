package ray_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/prockubelet"
	"github.com/ray-ha-operator/ray-ha-operator/test/ray"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
)

// rayDefaultReconnectTimeout is Ray's default gcs_rpc_server_reconnect_timeout_s:
// a raylet whose GCS stays unreachable longer exits.
const rayDefaultReconnectTimeout = 60 * time.Second

// replacementNodeDelay is when, after the head's node is lost, a node the
// new head can run on joins (a cluster autoscaler adding one, say): the
// head stays Pending until then, so the GCS is down longer than Ray's
// default reconnect timeout, as in a real node loss.
const replacementNodeDelay = 75 * time.Second

// TestWorkersRideOutLongHeadOutage loses the head's node when no other node
// can take the head; one joins replacementNodeDelay later. The new head gets
// a new pod IP, and the worker finds it through the head Service's name.
// With the chart's RAY_gcs_rpc_server_reconnect_timeout_s (600 s) the
// worker's raylet waits and reconnects: same pod, never restarted, same Ray
// node, the detached actor counts on. With Ray's default (60 s, set in the
// worker template, which the chart lets win) the raylet gives up first: its
// Ray node is gone and the container restarted.
func TestWorkersRideOutLongHeadOutage(t *testing.T) {
	cases := map[string]struct {
		// reconnectTimeout, when set, overrides the chart's value in the
		// worker template's env.
		reconnectTimeout string
		workerKept       bool
	}{
		"chart_600s":      {workerKept: true},
		"ray_default_60s": {reconnectTimeout: "60", workerKept: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			venv := ray.RequireVenv(t)
			srv := redisserver.Start(t, redisserver.Options{Password: failoverRedisPassword})
			env := simenv.Start(t, simenv.Options{Nodes: 1})
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
			defer cancel()
			ports, err := ray.FreePorts()
			if err != nil {
				t.Fatal(err)
			}
			s := failoverSpec{name: "pk", ns: env.Namespace(t, "outage"), redisAddr: srv.Addr(), secretName: "redis-auth",
				ports: ports, dir: ray.ShortTempDir(t, "lo")}
			s.hostsFile = startClusterDNS(t, env, s)
			nodes := startNodes(t, env, venv, s, []nodeRole{{"pk-head-a", "head"}, {"pk-worker", "worker"}})
			createPasswordSecret(t, env, s)
			rc := s.rayCluster()
			if tc.reconnectTimeout != "" {
				w := &rc.Spec.WorkerGroupSpecs[0].Template.Spec.Containers[0]
				w.Env = append(w.Env, corev1.EnvVar{Name: "RAY_gcs_rpc_server_reconnect_timeout_s", Value: tc.reconnectTimeout})
			}
			env.Create(t, rc)
			checkHeadFQDN(t, env, s)
			head := env.WaitReady(t, s.ns, s.name, 150*time.Second)
			worker := workerPod(t, env, s)
			created := driver(ctx, t, nodes[head.Spec.NodeName], venv, s.ns, head.Name, "create")
			workerSession, err := filepath.EvalSymlinks(filepath.Join(s.workerTempDir(), "session_latest"))
			if err != nil {
				t.Fatal(err)
			}

			tl := loseHeadNode(ctx, t, env, nodes, s, head, func(tl *ray.Timeline) {
				time.Sleep(time.Until(tl.Start.Add(replacementNodeDelay)))
				joined := startNodes(t, env, venv, s, []nodeRole{{"pk-head-b", "head"}})
				nodes["pk-head-b"] = joined["pk-head-b"]
				tl.Mark("replacement head node joined", time.Now(), fmt.Sprintf("node pk-head-b started %s after the kill", replacementNodeDelay))
			})
			if out := tl.Since("new GCS accepts connections"); out <= rayDefaultReconnectTimeout {
				t.Fatalf("the GCS was down %.1f s, not longer than Ray's default reconnect timeout", out.Seconds())
			}
			raylet := filepath.Join(workerSession, "logs", "raylet.out")
			if at, ok := ray.LogLineTime(raylet, "Failed to connect to GCS within"); ok {
				tl.Mark("worker raylet gave up on the GCS", at, "raylet.out: \"Failed to connect to GCS within …\"; the raylet exits")
			}
			if tc.workerKept {
				rideOut(ctx, t, env, nodes, venv, s, tl, created, worker)
			} else {
				workerLost(t, env, nodes, venv, s, tl, created, worker)
			}
			checkOperatorRecord(t, env, s)
			t.Logf("head node lost, replacement node after %s (times from the kill):\n%s", replacementNodeDelay, tl.Markdown())
		})
	}
}

// rideOut: the worker's raylet waited out the outage and reconnected to the
// new head at its new address; the actor counts on.
func rideOut(ctx context.Context, t *testing.T, env *simenv.Env, nodes map[string]*prockubelet.Kubelet, venv ray.Venv,
	s failoverSpec, tl *ray.Timeline, created map[string]any, worker *corev1.Pod) {
	t.Helper()
	markWorkerReconnect(t, tl, s)
	resumed := driver(ctx, t, nodes["pk-head-b"], venv, s.ns, s.headPod(), "resume")
	tl.Mark("actor call returned", ray.UnixTime(resumed["actor_call_returned"]), fmt.Sprintf("counter = %v", resumed["value"]))
	if v, _ := resumed["value"].(float64); v != 4 {
		t.Errorf("actor counter after the outage = %v, want 4 (state lost)", resumed["value"])
	}
	if resumed["actor_node"] != created["actor_node"] {
		t.Errorf("actor on %v after the outage, want the worker node %v", resumed["actor_node"], created["actor_node"])
	}
	checkWorkerKept(t, env, s, worker)
	checkSameWorkerNode(t, created, resumed, worker.Status.PodIP)
}

// workerLost: the worker's raylet gave up during the outage and its
// container was restarted. The new GCS first lists the old Ray node as
// alive (it reloads the node table from Redis) and marks it dead once its
// health checks fail; the restarted worker joins as a new Ray node at the
// same address. The restart count is not exact: the restarted `ray start`
// may itself give up and restart again while the head is still down.
func workerLost(t *testing.T, env *simenv.Env, nodes map[string]*prockubelet.Kubelet, venv ray.Venv,
	s failoverSpec, tl *ray.Timeline, created map[string]any, before *corev1.Pod) {
	t.Helper()
	old := before.Status.PodIP + "/" + fmt.Sprint(created["actor_node"])
	var alive []any
	tl.Mark("old worker Ray node dead, a new one alive", heldAt(t, "old worker node dead in the new GCS", func(ctx context.Context) (bool, string, error) {
		res := driver(ctx, t, nodes["pk-head-b"], venv, s.ns, s.headPod(), "nodes")
		alive, _ = res["nodes"].([]any)
		rejoined := slices.ContainsFunc(alive, func(n any) bool {
			id, _ := n.(string)
			return strings.HasPrefix(id, before.Status.PodIP+"/") && id != old
		})
		return !slices.Contains(alive, any(old)) && rejoined, fmt.Sprintf("alive: %v", alive), nil
	}), "GCS health checks of the old raylet failed; the restarted worker registered anew")
	w := workerPod(t, env, s)
	if w.UID != before.UID || w.Status.ContainerStatuses[0].RestartCount < 1 {
		t.Errorf("worker pod %s (uid %s, restarts %d), want the same pod %s with its container restarted",
			w.Name, w.UID, w.Status.ContainerStatuses[0].RestartCount, before.UID)
	}
	t.Logf("worker container restarts: %d; Ray nodes alive: %v (the old one was %s)", w.Status.ContainerStatuses[0].RestartCount, alive, old)
}
