package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
)

// Knobs of TestCrashAnywhere, read from the environment.
const (
	crashRunsEnv = "RELIABILITY_CRASH_RUNS" // number of seeded runs (default 20)
	crashSeedEnv = "RELIABILITY_SEED"       // seed of the runs (default 1)
	// crashHelmWindow bounds the kill delay after a create or a spec
	// change: a Helm install or upgrade takes a few hundred milliseconds
	// on the simulated cluster, so kills land before, inside and after it.
	crashHelmWindow = 800 * time.Millisecond
	// crashCleanupWindow bounds the kill delay after a delete: uninstall
	// and the Redis clean-up take well under a second here.
	crashCleanupWindow = 600 * time.Millisecond
	// crashConvergeTimeout bounds each run's convergence after the restart.
	crashConvergeTimeout = 2 * time.Minute
)

// crashPhase is one kind of work the operator is killed in the middle of.
type crashPhase struct {
	name string
	run  func(t *testing.T, s *crashSuite, r *rand.Rand)
}

// crashPhases rotate over the runs, so 20 runs kill the operator five
// times in each phase.
var crashPhases = []crashPhase{
	{"install", crashInstall},
	{"upgrade", crashUpgrade},
	{"head-recovery", crashRecovery},
	{"redis-cleanup", crashCleanup},
}

// crashSuite is the state shared by the runs: one simulated cluster, one
// operator process restarted after every kill, clusters that live across
// runs (every one of them must converge after every crash).
type crashSuite struct {
	e          *procEnv
	ns         string
	live       []types.NamespacedName
	installed  []types.NamespacedName // created by install runs, deleted by clean-up runs
	recoveries int
	created    int
	// pendingAtKill counts kills that left a release revision pending:
	// proof that kills land inside Helm actions, not only between them.
	pendingAtKill int
	converge      []time.Duration
}

// TestCrashAnywhere SIGKILLs the operator at seeded random points during
// install, upgrade, head recovery and Redis clean-up, starts a new
// process each time, and checks after every run that every RayCluster
// converges (the latest spec deployed, head Ready, nothing pending), that
// a deleted one leaves nothing behind (objects, release Secrets, Redis
// keys), and — continuously — that no cluster ever has two heads on
// healthy nodes.
func TestCrashAnywhere(t *testing.T) {
	runs := procEnvInt(t, crashRunsEnv, 20)
	seed := procEnvInt(t, crashSeedEnv, 1)
	began := time.Now()
	e := procStart(t, 3, "--pending-release-grace=2s")
	s := &crashSuite{e: e, ns: e.namespace("crash")}
	e.restartOperator()
	for _, name := range []string{"steady-a", "steady-b"} {
		s.live = append(s.live, e.procCreateCluster(s.ns, name, 1))
	}
	s.waitConverged(t)
	watch := procWatchHeads(e.cl, 250*time.Millisecond)
	for i := range runs {
		phase := crashPhases[i%len(crashPhases)]
		r := rand.New(rand.NewPCG(uint64(seed), uint64(i)))
		t.Run(fmt.Sprintf("%02d-%s", i, phase.name), func(t *testing.T) {
			phase.run(t, s, r)
			s.waitConverged(t)
		})
	}
	checks, blind, violations := watch.stop()
	for _, v := range violations {
		t.Errorf("two heads: %s", v)
	}
	if checks == 0 {
		t.Errorf("the head watcher never saw the cluster (%d blind checks)", blind)
	}
	slices.Sort(s.converge)
	t.Logf("crash anywhere: %d runs (seed %d) in %s, %d operator processes, %d kills left a release pending, "+
		"convergence after restart median %s max %s, %d head checks, %d with two heads",
		runs, seed, procSince(began), len(e.ops.Started()), s.pendingAtKill, crashMedian(s.converge), crashMax(s.converge), checks, len(violations))
}

// crash kills the operator after delay, notes whether the kill left a
// revision of key's release pending, and starts a new process.
func (s *crashSuite) crash(t *testing.T, key types.NamespacedName, delay time.Duration) {
	t.Helper()
	time.Sleep(delay)
	if err := s.e.checkOperatorAlive(); err != nil {
		t.Fatal(err)
	}
	s.e.op.Kill()
	pending, err := simenv.PendingReleases(context.Background(), s.e.cl, key.Namespace, key.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) > 0 {
		s.pendingAtKill++
	}
	t.Logf("SIGKILL after %s; release revisions left pending: %v", delay, pending)
	s.e.op = s.e.startOperator()
}

// waitConverged waits until every live cluster has converged.
func (s *crashSuite) waitConverged(t *testing.T) {
	t.Helper()
	took := harness.Eventually(t, crashConvergeTimeout, "every RayCluster converged",
		simenv.AllConverged(s.e.cl, s.live, s.e.checkOperatorAlive))
	s.converge = append(s.converge, took)
	t.Logf("%d RayClusters converged %s after the restart", len(s.live), took.Round(time.Millisecond))
}

func crashInstall(t *testing.T, s *crashSuite, r *rand.Rand) {
	key := s.e.procCreateCluster(s.ns, s.nextName(), 1)
	s.live = append(s.live, key)
	s.installed = append(s.installed, key)
	s.crashInHelm(t, key, r)
}

