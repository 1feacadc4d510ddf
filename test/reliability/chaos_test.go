package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
)

// Knobs of TestChaosSoak, read from the environment. The defaults keep
// the soak near a minute and a half in `make test`.
const (
	chaosDurationEnv = "RELIABILITY_SOAK_DURATION" // total time of the failure schedule (default 45s)
	chaosFailuresEnv = "RELIABILITY_SOAK_FAILURES" // failures injected (default 8)
	chaosClustersEnv = "RELIABILITY_SOAK_CLUSTERS" // RayClusters under test (default 3)
	chaosDocsEnv     = "RELIABILITY_WRITE_DOCS"    // "1": write the results into docs/reliability.md
	// chaosRecoveryTimeout bounds the recovery from one failure.
	chaosRecoveryTimeout = 2 * time.Minute
)

// chaosFailure is one kind of failure the soak injects.
type chaosFailure struct {
	name string
	// inject breaks something and returns what must hold again for the
	// failure to count as recovered (beyond every cluster converging),
	// and a clean-up to run once it has (a lost node comes back).
	inject func(t *testing.T, s *chaosSoak, r *rand.Rand, key types.NamespacedName) (check func(context.Context) (bool, string, error), after func())
}

var chaosFailures = []chaosFailure{
	{"head-deleted", chaosHeadDeleted},
	{"node-lost", chaosNodeLost},
	{"operator-killed", chaosOperatorKilled},
	{"redis-bounced", chaosRedisBounced},
}

// chaosSoak is the soak's state and its record.
type chaosSoak struct {
	e    *procEnv
	keys []types.NamespacedName
	// recovered: per failure kind, how long each recovery took.
	recovered map[string][]time.Duration
}

// TestChaosSoak injects M random failures (head deleted, head's node
// lost, operator SIGKILLed, Redis bounced) over T against several
// clusters, checks every second that no cluster has two heads on healthy
// nodes, waits for every failure to be recovered (new head Ready, every
// cluster converged, Redis reachable again), and finally deletes every
// cluster and checks that nothing is left: objects, release Secrets, GCS
// keys in Redis. With RELIABILITY_WRITE_DOCS=1 the results go into
// docs/reliability.md.
func TestChaosSoak(t *testing.T) {
	duration := procEnvDuration(t, chaosDurationEnv, 45*time.Second)
	failures := procEnvInt(t, chaosFailuresEnv, 8)
	clusters := procEnvInt(t, chaosClustersEnv, 3)
	seed := procEnvInt(t, crashSeedEnv, 1)
	began := time.Now()
	e := procStart(t, 3, "--pending-release-grace=2s")
	ns := e.namespace("chaos")
	e.restartOperator()
	s := &chaosSoak{e: e, recovered: map[string][]time.Duration{}}
	for i := range clusters {
		s.keys = append(s.keys, e.procCreateCluster(ns, fmt.Sprintf("soak-%d", i), 1))
	}
	harness.Eventually(t, 3*time.Minute, "clusters converged", simenv.AllConverged(e.cl, s.keys, e.checkOperatorAlive))
	watch := procWatchHeads(e.cl, time.Second)
	r := rand.New(rand.NewPCG(uint64(seed), 0xc4a05))
	soakStart := time.Now()
	for i := range failures {
		time.Sleep(time.Until(soakStart.Add(time.Duration(i) * duration / time.Duration(max(failures, 1)))))
		f := chaosFailures[r.IntN(len(chaosFailures))]
		key := s.keys[r.IntN(len(s.keys))]
		s.run(t, i, f, r, key)
	}
	soakTook := time.Since(soakStart)
	deleteTook := s.deleteAll(t)
	checks, blind, violations := watch.stop()
	for _, v := range violations {
		t.Errorf("two heads: %s", v)
	}
	res := chaosResult{Seed: seed, Clusters: clusters, Failures: failures, Schedule: duration, SoakTook: soakTook,
		DeleteTook: deleteTook, Wall: time.Since(began), Checks: checks, Blind: blind, Violations: len(violations),
		Recovered: s.recovered, Processes: len(e.ops.Started())}
	t.Log(res.markdown())
	if os.Getenv(chaosDocsEnv) == "1" && !t.Failed() {
		chaosWriteDocs(t, res.markdown())
	}
}

