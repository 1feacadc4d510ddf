/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
)

// Timeouts of the scenarios: generous against a loaded machine; the logs
// carry the measured times.
const (
	readyTimeout    = 90 * time.Second
	recoveryTimeout = 60 * time.Second
)

// fastBounds are the per-cluster policy annotations of the scenarios:
// seconds instead of the production defaults, set the way users set them.
func fastBounds(extra map[string]string) map[string]string {
	a := map[string]string{
		raycluster.AnnotationStuckTerminatingGrace: "1",
		raycluster.AnnotationBackoffBase:           "1",
		raycluster.AnnotationBackoffMax:            "2",
		raycluster.AnnotationNodeLostGrace:         "3",
	}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// TestHeadRecovery runs every head failure the operator handles on one
// simulated cluster and one operator. The scenarios that do not lose a node
// run in parallel, each in its own namespace; the lost node comes last.
func TestHeadRecovery(t *testing.T) {
	env := Start(t, Options{})
	redis := redisserver.Start(t, redisserver.Options{})
	recoveries.reset(t, env, true)
	t.Run("group", func(t *testing.T) {
		t.Run("HeadPodDeleted", func(t *testing.T) { t.Parallel(); headPodDeleted(t, env, redis.Addr()) })
		t.Run("HeadPodFailed", func(t *testing.T) { t.Parallel(); headPodFailed(t, env, redis.Addr()) })
		t.Run("RayContainerExited", func(t *testing.T) { t.Parallel(); rayContainerExited(t, env, redis.Addr()) })
		t.Run("StuckTerminating", func(t *testing.T) { t.Parallel(); stuckTerminating(t, env, redis.Addr()) })
		t.Run("CrashLoopOptIn", func(t *testing.T) { t.Parallel(); crashLoopOptIn(t, env, redis.Addr()) })
		t.Run("NotReadyOptIn", func(t *testing.T) { t.Parallel(); notReadyOptIn(t, env, redis.Addr()) })
		t.Run("RedisDown", func(t *testing.T) { t.Parallel(); redisDown(t, env) })
		t.Run("InvalidSpecEdit", func(t *testing.T) { t.Parallel(); invalidSpecEdit(t, env, redis.Addr()) })
	})
	// A restarted operator starts a new registry: compare before it. A
	// lost node also recovers the heads of the group's clusters on it.
	recoveries.check(t, env)
	recoveries.reset(t, env, false)
	t.Run("OperatorRestartMidRecovery", func(t *testing.T) { operatorRestart(t, env, redis.Addr()) })
	t.Run("NodeLost", func(t *testing.T) { nodeLost(t, env, redis.Addr()) })
	recoveries.check(t, env)
}

// recoveries checks that every head recovery and every replacement the
// operator made is counted exactly once in its metrics: the histogram
// holds exactly the recoveries the scenarios expect, by failure reason,
// and one observation per HeadRecovered event; the replacement counter
// one per HeadForceDeleted or HeadReplaced event (a lost node replaces the
// heads of other scenarios' clusters too, so events, not scenarios, say
// how many). Parallel scenarios share reasons, so the comparison waits for
// all of them; a restarted operator starts a new registry, so the counts
// start again from there.
var recoveries = &recoveryLedger{}

type recoveryLedger struct {
	mu              sync.Mutex
	want            map[string]uint64
	recoveredBefore int // HeadRecovered events before the registry
	replacedBefore  int // HeadForceDeleted and HeadReplaced events before it
	checkReasons    bool
}

var replacementEvents = []string{raycluster.EventHeadForceDeleted, raycluster.EventHeadReplaced}

// reset starts counting afresh, for a new registry; byReason says whether
// the scenarios until the next check record every recovery they cause.
func (l *recoveryLedger) reset(t *testing.T, env *Env, byReason bool) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.want = map[string]uint64{}
	l.checkReasons = byReason
	l.recoveredBefore = env.RayClusterEvents(t, raycluster.EventHeadRecovered)
	l.replacedBefore = env.RayClusterEvents(t, replacementEvents...)
}

func (l *recoveryLedger) add(reason rayv1.HeadFailureReason) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.want[string(reason)]++
}

