package reliability

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// apiserverDown is how long kube-apiserver stays away on a restart, on top
// of the seconds the new process needs to become ready.
const apiserverDown = 2 * time.Second

// The simulated cluster's timings are kept short so that a lost node is seen
// fast; two of them are lengthened here, because an API server restart, as
// kube-controller-manager sees it (the server away, then its informers
// reconnecting with backoff), lasts several seconds:
//
//   - apiserverNodeGrace, the node-monitor grace period (default 5 s): a
//     shorter one marks every node NotReady during the restart, and then
//     every pod not Ready, which kwok, unlike a kubelet, never reports Ready
//     again. Real clusters use 40-50 s.
//   - apiserverEvictionDelay, the NotReady/unreachable tolerations (default
//     2 s): kube-controller-manager's taint eviction tries a pod's eviction
//     five times within about 50 ms when its toleration runs out, and drops
//     it if the API server is away just then (the pod then stays bound to the
//     lost node until it or the node changes again). Here the restart comes
//     when the node goes NotReady, so the evictions must fall after it. Real
//     clusters default to 300 s.
const (
	apiserverNodeGrace     = 30 * time.Second
	apiserverEvictionDelay = 20 // seconds
)

// apiserverHeadNodeLostGrace is the operator's node-lost grace here: the
// restart comes when the recovery starts, so that the restart falls in the
// middle of the grace and the force-delete after it, as the subtest means.
const apiserverHeadNodeLostGrace = "15s"

// apiserverConvergeTimeout bounds the convergence after a restart
// mid-recovery; the lost node's workers are evicted and replaced only
// apiserverEvictionDelay after it went NotReady, and kube-controller-manager
// may not act at all for up to a minute after a restart (its informers
// relist with backoff; docs/reliability.md). Seen: 61-85 s.
const apiserverConvergeTimeout = 3 * time.Minute

// TestAPIServerRestart restarts kube-apiserver (etcd kept) twice under a
// running operator: once while clusters are settled — a spec change made
// afterwards must still be applied, so the operator's watches came back —
// and once in the middle of a lost-node recovery, which must still end
// with exactly one force-delete and one recovery. The operator process
// must not exit.
func TestAPIServerRestart(t *testing.T) {
	e := procStartSim(t, simcluster.Options{Nodes: 3, NodeMonitorGracePeriod: apiserverNodeGrace,
		NotReadyTolerationSeconds: apiserverEvictionDelay, UnreachableTolerationSeconds: apiserverEvictionDelay},
		"--pending-release-grace=2s", "--head-node-lost-grace="+apiserverHeadNodeLostGrace)
	ns := e.namespace("apiserver")
	e.restartOperator()
	keys := []types.NamespacedName{e.procCreateCluster(ns, "a", 1), e.procCreateCluster(ns, "b", 1)}
	harness.Eventually(t, 2*time.Minute, "clusters converged", simenv.AllConverged(e.cl, keys, e.checkOperatorAlive))
	watch := procWatchHeads(e.cl, 250*time.Millisecond)

	t.Run("settled clusters", func(t *testing.T) {
		apiserverRestart(t, e)
		e.procSetWorkers(keys[0], 2)
		took := harness.Eventually(t, 2*time.Minute, "spec change applied after the restart", simenv.AllConverged(e.cl, keys, e.checkOperatorAlive))
		t.Logf("a spec change made after the restart converged in %s", took.Round(time.Millisecond))
	})
	t.Run("during a head recovery", func(t *testing.T) {
		key := keys[1]
		before := procCounts(t, e, key)
		old, err := simenv.HeadPod(context.Background(), e.cl, key)
		if err != nil || old == nil {
			t.Fatalf("head of %s: %v", key, err)
		}
		lost := time.Now()
		if err := e.sim.KillNode(old.Spec.NodeName); err != nil {
			t.Fatal(err)
		}
		harness.Eventually(t, apiserverNodeGrace+2*time.Minute, "the recovery started", simenv.Recovering(e.cl, key))
		restart := apiserverRestart(t, e)
		gone := harness.Eventually(t, time.Minute, "the operator force-deleted the head", func(ctx context.Context) (bool, string, error) {
			head, err := simenv.HeadPod(ctx, e.cl, key)
			return err == nil && (head == nil || head.UID != old.UID), "old head still there", err
		})
		t.Logf("old head gone %s after the API server was back (it was away %s)", gone.Round(time.Millisecond), restart)
		converged, why := apiserverWaitConverged(e, keys, apiserverConvergeTimeout)
		// The force-delete event is posted in the background; a post that
		// fails while the API server is still settling is retried only
		// some seconds later. Wait for it, then give a wrong second action
		// room before counting.
		// A missing event is reported by the count below.
		for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
			if n, err := simenv.EventCount(context.Background(), e.cl, key, raycluster.EventHeadForceDeleted); err == nil && n > before.forceDeleted {
				break
			}
		}
		time.Sleep(3 * time.Second)
		after := procCounts(t, e, key)
		apiserverCheckForceDeletes(t, e, key, old.Spec.NodeName, after.forceDeleted-before.forceDeleted)
		knownLimit := ""
		switch {
		case converged:
			t.Logf("node %s lost, API server restarted mid-recovery; converged %s after the loss", old.Spec.NodeName, procSince(lost))
			if d := after.recoveries - before.recoveries; d != 1 {
				t.Errorf("status.recovery.count grew by %d for one failure, want 1", d)
			}
		case apiserverOperatorsPart(why):
			t.Errorf("not converged within %s, and the operator's part lags: %s", apiserverConvergeTimeout, why)
		case apiserverSchedulerCorrupted(e):
			knownLimit = fmt.Sprintf("KNOWN LIMIT of kube-scheduler: not converged within %s (%s), and kube-scheduler logged %q "+
				"after the restart; the operator's part (one force-delete, status not claiming readiness) was checked",
				apiserverConvergeTimeout, why, schedulerCacheCorrupted)
		default:
			t.Errorf("not converged within %s, waiting on Kubernetes' controllers (the operator's part is done): %s",
				apiserverConvergeTimeout, why)
		}
		e.restartNode(t, old.Spec.NodeName)
		if knownLimit != "" {
			// Visible as a skip, never as a pass: the convergence this
			// subtest exists for was not seen.
			t.Skip(knownLimit)
		}
	})
	checks, blind, violations := watch.stop()
	for _, v := range violations {
		t.Errorf("two heads: %s", v)
	}
	t.Logf("%d head checks (%d while the API was away), %d with two heads", checks, blind, len(violations))
	if err := e.checkOperatorAlive(); err != nil {
		t.Error(err)
	}
}