// run injects one failure and waits for its recovery. The recovery time
// runs from the end of the injection until the failure's own check passes
// (a new head Ready) and, for a failure nothing has to undo, every cluster
// has converged. A lost node is undone first: workers on it are not the
// operator's to replace (Kubernetes evicts them only after their
// tolerations, 5 minutes by default), so the clusters converge once the
// node is back, which is waited for but not counted.
func (s *chaosSoak) run(t *testing.T, i int, f chaosFailure, r *rand.Rand, key types.NamespacedName) {
	t.Helper()
	check, after := f.inject(t, s, r, key)
	what := fmt.Sprintf("failure %d (%s on %s) recovered", i, f.name, key.Name)
	converged := simenv.AllConverged(s.e.cl, s.keys, s.e.checkOperatorAlive)
	took := harness.Eventually(t, chaosRecoveryTimeout, what, func(ctx context.Context) (bool, string, error) {
		if check != nil {
			if ok, why, err := check(ctx); !ok || err != nil || after != nil {
				return ok, why, err
			}
		}
		return converged(ctx)
	})
	if after != nil {
		after()
		harness.Eventually(t, chaosRecoveryTimeout, what+": every cluster converged once it was undone", converged)
	}
	s.recovered[f.name] = append(s.recovered[f.name], took)
	t.Logf("failure %d: %s on %s recovered in %s", i, f.name, key.Name, took.Round(time.Millisecond))
}

func chaosHeadDeleted(t *testing.T, s *chaosSoak, _ *rand.Rand, key types.NamespacedName) (func(context.Context) (bool, string, error), func()) {
	old := chaosHead(t, s, key)
	if err := s.e.cl.Delete(context.Background(), old); err != nil {
		t.Fatalf("deleting head of %s: %v", key, err)
	}
	return chaosNewHead(s, key, old.UID), nil
}

// chaosNodeLost kills the head's node; every head on it must come back
// elsewhere. The node returns once the failure is recovered.
func chaosNodeLost(t *testing.T, s *chaosSoak, _ *rand.Rand, key types.NamespacedName) (func(context.Context) (bool, string, error), func()) {
	old := chaosHead(t, s, key)
	node := old.Spec.NodeName
	if err := s.e.sim.KillNode(node); err != nil {
		t.Fatal(err)
	}
	return chaosNewHead(s, key, old.UID), func() {
		s.e.restartNode(t, node)
	}
}

// chaosOperatorKilled SIGKILLs the operator and starts a new one after a
// random pause, as a Deployment would after a crash.
func chaosOperatorKilled(t *testing.T, s *chaosSoak, r *rand.Rand, _ types.NamespacedName) (func(context.Context) (bool, string, error), func()) {
	s.e.op.Kill()
	time.Sleep(time.Duration(r.Int64N(int64(2 * time.Second))))
	s.e.op = s.e.startOperator()
	return nil, nil
}

// chaosRedisBounced stops redis-server for a random while and starts it
// again (empty: it keeps no data); the operator must see it reachable
// again on every cluster.
func chaosRedisBounced(t *testing.T, s *chaosSoak, r *rand.Rand, _ types.NamespacedName) (func(context.Context) (bool, string, error), func()) {
	s.e.redis.Stop()
	time.Sleep(time.Second + time.Duration(r.Int64N(int64(3*time.Second))))
	if err := s.e.redis.Restart(); err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context) (bool, string, error) {
		for _, k := range s.keys {
			rc := &rayv1.RayCluster{}
			if err := s.e.cl.Get(ctx, k, rc); err != nil {
				return false, "", err
			}
			if c := meta.FindStatusCondition(rc.Status.Conditions, string(rayv1.RedisReachable)); c == nil || c.Status != "True" {
				return false, fmt.Sprintf("%s: RedisReachable %+v", k.Name, c), nil
			}
		}
		return true, "", nil
	}, nil
}

