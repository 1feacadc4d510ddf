package reliability

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/operatorproc"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

const (
	leaderNamespace = "ray-ha-system"
	// leaderAcquired is what client-go's leader election logs when a
	// process becomes leader (matched ignoring case: client-go changed
	// its capitalisation before).
	leaderAcquired = "successfully acquired lease"
	// leaderTakeoverTimeout covers the lease (15 s) a SIGKILLed leader
	// never releases, plus retries.
	leaderTakeoverTimeout = 45 * time.Second
	// leaderNodeLostGrace replaces procFastArgs' 3 s node-lost grace (a
	// later flag wins): the leader must be killed between the start of
	// the recovery and its force-delete, and 3 s from a whole-second
	// lastTransitionTime leaves a loaded machine too little room.
	leaderNodeLostGrace = 15 * time.Second
	// leaderNodeMonitorGrace is the simulated cluster's node-monitor grace:
	// kwok renews the leases every second, and a kwok starved for the
	// default 5 s would mark a healthy node NotReady and add a second
	// failure to the exact counts below.
	leaderNodeMonitorGrace = 15 * time.Second
	// leaderSlack is the room a bound on a recovery leaves a loaded
	// machine beyond the timings that make it up.
	leaderSlack = 30 * time.Second
)

// TestLeaderElection runs two operator processes with leader election.
// The leader sees a head's node get lost and starts the recovery; it is
// SIGKILLed before the node-lost grace ends. The standby takes the lease
// over, force-deletes the head once and finishes the recovery: exactly
// one failure detected, one force-delete, one recovery in status.
func TestLeaderElection(t *testing.T) {
	s := leaderStart(t, "leader", "--head-node-lost-grace="+leaderNodeLostGrace.String())
	e, key, leader, standby, before, old, watch := s.e, s.key, s.leader, s.standby, s.before, s.old, s.watch
	lost := time.Now()
	if err := e.sim.KillNode(old.Spec.NodeName); err != nil {
		t.Fatal(err)
	}
	detected := harness.Eventually(t, leaderNodeMonitorGrace+time.Minute, "the leader started a recovery", simenv.Recovering(e.cl, key))
	// The leader posts its HeadFailureDetected event in the background; a
	// SIGKILL before the post lands loses it, and the standby, which finds
	// the recovery already in status, does not post it again.
	harness.Eventually(t, 30*time.Second, "the leader's "+raycluster.EventHeadFailureDetected+" event", func(ctx context.Context) (bool, string, error) {
		n, err := simenv.EventCount(ctx, e.cl, key, raycluster.EventHeadFailureDetected)
		return n-before.detected >= 1, fmt.Sprintf("%d new events", n-before.detected), err
	})
	if n := procCounts(t, e, key).forceDeleted - before.forceDeleted; n != 0 {
		t.Fatalf("the head was force-deleted %d times before the leader was killed; the kill must come first", n)
	}
	leader.Kill()
	t.Logf("node %s lost; recovery started %s later; leader (pid %d) SIGKILLed", old.Spec.NodeName, detected.Round(time.Millisecond), leader.Pid())

	took := harness.Eventually(t, leaderTakeoverTimeout, "the standby takes the lease", func(context.Context) (bool, string, error) {
		if standby.Exited() {
			return false, "", fmt.Errorf("standby exited: %v\n%s", standby.ExitError(), standby.Tail(3000))
		}
		return leaderLeads(standby), "standby not leader yet", nil
	})
	t.Logf("standby leader %s after the kill", took.Round(time.Millisecond))
	harness.Eventually(t, 2*time.Minute, "a new head Ready", leaderNewHeadReady(e, key, old.UID))
	t.Logf("new head Ready %s after the node loss", procSince(lost))
	harness.Eventually(t, time.Minute, "RayCluster converged", simenv.AllConverged(e.cl, []types.NamespacedName{key}, leaderAlive(standby)))
	leaderCheckOneRecovery(t, e, key, before, watch)
	if err := e.sim.RestartNode(old.Spec.NodeName); err != nil {
		t.Fatal(err)
	}
}

// TestLeaderKilledWithHeadNode loses the leader and a head's node at the
// same moment, as when the operator's own pod ran on that node: nobody has
// seen the failure when the leader dies. The standby takes the lease over
// once the dead leader's lease expires, finds the node lost and recovers the
// head: exactly one failure detected, one force-delete, one recovery, within
// the lease plus the node's time to NotReady plus the node-lost grace, with
// room for a loaded machine. The bound only catches a standby that never
// acts; the time itself is measured by `make bench` (mode leader-failover).
func TestLeaderKilledWithHeadNode(t *testing.T) {
	s := leaderStart(t, "leader-node")
	e, key, leader, standby, before, old, watch := s.e, s.key, s.leader, s.standby, s.before, s.old, s.watch
	lost := time.Now()
	leader.Kill()
	if err := e.sim.KillNode(old.Spec.NodeName); err != nil {
		t.Fatal(err)
	}
	// procFastArgs' node-lost grace; the lease is the flag's default.
	bound := operator.DefaultLeaseDuration + leaderNodeMonitorGrace + 3*time.Second + leaderSlack
	harness.Eventually(t, bound, "a new head Ready", leaderNewHeadReady(e, key, old.UID))
	t.Logf("leader (pid %d) and node %s lost together; new head Ready %s later (bound %s)", leader.Pid(), old.Spec.NodeName, procSince(lost), bound)
	if !leaderLeads(standby) {
		t.Fatal("a new head without the standby leading: who recovered it?")
	}
	harness.Eventually(t, time.Minute, "RayCluster converged", simenv.AllConverged(e.cl, []types.NamespacedName{key}, leaderAlive(standby)))
	leaderCheckOneRecovery(t, e, key, before, watch)
	if err := e.sim.RestartNode(old.Spec.NodeName); err != nil {
		t.Fatal(err)
	}
}