// check compares the metrics with the ledger and the events.
func (l *recoveryLedger) check(t *testing.T, env *Env) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	harness.Eventually(t, 30*time.Second, "metrics counting each recovery and replacement once", func(context.Context) (bool, string, error) {
		got, observed := map[string]uint64{}, uint64(0)
		for reason, o := range env.RecoveryObservations(t) {
			if o.Count > 0 {
				got[reason] = o.Count
				observed += o.Count
			}
		}
		replaced := 0.0
		for _, n := range env.ReplacementCounts(t) {
			replaced += n
		}
		recoveredEvents := env.RayClusterEvents(t, raycluster.EventHeadRecovered) - l.recoveredBefore
		replacedEvents := env.RayClusterEvents(t, replacementEvents...) - l.replacedBefore
		ok := observed == uint64(recoveredEvents) && replaced == float64(replacedEvents) &&
			(!l.checkReasons || maps.Equal(got, l.want))
		return ok, fmt.Sprintf("histogram %v (want %v by reason: %t), %d HeadRecovered events; %v replacements counted, %d replacement events",
			got, l.want, l.checkReasons, recoveredEvents, replaced, replacedEvents), nil
	})
}

// operatorRestart: a recovery starts under one operator process, the head
// comes back while no operator runs, and the next process still times the
// recovery from its start, which it finds in status.
func operatorRestart(t *testing.T, env *Env, redisAddr string) {
	ns := env.Namespace(t, "operator-restart")
	env.StartKubelet(t, ns)
	env.Create(t, harness.NewRayCluster(ns, "rc", harness.ClusterOptions{RedisAddress: redisAddr, Workers: 1, HeadStatusByTest: true, Annotations: fastBounds(nil)}))
	head := env.WaitReady(t, ns, "rc", readyTimeout)
	ctx := context.Background()
	failed := time.Now()
	if err := harness.SetNotReady(ctx, env.Client, head); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 10*time.Second, "HeadRecovering True", func(context.Context) (bool, string, error) {
		rc := env.RayCluster(t, ns, "rc")
		return harness.ConditionIs(rc, rayv1.HeadRecovering, metav1.ConditionTrue), harness.ConditionSummary(rc), nil
	})
	// The event is posted in the background; stopping the operator first
	// could lose it, and the next process does not post it again.
	waitEventReason(t, env, ns, "rc", raycluster.EventHeadFailureDetected)
	env.StopOperator()
	const down = 3 * time.Second
	time.Sleep(down)
	if err := harness.SetRunningReady(ctx, env.Client, env.HeadPod(t, ns, "rc")); err != nil {
		t.Fatal(err)
	}
	env.RestartOperator()
	rc := env.WaitRecoveryCount(t, ns, "rc", 1, recoveryTimeout)
	if d := rc.Status.Recovery.LastRecoveryDuration; d == nil || d.Duration < down {
		t.Errorf("recovery duration %v, want at least the %s the operator was down", d, down)
	}
	expectRecovery(t, env, rc, rayv1.HeadFailureNotReady, time.Since(failed))
}