func chaosHead(t *testing.T, s *chaosSoak, key types.NamespacedName) *corev1.Pod {
	t.Helper()
	head, err := simenv.HeadPod(context.Background(), s.e.cl, key)
	if err != nil || head == nil {
		t.Fatalf("head of %s: %v", key, err)
	}
	return head
}

// chaosNewHead: a Ready head other than the old one.
func chaosNewHead(s *chaosSoak, key types.NamespacedName, old types.UID) func(context.Context) (bool, string, error) {
	return func(ctx context.Context) (bool, string, error) {
		head, err := simenv.HeadPod(ctx, s.e.cl, key)
		if err != nil || head == nil || head.UID == old {
			return false, key.Name + ": old head or none", err
		}
		return harness.PodReady(head) && head.DeletionTimestamp == nil, key.Name + ": new head not Ready", nil
	}
}

// deleteAll seeds a GCS key per cluster, deletes every cluster and waits
// until nothing of them is left; it returns how long that took.
func (s *chaosSoak) deleteAll(t *testing.T) time.Duration {
	t.Helper()
	gcsKeys := map[types.NamespacedName]string{}
	for _, k := range s.keys {
		gcsKeys[k] = s.e.procSeedGCSKey(t, s.e.procUID(k))
		rc := &rayv1.RayCluster{}
		rc.Namespace, rc.Name = k.Namespace, k.Name
		if err := s.e.cl.Delete(context.Background(), rc); err != nil {
			t.Fatalf("deleting %s: %v", k, err)
		}
	}
	return harness.Eventually(t, 2*time.Minute, "every cluster deleted without leftovers", func(ctx context.Context) (bool, string, error) {
		for _, k := range s.keys {
			if ok, why, err := simenv.Gone(s.e.cl, k)(ctx); !ok || err != nil {
				return false, k.Name + ": " + why, err
			}
			if exists, err := s.e.procKeyExists(ctx, gcsKeys[k]); exists || err != nil {
				return false, "Redis key " + gcsKeys[k] + " still there", err
			}
		}
		return true, "", nil
	})
}

// chaosResult is what a soak ran and saw.
type chaosResult struct {
	Seed, Clusters, Failures, Checks, Blind, Violations, Processes int
	Schedule, SoakTook, DeleteTook, Wall                           time.Duration
	Recovered                                                      map[string][]time.Duration
}

func (c chaosResult) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Seed %d; %d RayClusters with GCS FT on 3 simulated nodes; %d failures scheduled over %s (ran %s); "+
		"%d operator processes in all; wall time %s.\n\n", c.Seed, c.Clusters, c.Failures, c.Schedule,
		c.SoakTook.Round(time.Second), c.Processes, c.Wall.Round(time.Second))
	b.WriteString("| failure | injected | recovered | median recovery | max recovery |\n|---|---|---|---|---|\n")
	var all []time.Duration
	for _, f := range chaosFailures {
		d := slices.Clone(c.Recovered[f.name])
		slices.Sort(d)
		all = append(all, d...)
		med, top := "-", "-"
		if len(d) > 0 {
			med, top = chaosRound(d[len(d)/2]), chaosRound(d[len(d)-1])
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s |\n", f.name, len(d), len(d), med, top)
	}
	slices.Sort(all)
	worst := time.Duration(0)
	if len(all) > 0 {
		worst = all[len(all)-1]
	}
	fmt.Fprintf(&b, "\nEvery failure recovered (max %s); %d invariant checks, one a second (%d while the API could not be read), "+
		"%d with two heads on healthy nodes; deleting every cluster left no object, release Secret or GCS key (%s).\n",
		chaosRound(worst), c.Checks, c.Blind, c.Violations, chaosRound(c.DeleteTook))
	return b.String()
}

// chaosRound keeps two significant figures: 8.5s, 420ms, 38ms.
func chaosRound(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= 100*time.Millisecond:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}