// apiserverRestart restarts kube-apiserver and returns how long it was away.
func apiserverRestart(t *testing.T, e *procEnv) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	began := time.Now()
	if err := e.sim.RestartAPIServer(ctx, apiserverDown); err != nil {
		t.Fatal(err)
	}
	away := procSince(began)
	t.Logf("kube-apiserver away for %s", away)
	return away
}

// apiserverWaitConverged waits like simenv.AllConverged but returns, instead
// of failing, what was still missing at the end.
func apiserverWaitConverged(e *procEnv, keys []types.NamespacedName, timeout time.Duration) (bool, string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cond := simenv.AllConverged(e.cl, keys, e.checkOperatorAlive)
	why := ""
	for {
		ok, seen, err := cond(ctx)
		if ok {
			return true, ""
		}
		if err != nil {
			why = err.Error()
		} else {
			why = seen
		}
		select {
		case <-ctx.Done():
			return false, why
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// noScheduleTaintFailed is what kube-controller-manager's node lifecycle
// controller logs when it could not add a node's NoSchedule taint; it does
// not retry until the node changes again, and a lost node does not change.
const noScheduleTaintFailed = "Failed to taint NoSchedule on node"

// apiserverCheckForceDeletes wants one force-delete for one lost node.
// More are right in one case, which the API server restart can cause: the
// node lifecycle controller's NoSchedule taint pass for the lost node ran
// while the API server was away and was not retried (a TODO in Kubernetes),
// so the node carries only the NoExecute taint, which pods tolerate for a
// while, and the scheduler may bind the replacement heads to the lost node
// again. Each of those can never run and must be force-deleted too; the
// test then checks that every force-delete was for the lost node and says
// so in its log.
func apiserverCheckForceDeletes(t *testing.T, e *procEnv, key types.NamespacedName, lostNode string, forced int) {
	t.Helper()
	if forced == 1 {
		return
	}
	missing, err := apiserverNoScheduleTaintMissing(e, lostNode)
	if err != nil {
		t.Fatal(err)
	}
	if forced < 1 || !missing {
		t.Errorf("force-deletes for one failure: %d, want 1 (the lost node's NoSchedule taint is there: %v)", forced, !missing)
		return
	}
	msgs, err := simenv.EventMessages(context.Background(), e.cl, key, raycluster.EventHeadForceDeleted)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if !strings.Contains(m, "node "+lostNode+" ") {
			t.Errorf("force-delete not for the lost node %s: %q", lostNode, m)
		}
	}
	t.Logf("KNOWN LIMIT of kube-controller-manager: its NoSchedule taint of the lost node %s failed during the API "+
		"server restart and was not retried, the scheduler bound replacement heads to that node, and the operator "+
		"force-deleted each (%d force-deletes, all for that node)", lostNode, forced)
}

// apiserverNoScheduleTaintMissing tells whether the lost node lacks its
// NoSchedule taint because kube-controller-manager failed to add it.
func apiserverNoScheduleTaintMissing(e *procEnv, node string) (bool, error) {
	var n corev1.Node
	if err := e.cl.Get(context.Background(), types.NamespacedName{Name: node}, &n); err != nil {
		return false, fmt.Errorf("reading node %s: %w", node, err)
	}
	for _, taint := range n.Spec.Taints {
		if taint.Effect == corev1.TaintEffectNoSchedule &&
			(taint.Key == corev1.TaintNodeUnreachable || taint.Key == corev1.TaintNodeNotReady) {
			return false, nil
		}
	}
	data, err := os.ReadFile(filepath.Join(e.sim.Dir(), "logs", "kube-controller-manager.log"))
	if err != nil {
		return false, fmt.Errorf("reading kube-controller-manager's log: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, noScheduleTaintFailed) && strings.Contains(line, node) {
			return true, nil
		}
	}
	return false, nil
}

// apiserverOperatorsPart tells whether what simenv.Converged reported
// missing is the operator's to do (status, release) rather than a pod
// that Kubernetes' controllers or the scheduler must create.
func apiserverOperatorsPart(why string) bool {
	for _, kubernetes := range []string{"no head pod", "not Ready (phase", "worker ReplicaSet"} {
		if strings.Contains(why, kubernetes) {
			return false
		}
	}
	return true
}

// schedulerCacheCorrupted is what kube-scheduler logs when its cache and
// the API server disagree on a pod's node, before it exits to be restarted
// with a fresh cache (the simulated cluster restarts it).
const schedulerCacheCorrupted = "Scheduler cache is corrupted"

// apiserverSchedulerCorrupted tells whether kube-scheduler reported a
// corrupted cache during the test.
func apiserverSchedulerCorrupted(e *procEnv) bool {
	data, err := os.ReadFile(filepath.Join(e.sim.Dir(), "logs", "kube-scheduler.log"))
	return err == nil && strings.Contains(string(data), schedulerCacheCorrupted)
}
