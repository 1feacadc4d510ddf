package reliability

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/freeport"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

const (
	brakeNodes    = 6
	brakeKilled   = 4 // 4 of 6: more than 2 and at least 55%
	brakeClusters = 4
	// brakeNodeLostGrace and brakeStuckGrace replace procFastArgs' 3 s
	// and 1 s: the killed nodes turn NotReady over a few seconds (the
	// node lifecycle controller sees them one pass at a time), and the
	// first head's grace must not end before the last of them is seen.
	// Production's 30 s grace leaves the same room.
	brakeNodeLostGrace = 15 * time.Second
	brakeStuckGrace    = 15 * time.Second
	brakeReleaseDelay  = 10 * time.Second
	// brakeHoldFor is how long the disruption is kept once the brake
	// holds every lost head: several rechecks (one each 5 s) must all
	// hold, and none may force-delete.
	brakeHoldFor = 20 * time.Second
)

// TestFleetBrake loses most nodes at once (4 of 6, the heads among
// them): no head is force-deleted while the disruption lasts, and the
// brake shows in the FleetBrake condition, one event per held cluster
// and the metrics. The nodes come back: every head is Ready again on its
// own, the brake lets go, still without a force-delete. Then a single
// node is lost: its heads are force-deleted once and recovered, as
// without the brake. No cluster ever has two heads on healthy nodes.
func TestFleetBrake(t *testing.T) {
	port, err := freeport.Get()
	if err != nil {
		t.Fatal(err)
	}
	metrics := fmt.Sprintf("127.0.0.1:%d", port)
	e := procStartSim(t, simcluster.Options{Nodes: brakeNodes, NodeMonitorGracePeriod: leaderNodeMonitorGrace},
		"--head-node-lost-grace="+brakeNodeLostGrace.String(), "--head-stuck-terminating-grace="+brakeStuckGrace.String(),
		"--fleet-brake-release-delay="+brakeReleaseDelay.String(), "--metrics-bind-address="+metrics, "--metrics-secure=false")
	ns := e.namespace("brake")
	e.restartOperator()
	var keys []types.NamespacedName
	for i := range brakeClusters {
		keys = append(keys, brakeCreateCluster(t, e, ns, fmt.Sprintf("brake-%d", i)))
	}
	harness.Eventually(t, 3*time.Minute, "clusters converged", simenv.AllConverged(e.cl, keys, e.checkOperatorAlive))
	watch := procWatchHeads(e.cl, time.Second)

	brakeWideOutage(t, e, keys, metrics)
	brakeSingleNode(t, e, keys, metrics)

	checks, _, violations := watch.stop()
	for _, v := range violations {
		t.Errorf("two heads: %s", v)
	}
	t.Logf("%d head checks, %d with two heads on healthy nodes", checks, len(violations))
}