// leaderScenario is a converged RayCluster under two operator processes
// with leader election, and what the tests compare against afterwards.
type leaderScenario struct {
	e               *procEnv
	key             types.NamespacedName
	leader, standby *operatorproc.Process
	before          procActions
	old             *corev1.Pod // the head before the failure
	watch           *procHeadWatcher
}

// leaderStart starts the simulated cluster and two operator processes
// with leader election (args added to their flags), creates one RayCluster
// in namespace ns, waits until it converged under the leader, and starts
// watching for two heads. The pending grace stays above the lease, as the
// flag's help asks, so a new leader never takes a release the old one
// still works on.
func leaderStart(t *testing.T, ns string, args ...string) leaderScenario {
	t.Helper()
	flags := append([]string{"--leader-elect", "--leader-election-namespace=" + leaderNamespace, "--pending-release-grace=20s"}, args...)
	e := procStartSim(t, simcluster.Options{Nodes: 3, NodeMonitorGracePeriod: leaderNodeMonitorGrace}, flags...)
	e.namespace(leaderNamespace)
	ns = e.namespace(ns)
	s := leaderScenario{e: e}
	s.leader, s.standby = leaderWait(t, []*operatorproc.Process{e.startOperator(), e.startOperator()})
	s.key = e.procCreateCluster(ns, "rc", 1)
	harness.Eventually(t, 2*time.Minute, "RayCluster converged", simenv.AllConverged(e.cl, []types.NamespacedName{s.key}, leaderAlive(s.leader)))
	s.before = procCounts(t, e, s.key)
	old, err := simenv.HeadPod(context.Background(), e.cl, s.key)
	if err != nil || old == nil {
		t.Fatalf("head of %s: %v", s.key, err)
	}
	s.old = old
	s.watch = procWatchHeads(e.cl, 250*time.Millisecond)
	return s
}

// leaderNewHeadReady is a harness.Eventually condition: a head other than the
// old one is Ready.
func leaderNewHeadReady(e *procEnv, key types.NamespacedName, old types.UID) func(context.Context) (bool, string, error) {
	return func(ctx context.Context) (bool, string, error) {
		head, err := simenv.HeadPod(ctx, e.cl, key)
		if err != nil || head == nil || head.UID == old {
			return false, "old head or none", err
		}
		return harness.PodReady(head), "new head not Ready", nil
	}
}

// leaderCheckOneRecovery waits for a second, wrong action to have time to
// happen, then wants exactly one more detection, force-delete and recovery
// than before, and never two heads.
func leaderCheckOneRecovery(t *testing.T, e *procEnv, key types.NamespacedName, before procActions, watch *procHeadWatcher) {
	t.Helper()
	time.Sleep(5 * time.Second)
	after := procCounts(t, e, key)
	if d := after.detected - before.detected; d != 1 {
		t.Errorf("%s events: %d for one failure, want 1", raycluster.EventHeadFailureDetected, d)
	}
	if d := after.forceDeleted - before.forceDeleted; d != 1 {
		t.Errorf("%s events: %d for one failure, want 1", raycluster.EventHeadForceDeleted, d)
	}
	if d := after.recoveries - before.recoveries; d != 1 {
		t.Errorf("status.recovery.count grew by %d for one failure, want 1", d)
	}
	checks, _, violations := watch.stop()
	for _, v := range violations {
		t.Errorf("two heads: %s", v)
	}
	t.Logf("detections +%d, force-deletes +%d, recoveries +%d; %d head checks, %d with two heads",
		after.detected-before.detected, after.forceDeleted-before.forceDeleted, after.recoveries-before.recoveries, checks, len(violations))
}

// leaderWait waits until one process logs that it leads and returns it
// and the other.
func leaderWait(t *testing.T, procs []*operatorproc.Process) (leader, standby *operatorproc.Process) {
	t.Helper()
	harness.Eventually(t, leaderTakeoverTimeout, "one operator leads", func(context.Context) (bool, string, error) {
		for i, p := range procs {
			if p.Exited() {
				return false, "", fmt.Errorf("operator %d exited: %v\n%s", i, p.ExitError(), p.Tail(3000))
			}
			if leaderLeads(p) {
				leader, standby = p, procs[1-i]
				return true, "", nil
			}
		}
		return false, "no leader yet", nil
	})
	if leaderLeads(standby) {
		t.Fatal("both operator processes say they lead")
	}
	return leader, standby
}

func leaderAlive(p *operatorproc.Process) func() error {
	return func() error {
		if p.Exited() {
			return fmt.Errorf("the leading operator exited: %v\n%s", p.ExitError(), p.Tail(3000))
		}
		return nil
	}
}

// leaderLeads tells whether a process has logged that it acquired the lease.
func leaderLeads(p *operatorproc.Process) bool {
	return strings.Contains(strings.ToLower(p.Log()), leaderAcquired)
}