// headPodDeleted is the seed's basic test: a GCS FT cluster is up, its head
// is killed, a new head comes up under the same Service name with the same
// Redis address and storage namespace, and the workers are the same pods.
func headPodDeleted(t *testing.T, env *Env, redisAddr string) {
	ns := env.Namespace(t, "head-deleted")
	env.Create(t, harness.NewRayCluster(ns, "rc", harness.ClusterOptions{RedisAddress: redisAddr, Workers: 2, Annotations: fastBounds(nil)}))
	old := env.WaitReady(t, ns, "rc", readyTimeout)
	env.ExpectQuiet(t, ns, "rc", 3*time.Second)
	before := env.RayCluster(t, ns, "rc")
	workers := env.WorkerUIDs(t, ns, "rc")
	if len(workers) != 2 {
		t.Fatalf("workers %v, want 2", workers)
	}
	oldEnv := headEnv(old)

	killed := time.Now()
	if err := env.Client.Delete(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	fresh, took := env.WaitNewHeadReady(t, ns, "rc", old.UID, recoveryTimeout)
	t.Logf("head deleted -> new head Ready in %s", took.Round(time.Millisecond))

	if got := headEnv(fresh); got != oldEnv {
		t.Errorf("new head's GCS wiring %+v, want the old one %+v", got, oldEnv)
	}
	if oldEnv.redis != redisAddr || oldEnv.storageNS != string(before.UID) {
		t.Errorf("head wiring %+v, want Redis %s and the CR UID %s as storage namespace", oldEnv, redisAddr, before.UID)
	}
	if got := env.WorkerUIDs(t, ns, "rc"); fmt.Sprint(got) != fmt.Sprint(workers) {
		t.Errorf("worker pods %v, want the same pods %v", got, workers)
	}
	rc := env.WaitRecoveryCount(t, ns, "rc", 1, recoveryTimeout)
	if rc.Status.Head.ServiceName != before.Status.Head.ServiceName || rc.Status.Head.ServiceName != "rc-head-svc" {
		t.Errorf("head Service %q, want unchanged %q", rc.Status.Head.ServiceName, before.Status.Head.ServiceName)
	}
	expectRecovery(t, env, rc, rayv1.HeadFailurePodMissing, time.Since(killed))
}

type gcsWiring struct{ redis, storageNS string }

func headEnv(p *corev1.Pod) gcsWiring {
	c := &p.Spec.Containers[0]
	return gcsWiring{redis: envValue(c, rayv1.EnvRedisAddress), storageNS: envValue(c, rayv1.EnvExternalStorageNamespace)}
}

// expectRecovery checks a finished recovery in status, in the metrics and
// in the events. upper bounds the duration (the time the test saw).
func expectRecovery(t *testing.T, env *Env, rc *rayv1.RayCluster, reason rayv1.HeadFailureReason, upper time.Duration) {
	t.Helper()
	r := rc.Status.Recovery
	if r.LastFailureReason != reason {
		t.Errorf("last failure reason %s, want %s", r.LastFailureReason, reason)
	}
	// Status times have whole seconds, so allow one second either way.
	if r.LastRecoveryDuration == nil || r.LastRecoveryDuration.Duration <= 0 || r.LastRecoveryDuration.Duration > upper+time.Second {
		t.Errorf("recovery duration %v, want in (0, %s]", r.LastRecoveryDuration, upper)
	} else {
		t.Logf("recovery from %s took %s (status)", reason, r.LastRecoveryDuration.Duration.Round(time.Millisecond))
	}
	if r.Count != 1 {
		t.Errorf("status.recovery.count %d, want exactly 1", r.Count)
	}
	recoveries.add(reason)
	if o := env.RecoveryObservations(t)[string(reason)]; o.Count == 0 || o.Sum <= 0 {
		t.Errorf("metrics: %d recoveries from %s (sum %.3fs), want this one among them", o.Count, reason, o.Sum)
	}
	// Exactly one of each event: wait for them (they are posted in the
	// background), and a second one keeps the counts from matching.
	harness.Eventually(t, 10*time.Second, "one failure and one recovery event", func(context.Context) (bool, string, error) {
		got := env.EventReasons(t, rc.Namespace, rc.Name)
		detected, recovered := countString(got, raycluster.EventHeadFailureDetected), countString(got, raycluster.EventHeadRecovered)
		return detected == 1 && recovered == 1, fmt.Sprintf("%d %s and %d %s events, want 1 and 1: %v",
			detected, raycluster.EventHeadFailureDetected, recovered, raycluster.EventHeadRecovered, got), nil
	})
}

// headPodFailed: the pod's phase becomes Failed; the StatefulSet replaces it.
func headPodFailed(t *testing.T, env *Env, redisAddr string) {
	ns := env.Namespace(t, "head-failed")
	env.StartKubelet(t, ns)
	env.Create(t, harness.NewRayCluster(ns, "rc", harness.ClusterOptions{RedisAddress: redisAddr, Workers: 1, HeadStatusByTest: true, Annotations: fastBounds(nil)}))
	old := env.WaitReady(t, ns, "rc", readyTimeout)
	failed := time.Now()
	if err := harness.SetFailed(context.Background(), env.Client, old); err != nil {
		t.Fatal(err)
	}
	_, took := env.WaitNewHeadReady(t, ns, "rc", old.UID, recoveryTimeout)
	t.Logf("head Failed -> new head Ready in %s", took.Round(time.Millisecond))
	rc := env.WaitRecoveryCount(t, ns, "rc", 1, recoveryTimeout)
	// The StatefulSet controller deletes a Failed pod at once; when it wins
	// the race with the operator's reconcile, the operator only ever sees
	// the head missing, and says so.
	reason := rc.Status.Recovery.LastFailureReason
	if reason != rayv1.HeadFailurePodFailed && reason != rayv1.HeadFailurePodMissing {
		t.Errorf("failure reason %s, want PodFailed (or PodMissing when the StatefulSet was faster)", reason)
	}
	expectRecovery(t, env, rc, reason, time.Since(failed))
}

// rayContainerExited: the Ray container exits and the kubelet restarts it
// in place; the operator only observes and times it.
func rayContainerExited(t *testing.T, env *Env, redisAddr string) {
	ns := env.Namespace(t, "container-exited")
	env.StartKubelet(t, ns)
	env.Create(t, harness.NewRayCluster(ns, "rc", harness.ClusterOptions{RedisAddress: redisAddr, Workers: 1, HeadStatusByTest: true, Annotations: fastBounds(nil)}))
	head := env.WaitReady(t, ns, "rc", readyTimeout)
	exited := time.Now()
	ctx := context.Background()
	if err := harness.SetContainerExited(ctx, env.Client, head); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 10*time.Second, "HeadRecovering True", func(context.Context) (bool, string, error) {
		rc := env.RayCluster(t, ns, "rc")
		return harness.ConditionIs(rc, rayv1.HeadRecovering, metav1.ConditionTrue), harness.ConditionSummary(rc), nil
	})
	// The kubelet restarts the container in place.
	head = env.HeadPod(t, ns, "rc")
	if err := harness.SetRunningReady(ctx, env.Client, head); err != nil {
		t.Fatal(err)
	}
	rc := env.WaitRecoveryCount(t, ns, "rc", 1, recoveryTimeout)
	if now := env.HeadPod(t, ns, "rc"); now.UID != head.UID {
		t.Errorf("the head pod was replaced for an in-place restart")
	}
	expectRecovery(t, env, rc, rayv1.HeadFailureContainerRestarting, time.Since(exited))
}