// brakeWideOutage kills 4 of 6 nodes, the head nodes first, holds the
// outage, and brings the nodes back.
func brakeWideOutage(t *testing.T, e *procEnv, keys []types.NamespacedName, metrics string) {
	heads := brakeHeads(t, e, keys)
	killed := brakeVictims(e.sim.NodeNames(), heads)
	var lost, kept []types.NamespacedName
	for _, k := range keys {
		if slices.Contains(killed, heads[k].Spec.NodeName) {
			lost = append(lost, k)
		} else {
			kept = append(kept, k)
		}
	}
	before := brakeCounts(t, e, keys)
	for _, n := range killed {
		if err := e.sim.KillNode(n); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("killed nodes %v at once; heads of %v on them, of %v elsewhere", killed, lost, kept)
	took := harness.Eventually(t, leaderNodeMonitorGrace+brakeNodeLostGrace+time.Minute, "the brake holds every lost head",
		brakeHolding(e, lost, rayv1.ReasonZoneDisrupted))
	t.Logf("the brake held every lost head %s after the kill", took.Round(time.Millisecond))
	time.Sleep(brakeHoldFor)

	during := brakeCounts(t, e, keys)
	for _, k := range keys {
		if d := during[k].forceDeleted - before[k].forceDeleted; d != 0 {
			t.Errorf("%s: %d force-deletes during the disruption, want 0", k.Name, d)
		}
	}
	for _, k := range lost {
		head, err := simenv.HeadPod(context.Background(), e.cl, k)
		if err != nil || head == nil || head.UID != heads[k].UID {
			t.Errorf("%s: head on the lost node was replaced during the disruption (%v, %v)", k.Name, head, err)
		}
	}
	brakeWantEvents(t, e, lost, kept, before, during, raycluster.EventHeadReplacementHeldByFleetBrake)
	brakeWantMetric(t, metrics, raycluster.MetricFleetBrakeHeldClusters, "", len(lost))
	brakeWantMetric(t, metrics, raycluster.MetricFleetBrakeHolds, `{reason="ZoneDisrupted"}`, len(lost))
	t.Logf("kube-controller-manager tainted %d of the %d killed nodes NoExecute; zone states it logged: %s",
		brakeTainted(t, e, killed), len(killed), brakeZoneStates(t, e))

	for _, n := range killed {
		if err := e.sim.RestartNode(n); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range killed {
		harness.Eventually(t, time.Minute, "node "+n+" Ready again", simenv.NodeReady(e.cl, n))
		// The kubelet's part kwok lacks: Running pods Ready again.
		if _, err := e.sim.ResyncPods(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	back := harness.Eventually(t, 3*time.Minute, "every cluster converged, the brake released",
		func(ctx context.Context) (bool, string, error) {
			if ok, why, err := simenv.AllConverged(e.cl, keys, e.checkOperatorAlive)(ctx); !ok || err != nil {
				return false, why, err
			}
			return brakeHolding(e, keys, "")(ctx)
		})
	t.Logf("nodes Ready; every head Ready and the brake released %s later", back.Round(time.Millisecond))
	time.Sleep(5 * time.Second) // room for a wrong, late action before counting
	after := brakeCounts(t, e, keys)
	for _, k := range keys {
		want := 0
		if slices.Contains(lost, k) {
			want = 1
		}
		d := after[k].minus(before[k])
		if d.detected != want || d.forceDeleted != 0 || d.recoveries != want {
			t.Errorf("%s: detections +%d, force-deletes +%d, recoveries +%d; want +%d, +0, +%d", k.Name, d.detected, d.forceDeleted, d.recoveries, want, want)
		}
	}
	brakeWantEvents(t, e, lost, kept, before, after, raycluster.EventFleetBrakeReleased)
	brakeWantMetric(t, metrics, raycluster.MetricFleetBrakeHeldClusters, "", 0)
}

// brakeSingleNode loses one head's node: recovered as without the brake.
func brakeSingleNode(t *testing.T, e *procEnv, keys []types.NamespacedName, metrics string) {
	heads := brakeHeads(t, e, keys)
	node := heads[keys[0]].Spec.NodeName
	var lost []types.NamespacedName
	for _, k := range keys {
		if heads[k].Spec.NodeName == node {
			lost = append(lost, k)
		}
	}
	before := brakeCounts(t, e, keys)
	if err := e.sim.KillNode(node); err != nil {
		t.Fatal(err)
	}
	took := harness.Eventually(t, leaderNodeMonitorGrace+brakeNodeLostGrace+2*time.Minute, "new heads Ready for "+fmt.Sprint(lost),
		func(ctx context.Context) (bool, string, error) {
			for _, k := range lost {
				head, err := simenv.HeadPod(ctx, e.cl, k)
				if err != nil || head == nil || head.UID == heads[k].UID || !harness.PodReady(head) || head.DeletionTimestamp != nil {
					return false, k.Name + ": old head or none, or not Ready", err
				}
			}
			return simenv.AllConverged(e.cl, keys, e.checkOperatorAlive)(ctx)
		})
	t.Logf("one node (%s) lost: heads of %v Ready elsewhere %s later", node, lost, took.Round(time.Millisecond))
	time.Sleep(5 * time.Second)
	after := brakeCounts(t, e, keys)
	for _, k := range keys {
		want := 0
		if slices.Contains(lost, k) {
			want = 1
		}
		d := after[k].minus(before[k])
		if d.detected != want || d.forceDeleted != want || d.recoveries != want || d.held != 0 {
			t.Errorf("%s: detections +%d, force-deletes +%d, recoveries +%d, brake holds +%d; want +%d each and no hold",
				k.Name, d.detected, d.forceDeleted, d.recoveries, d.held, want)
		}
	}
	brakeWantMetric(t, metrics, raycluster.MetricFleetBrakeHeldClusters, "", 0)
	e.restartNode(t, node)
}

// brakeCreateCluster is procCreateCluster without workers and with one
// head per node (the scheduler would otherwise put every head on the
// same empty node), so the outage hits heads on several nodes and spares
// one.
func brakeCreateCluster(t *testing.T, e *procEnv, ns, name string) types.NamespacedName {
	t.Helper()
	rc := harness.NewRayCluster(ns, name, harness.ClusterOptions{RedisAddress: e.redis.Addr()})
	rc.Spec.HeadGroupSpec.Template.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			TopologyKey:   corev1.LabelHostname,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{raycluster.LabelNodeType: raycluster.NodeTypeHead}},
		}},
	}}
	if err := e.cl.Create(context.Background(), rc); err != nil {
		t.Fatalf("creating RayCluster %s/%s: %v", ns, name, err)
	}
	return types.NamespacedName{Namespace: ns, Name: name}
}

// brakeActions are procActions plus the brake's events.
type brakeActions struct {
	procActions
	held, released int
}