// crashInHelm kills the operator during the Helm action of key's release:
// every other time after a random delay, otherwise as soon as a revision
// shows pending (plus a little jitter), so that some kills surely land
// inside the action, where a revision stays pending-* after the crash.
func (s *crashSuite) crashInHelm(t *testing.T, key types.NamespacedName, r *rand.Rand) {
	t.Helper()
	if r.IntN(2) == 0 {
		s.crash(t, key, crashDelay(r, crashHelmWindow))
		return
	}
	began := time.Now()
	for time.Since(began) < 5*time.Second {
		pending, err := simenv.PendingReleases(context.Background(), s.e.cl, key.Namespace, key.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) > 0 {
			t.Logf("revision pending %s after the change", procSince(began))
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.crash(t, key, crashDelay(r, 50*time.Millisecond))
}

func crashUpgrade(t *testing.T, s *crashSuite, r *rand.Rand) {
	key := s.live[r.IntN(len(s.live))]
	rc := &rayv1.RayCluster{}
	if err := s.e.cl.Get(context.Background(), key, rc); err != nil {
		t.Fatal(err)
	}
	workers := int32(3) - *rc.Spec.WorkerGroupSpecs[0].Replicas // 1 <-> 2
	s.e.procSetWorkers(key, workers)
	t.Logf("%s: workers -> %d", key, workers)
	s.crashInHelm(t, key, r)
}

// crashRecovery alternates a deleted head (the StatefulSet replaces it,
// the operator observes and records) and a lost node (the operator must
// force-delete the head for a replacement to start).
func crashRecovery(t *testing.T, s *crashSuite, r *rand.Rand) {
	key := s.live[r.IntN(len(s.live))]
	ctx := context.Background()
	old, err := simenv.HeadPod(ctx, s.e.cl, key)
	if err != nil || old == nil {
		t.Fatalf("head of %s: %v (pod %v)", key, err, old)
	}
	nodeLost := s.recoveries%2 == 1
	s.recoveries++
	if !nodeLost {
		if err := s.e.cl.Delete(ctx, old); err != nil {
			t.Fatalf("deleting head %s: %v", old.Name, err)
		}
		t.Logf("%s: head %s deleted", key, old.UID)
		s.crash(t, key, crashDelay(r, 500*time.Millisecond))
		crashWaitNewHead(t, s, key, old.UID)
		return
	}
	node := old.Spec.NodeName
	if err := s.e.sim.KillNode(node); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: node %s of head %s lost", key, node, old.UID)
	// The operator detects the loss when the node turns NotReady, then
	// waits the 3 s grace before the force-delete: kills in [0, 4 s) after
	// the detection land before, around and after the force-delete.
	took := harness.Eventually(t, time.Minute, "the recovery started", simenv.Recovering(s.e.cl, key))
	t.Logf("%s: recovery started %s after the node loss", key, took.Round(time.Millisecond))
	s.crash(t, key, crashDelay(r, 4*time.Second))
	crashWaitNewHead(t, s, key, old.UID)
	s.e.restartNode(t, node)
}

func crashWaitNewHead(t *testing.T, s *crashSuite, key types.NamespacedName, old types.UID) {
	t.Helper()
	took := harness.Eventually(t, crashConvergeTimeout, "a new Ready head for "+key.String(), func(ctx context.Context) (bool, string, error) {
		if err := s.e.checkOperatorAlive(); err != nil {
			return false, "", err
		}
		head, err := simenv.HeadPod(ctx, s.e.cl, key)
		switch {
		case err != nil:
			return false, "", err
		case head == nil:
			return false, "no head pod", nil
		case head.UID == old:
			return false, fmt.Sprintf("old head still there (deleting %v)", head.DeletionTimestamp != nil), nil
		}
		return harness.PodReady(head) && head.DeletionTimestamp == nil, "new head not Ready", nil
	})
	t.Logf("%s: new head Ready %s after the restart", key, took.Round(time.Millisecond))
}

// crashCleanup deletes the oldest cluster an install run created (one is
// created first when none is left), with a GCS key seeded in Redis, and
// kills the operator during the uninstall or the Redis clean-up.
func crashCleanup(t *testing.T, s *crashSuite, r *rand.Rand) {
	if len(s.installed) == 0 {
		key := s.e.procCreateCluster(s.ns, s.nextName(), 1)
		s.live = append(s.live, key)
		s.installed = append(s.installed, key)
		s.waitConverged(t)
	}
	key := s.installed[0]
	s.installed = s.installed[1:]
	s.live = slices.DeleteFunc(s.live, func(k types.NamespacedName) bool { return k == key })
	gcsKey := s.e.procSeedGCSKey(t, s.e.procUID(key))
	rc := &rayv1.RayCluster{}
	rc.Namespace, rc.Name = key.Namespace, key.Name
	if err := s.e.cl.Delete(context.Background(), rc); err != nil {
		t.Fatalf("deleting %s: %v", key, err)
	}
	s.crash(t, key, crashDelay(r, crashCleanupWindow))
	took := harness.Eventually(t, crashConvergeTimeout, key.String()+" deleted without leftovers", func(ctx context.Context) (bool, string, error) {
		if err := s.e.checkOperatorAlive(); err != nil {
			return false, "", err
		}
		if ok, why, err := simenv.Gone(s.e.cl, key)(ctx); !ok || err != nil {
			return false, why, err
		}
		exists, err := s.e.procKeyExists(ctx, gcsKey)
		return !exists, "Redis key " + gcsKey + " still there", err
	})
	t.Logf("%s: gone with its Redis key %s after the restart", key, took.Round(time.Millisecond))
}

// crashDelay is a seeded random delay in [0, max).
func crashDelay(r *rand.Rand, max time.Duration) time.Duration {
	return time.Duration(r.Int64N(int64(max))).Round(time.Millisecond)
}

func crashMedian(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[len(d)/2].Round(time.Millisecond)
}

func crashMax(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[len(d)-1].Round(time.Millisecond)
}

// nextName names the next cluster an install creates.
func (s *crashSuite) nextName() string {
	s.created++
	return fmt.Sprintf("inst-%d", s.created)
}