// stuckTerminating: the head is deleted but no kubelet confirms it; past
// its grace the operator force-deletes it and the StatefulSet starts anew.
func stuckTerminating(t *testing.T, env *Env, redisAddr string) {
	ns := env.Namespace(t, "stuck-terminating")
	env.StartKubelet(t, ns)
	env.Create(t, harness.NewRayCluster(ns, "rc", harness.ClusterOptions{RedisAddress: redisAddr, Workers: 1, HeadStatusByTest: true, Annotations: fastBounds(nil)}))
	old := env.WaitReady(t, ns, "rc", readyTimeout)
	deleted := time.Now()
	if err := env.Client.Delete(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	_, took := env.WaitNewHeadReady(t, ns, "rc", old.UID, recoveryTimeout)
	t.Logf("head stuck Terminating (grace 1s + 1s) -> force-deleted -> new head Ready in %s", took.Round(time.Millisecond))
	rc := env.WaitRecoveryCount(t, ns, "rc", 1, recoveryTimeout)
	if r := rc.Status.Recovery; r.ConsecutiveForcedReplacements != 1 || r.LastForcedReplacementTime == nil {
		t.Errorf("forced replacements in status: %+v", r)
	}
	expectEvents(t, env, ns, raycluster.EventHeadForceDeleted, 1)
	expectRecovery(t, env, rc, rayv1.HeadFailurePodMissing, time.Since(deleted))
}

// crashLoopOptIn: a crash-looping head is deleted for a fresh pod once the
// cluster opts in, after the bound.
func crashLoopOptIn(t *testing.T, env *Env, redisAddr string) {
	ns := env.Namespace(t, "crashloop")
	env.StartKubelet(t, ns)
	env.Create(t, harness.NewRayCluster(ns, "rc", harness.ClusterOptions{RedisAddress: redisAddr, Workers: 1, HeadStatusByTest: true,
		Annotations: fastBounds(map[string]string{raycluster.AnnotationCrashLoopReplaceAfter: "2"})}))
	old := env.WaitReady(t, ns, "rc", readyTimeout)
	looping := time.Now()
	if err := harness.SetCrashLoop(context.Background(), env.Client, old); err != nil {
		t.Fatal(err)
	}
	_, took := env.WaitNewHeadReady(t, ns, "rc", old.UID, recoveryTimeout)
	t.Logf("head in CrashLoopBackOff (bound 2s) -> deleted -> new head Ready in %s", took.Round(time.Millisecond))
	if since := time.Since(looping); since < 2*time.Second {
		t.Errorf("replaced after %s, before the 2s bound", since)
	}
	rc := env.WaitRecoveryCount(t, ns, "rc", 1, recoveryTimeout)
	expectEvents(t, env, ns, raycluster.EventHeadReplaced, 1)
	expectRecovery(t, env, rc, rayv1.HeadFailureCrashLoopBackOff, time.Since(looping))
}

// notReadyOptIn: a running head that is not Ready is left alone by default
// (the policy is opt-in) and replaced once the cluster opts in.
func notReadyOptIn(t *testing.T, env *Env, redisAddr string) {
	ns := env.Namespace(t, "notready")
	env.StartKubelet(t, ns)
	env.Create(t, harness.NewRayCluster(ns, "rc", harness.ClusterOptions{RedisAddress: redisAddr, Workers: 1, HeadStatusByTest: true, Annotations: fastBounds(nil)}))
	old := env.WaitReady(t, ns, "rc", readyTimeout)
	ctx := context.Background()
	if err := harness.SetNotReady(ctx, env.Client, old); err != nil {
		t.Fatal(err)
	}
	holdsFor(t, env, ns, old.UID, 3*time.Second)
	rc := env.RayCluster(t, ns, "rc")
	if c := harness.FindCondition(rc, rayv1.HeadRecovering); c == nil || c.Status != metav1.ConditionTrue || c.Reason != string(rayv1.HeadFailureNotReady) {
		t.Fatalf("HeadRecovering while not Ready: %+v", c)
	}
	if rc.Status.State == rayv1.ClusterStateReady {
		t.Errorf("state %q while the head is not Ready", rc.Status.State)
	}

	optIn := time.Now()
	env.EditRayCluster(t, ns, "rc", func(rc *rayv1.RayCluster) {
		rc.Annotations[raycluster.AnnotationNotReadyReplaceAfter] = "1"
	})
	_, took := env.WaitNewHeadReady(t, ns, "rc", old.UID, recoveryTimeout)
	t.Logf("opted in to the not-Ready replacement -> new head Ready in %s", took.Round(time.Millisecond))
	rc = env.WaitRecoveryCount(t, ns, "rc", 1, recoveryTimeout)
	expectEvents(t, env, ns, raycluster.EventHeadReplaced, 1)
	expectRecovery(t, env, rc, rayv1.HeadFailureNotReady, time.Since(optIn)+5*time.Second)
}

// redisDown: with Redis unreachable a not-Ready head is not replaced, even
// with the opt-in policy on: a new head would not be healthier. The
// condition says so, and nothing churns.
func redisDown(t *testing.T, env *Env) {
	ns := env.Namespace(t, "redis-down")
	own := redisserver.Start(t, redisserver.Options{})
	env.StartKubelet(t, ns)
	env.Create(t, harness.NewRayCluster(ns, "rc", harness.ClusterOptions{RedisAddress: own.Addr(), Workers: 1, HeadStatusByTest: true,
		Annotations: fastBounds(map[string]string{raycluster.AnnotationNotReadyReplaceAfter: "3"})}))
	old := env.WaitReady(t, ns, "rc", readyTimeout)
	own.Stop()
	// The head's failure triggers a reconcile, which probes Redis (the
	// check is due: its interval is 1 s) before the 3 s bound elapses.
	time.Sleep(1100 * time.Millisecond)
	if err := harness.SetNotReady(context.Background(), env.Client, old); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 10*time.Second, "RedisReachable False", func(context.Context) (bool, string, error) {
		rc := env.RayCluster(t, ns, "rc")
		return harness.ConditionIs(rc, rayv1.RedisReachable, metav1.ConditionFalse), harness.ConditionSummary(rc), nil
	})
	holdsFor(t, env, ns, old.UID, 5*time.Second)
	rc := env.RayCluster(t, ns, "rc")
	c := harness.FindCondition(rc, rayv1.HeadRecovering)
	if c == nil || c.Status != metav1.ConditionTrue || !strings.Contains(c.Message, "Redis is unreachable") {
		t.Errorf("HeadRecovering with Redis down: %+v", c)
	}
	if r := rc.Status.Recovery; r != nil && r.ConsecutiveForcedReplacements != 0 {
		t.Errorf("replacements with Redis down: %+v", r)
	}
	waitEventReason(t, env, ns, "rc", raycluster.EventHeadReplacementHeld)
}