func (a brakeActions) minus(b brakeActions) brakeActions {
	return brakeActions{procActions{a.detected - b.detected, a.forceDeleted - b.forceDeleted, a.recoveries - b.recoveries},
		a.held - b.held, a.released - b.released}
}

func brakeCounts(t *testing.T, e *procEnv, keys []types.NamespacedName) map[types.NamespacedName]brakeActions {
	t.Helper()
	out := map[types.NamespacedName]brakeActions{}
	ctx := context.Background()
	for _, k := range keys {
		a := brakeActions{procActions: procCounts(t, e, k)}
		var err error
		if a.held, err = simenv.EventCount(ctx, e.cl, k, raycluster.EventHeadReplacementHeldByFleetBrake); err != nil {
			t.Fatal(err)
		}
		if a.released, err = simenv.EventCount(ctx, e.cl, k, raycluster.EventFleetBrakeReleased); err != nil {
			t.Fatal(err)
		}
		out[k] = a
	}
	return out
}

// brakeWantEvents checks exactly one brake event of reason per lost
// cluster and none on the others, between two counts.
func brakeWantEvents(t *testing.T, e *procEnv, lost, kept []types.NamespacedName, before, after map[types.NamespacedName]brakeActions, reason string) {
	t.Helper()
	pick := func(a brakeActions) int {
		if reason == raycluster.EventFleetBrakeReleased {
			return a.released
		}
		return a.held
	}
	for _, k := range lost {
		if d := pick(after[k]) - pick(before[k]); d != 1 {
			t.Errorf("%s: %d %s events, want 1", k.Name, d, reason)
		}
	}
	for _, k := range kept {
		if d := pick(after[k]) - pick(before[k]); d != 0 {
			t.Errorf("%s (head on a live node): %d %s events, want 0", k.Name, d, reason)
		}
	}
}

// brakeHeads reads every cluster's head pod.
func brakeHeads(t *testing.T, e *procEnv, keys []types.NamespacedName) map[types.NamespacedName]*corev1.Pod {
	t.Helper()
	out := map[types.NamespacedName]*corev1.Pod{}
	for _, k := range keys {
		head, err := simenv.HeadPod(context.Background(), e.cl, k)
		if err != nil || head == nil || head.Spec.NodeName == "" {
			t.Fatalf("head of %s: %v %v", k, head, err)
		}
		out[k] = head
	}
	return out
}

// brakeVictims picks the nodes to kill: the head nodes first but one
// (when heads are on several nodes, so a head on a live node shows the
// brake leaves it alone), then head-less nodes.
func brakeVictims(nodes []string, heads map[types.NamespacedName]*corev1.Pod) []string {
	var withHead []string
	for _, h := range heads {
		if !slices.Contains(withHead, h.Spec.NodeName) {
			withHead = append(withHead, h.Spec.NodeName)
		}
	}
	slices.Sort(withHead)
	if len(withHead) > 1 {
		withHead = withHead[:len(withHead)-1]
	}
	victims := slices.Clone(withHead[:min(len(withHead), brakeKilled)])
	for _, n := range nodes {
		if len(victims) < brakeKilled && !slices.Contains(victims, n) && !brakeHasHead(heads, n) {
			victims = append(victims, n)
		}
	}
	return victims
}

func brakeHasHead(heads map[types.NamespacedName]*corev1.Pod, node string) bool {
	for _, h := range heads {
		if h.Spec.NodeName == node {
			return true
		}
	}
	return false
}

// brakeHolding is a harness.Eventually condition: every given cluster has
// the FleetBrake condition with reason (reason "": none has it).
func brakeHolding(e *procEnv, keys []types.NamespacedName, reason string) func(context.Context) (bool, string, error) {
	return func(ctx context.Context) (bool, string, error) {
		for _, k := range keys {
			rc := &rayv1.RayCluster{}
			if err := e.cl.Get(ctx, k, rc); err != nil {
				return false, "", err
			}
			c := meta.FindStatusCondition(rc.Status.Conditions, string(rayv1.FleetBrake))
			switch {
			case reason == "" && c != nil:
				return false, fmt.Sprintf("%s: FleetBrake still there: %s", k.Name, c.Message), nil
			case reason != "" && (c == nil || c.Status != metav1.ConditionTrue || c.Reason != reason):
				return false, fmt.Sprintf("%s: FleetBrake %+v; %s", k.Name, c, harness.ConditionSummary(rc)), nil
			}
		}
		return true, "", nil
	}
}

// brakeTainted counts the nodes the node lifecycle controller tainted
// NoExecute (it stops doing so in a disrupted zone).
func brakeTainted(t *testing.T, e *procEnv, nodes []string) int {
	t.Helper()
	n := 0
	for _, name := range nodes {
		node := &corev1.Node{}
		if err := e.cl.Get(context.Background(), types.NamespacedName{Name: name}, node); err != nil {
			t.Fatal(err)
		}
		for _, taint := range node.Spec.Taints {
			if taint.Effect == corev1.TaintEffectNoExecute {
				n++
				break
			}
		}
	}
	return n
}