// waitEventReason waits for an event with reason about the RayCluster:
// events are recorded asynchronously, after the change they report.
func waitEventReason(t *testing.T, env *Env, ns, name, reason string) {
	t.Helper()
	harness.Eventually(t, 30*time.Second, "a "+reason+" event", func(context.Context) (bool, string, error) {
		got := env.EventReasons(t, ns, name)
		return hasString(got, reason), fmt.Sprintf("events %v", got), nil
	})
}

// expectEvents waits until exactly n events with reason are about the
// RayCluster rc: a second one keeps the count from matching.
func expectEvents(t *testing.T, env *Env, ns, reason string, n int) {
	t.Helper()
	harness.Eventually(t, 30*time.Second, fmt.Sprintf("exactly %d %s events", n, reason), func(context.Context) (bool, string, error) {
		got := env.EventReasons(t, ns, "rc")
		return countString(got, reason) == n, fmt.Sprintf("events %v", got), nil
	})
}

// holdsFor checks that the head pod stays the same, undeleted pod for d.
func holdsFor(t *testing.T, env *Env, ns string, uid types.UID, d time.Duration) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		p := env.HeadPod(t, ns, "rc")
		if p == nil || p.UID != uid || p.DeletionTimestamp != nil {
			t.Fatalf("the head pod was deleted or replaced")
		}
	}
}

// nodeLost kills the head's node (its kwok process): the pod would stay
// Terminating forever (KubeRay #4078); the operator force-deletes it after
// the node-lost grace and the StatefulSet starts a new head elsewhere.
func nodeLost(t *testing.T, env *Env, redisAddr string) {
	ns := env.Namespace(t, "node-lost")
	const workerNode = "sim-node-3"
	env.Create(t, harness.NewRayCluster(ns, "rc", harness.ClusterOptions{RedisAddress: redisAddr, Workers: 2,
		AvoidNode: workerNode, WorkerNode: workerNode, Annotations: fastBounds(nil)}))
	old := env.WaitReady(t, ns, "rc", readyTimeout)
	workers := env.WorkerUIDs(t, ns, "rc")

	killed := time.Now()
	if err := env.Cluster.KillNode(old.Spec.NodeName); err != nil {
		t.Fatal(err)
	}
	fresh, took := env.WaitNewHeadReady(t, ns, "rc", old.UID, 2*recoveryTimeout)
	t.Logf("node %s killed -> new head Ready on %s after %s (node-monitor grace 5s + node-lost grace 3s)",
		old.Spec.NodeName, fresh.Spec.NodeName, took.Round(time.Millisecond))
	if fresh.Spec.NodeName == old.Spec.NodeName {
		t.Errorf("new head on the lost node %s", old.Spec.NodeName)
	}
	// Node NotReady shows after the 5s monitor grace; then the 3s grace;
	// then the StatefulSet, scheduler and kwok, which a loaded machine
	// slows down: 30 s in all, far below WaitNewHeadReady's own timeout.
	if budget := 30 * time.Second; took > budget {
		t.Errorf("recovery took %s, over the budget %s", took, budget)
	}
	if got := env.WorkerUIDs(t, ns, "rc"); fmt.Sprint(got) != fmt.Sprint(workers) {
		t.Errorf("worker pods %v, want the same %v", got, workers)
	}
	rc := env.WaitRecoveryCount(t, ns, "rc", 1, recoveryTimeout)
	expectEvents(t, env, ns, raycluster.EventHeadForceDeleted, 1)
	reason := rc.Status.Recovery.LastFailureReason
	if reason != rayv1.HeadFailureNodeUnreachable && reason != rayv1.HeadFailureNodeNotReady {
		t.Errorf("failure reason %s, want a lost node", reason)
	}
	expectRecovery(t, env, rc, reason, time.Since(killed))
}