// brakeZoneStates lists the zone state changes kube-controller-manager
// logged ("none" when it logged none).
func brakeZoneStates(t *testing.T, e *procEnv) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.sim.Dir(), "logs", "kube-controller-manager.log"))
	if err != nil {
		t.Fatalf("reading kube-controller-manager's log: %v", err)
	}
	var states []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "Disruption") && strings.Contains(line, "zone") {
			if i := strings.Index(line, "] "); i >= 0 {
				line = line[i+2:]
			}
			states = append(states, line)
		}
	}
	if len(states) == 0 {
		return "none"
	}
	return strings.Join(states, "; ")
}

// brakeWantMetric scrapes the operator's /metrics and checks one series
// (a series never set counts as 0).
func brakeWantMetric(t *testing.T, addr, name, labels string, want int) {
	t.Helper()
	got, err := brakeScrape(addr, name+labels)
	if err != nil {
		t.Fatal(err)
	}
	if got != float64(want) {
		t.Errorf("%s%s = %v, want %d", name, labels, got, want)
	}
}

func brakeScrape(addr, series string) (float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("scraping the operator's metrics: %w", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, sc.Err()
}

// TestFleetBrakeTwoOfThree loses 2 of 3 nodes at once, the heads among
// them: not a disrupted zone for the node lifecycle controller (it needs
// more than 2 NotReady nodes), which taints and evicts both, nor for the
// brake, which holds nothing: every head is force-deleted once and
// recovered on the node left.
func TestFleetBrakeTwoOfThree(t *testing.T) {
	e := procStartSim(t, simcluster.Options{Nodes: 3, NodeMonitorGracePeriod: leaderNodeMonitorGrace},
		"--head-node-lost-grace="+brakeNodeLostGrace.String(), "--head-stuck-terminating-grace="+brakeStuckGrace.String(),
		"--fleet-brake-release-delay="+brakeReleaseDelay.String())
	ns := e.namespace("brake3")
	e.restartOperator()
	keys := []types.NamespacedName{e.procCreateCluster(ns, "brake-0", 0), e.procCreateCluster(ns, "brake-1", 0)}
	harness.Eventually(t, 3*time.Minute, "clusters converged", simenv.AllConverged(e.cl, keys, e.checkOperatorAlive))
	watch := procWatchHeads(e.cl, time.Second)
	heads := brakeHeads(t, e, keys)
	var killed []string
	for _, k := range keys {
		if n := heads[k].Spec.NodeName; !slices.Contains(killed, n) {
			killed = append(killed, n)
		}
	}
	for _, n := range e.sim.NodeNames() {
		if len(killed) < 2 && !slices.Contains(killed, n) {
			killed = append(killed, n)
		}
	}
	before := brakeCounts(t, e, keys)
	for _, n := range killed {
		if err := e.sim.KillNode(n); err != nil {
			t.Fatal(err)
		}
	}
	took := harness.Eventually(t, leaderNodeMonitorGrace+brakeNodeLostGrace+2*time.Minute, "new heads Ready on the node left",
		func(ctx context.Context) (bool, string, error) {
			for _, k := range keys {
				head, err := simenv.HeadPod(ctx, e.cl, k)
				if err != nil || head == nil || head.UID == heads[k].UID || !harness.PodReady(head) || head.DeletionTimestamp != nil {
					return false, k.Name + ": old head or none, or not Ready", err
				}
			}
			return simenv.AllConverged(e.cl, keys, e.checkOperatorAlive)(ctx)
		})
	t.Logf("killed %v at once; every head Ready on the node left %s later; kube-controller-manager tainted %d of them NoExecute; zone states it logged: %s",
		killed, took.Round(time.Millisecond), brakeTainted(t, e, killed), brakeZoneStates(t, e))
	time.Sleep(5 * time.Second)
	after := brakeCounts(t, e, keys)
	for _, k := range keys {
		d := after[k].minus(before[k])
		if d.detected != 1 || d.forceDeleted != 1 || d.recoveries != 1 || d.held != 0 {
			t.Errorf("%s: detections +%d, force-deletes +%d, recoveries +%d, brake holds +%d; want +1 each and no hold",
				k.Name, d.detected, d.forceDeleted, d.recoveries, d.held)
		}
	}
	checks, _, violations := watch.stop()
	for _, v := range violations {
		t.Errorf("two heads: %s", v)
	}
	t.Logf("%d head checks, %d with two heads on healthy nodes", checks, len(violations))
	for _, n := range killed {
		e.restartNode(t, n)
	}
}