// invalidSpecEdit: a spec edit that the schema accepts but Validate refuses
// stops the chart apply (nothing running is changed or deleted), is
// reported by field, does not stop head recovery, and the cluster can
// still be deleted.
func invalidSpecEdit(t *testing.T, env *Env, redisAddr string) {
	ns := env.Namespace(t, "invalid-spec")
	ctx := context.Background()
	env.Create(t, harness.NewRayCluster(ns, "rc", harness.ClusterOptions{RedisAddress: redisAddr, Workers: 1, Annotations: fastBounds(nil)}))
	old := env.WaitReady(t, ns, "rc", readyTimeout)
	rc := env.EditRayCluster(t, ns, "rc", func(rc *rayv1.RayCluster) {
		rc.Spec.RayVersion = "1.0.0" // parses, but is too old for GCS fault tolerance
	})
	harness.Eventually(t, 20*time.Second, "SpecValid False naming the field", func(context.Context) (bool, string, error) {
		rc := env.RayCluster(t, ns, "rc")
		c := harness.FindCondition(rc, rayv1.SpecValid)
		ok := c != nil && c.Status == metav1.ConditionFalse && strings.Contains(c.Message, "spec.rayVersion") &&
			harness.ConditionIs(rc, rayv1.Irreconcilable, metav1.ConditionTrue)
		return ok, harness.ConditionSummary(rc), nil
	})
	harness.Eventually(t, 10*time.Second, "a Warning event InvalidSpec", func(context.Context) (bool, string, error) {
		got := env.EventReasons(t, ns, "rc")
		return hasString(got, rayv1.ReasonInvalidSpec), fmt.Sprintf("events %v", got), nil
	})
	if p := env.HeadPod(t, ns, "rc"); p == nil || p.UID != old.UID || p.DeletionTimestamp != nil {
		t.Fatal("the head pod was touched by an invalid spec edit")
	}

	// The head still recovers while the spec is invalid.
	if err := env.Client.Delete(ctx, old); err != nil {
		t.Fatal(err)
	}
	deleted := time.Now()
	env.WaitNewHeadReady(t, ns, "rc", old.UID, recoveryTimeout)
	rc = env.WaitRecoveryCount(t, ns, "rc", 1, recoveryTimeout)
	if !harness.ConditionIs(rc, rayv1.SpecValid, metav1.ConditionFalse) {
		t.Errorf("SpecValid changed without a fix: %s", harness.ConditionSummary(rc))
	}
	expectRecovery(t, env, rc, rayv1.HeadFailurePodMissing, time.Since(deleted))

	if err := env.Client.Delete(ctx, rc); err != nil {
		t.Fatal(err)
	}
	key := types.NamespacedName{Namespace: ns, Name: "rc"}
	harness.Eventually(t, 30*time.Second, "the invalid RayCluster deleted", func(context.Context) (bool, string, error) {
		err := env.Client.Get(ctx, key, &rayv1.RayCluster{})
		return apierrors.IsNotFound(err), fmt.Sprintf("get: %v", err), nil
	})
	harness.Eventually(t, 10*time.Second, "the deleted cluster dropped from rayha_clusters_by_head_state", func(context.Context) (bool, string, error) {
		s, tracked := env.Setup.Metrics.HeadStateOf(key)
		return !tracked, fmt.Sprintf("still counted as %s", s), nil
	})
}
