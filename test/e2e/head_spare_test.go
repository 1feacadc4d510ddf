/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// The full-cluster layout of the warm-spare tests: three nodes of 4 CPUs;
// the head and every other pod here ask for 3, so each node holds one. The
// workers fill sim-node-3 (the head keeps off it), the head takes one of
// the two others and the spare (or, without one, a plain pod of the same
// size) the last. Killing the head's node then leaves no free node.
const (
	spareNodeCPU  = "4"
	sparePodCPU   = "3"
	spareFullNode = "sim-node-3"
	// spareSettle is how long the head must stay Pending without a spare:
	// well past the moment the spare's head was Running.
	spareSettle = 15 * time.Second
)

// spareProfile is the timing a warm-spare test runs with.
type spareProfile struct {
	production bool
	// lossTimeout bounds the wait from the kill to the force-delete and
	// to the new head: node-monitor grace + node-lost grace + slack.
	lossTimeout time.Duration
}

// spareProfiles: the simulated cluster's short timings (5 s node-monitor
// grace, the tests' 3 s node-lost grace) and Kubernetes' defaults (50 s
// grace, 5 s period, 40 s kubelet lease; the operator's default 30 s
// node-lost grace).
var spareProfiles = map[string]spareProfile{
	"simulated timings":  {lossTimeout: recoveryTimeout},
	"production timings": {production: true, lossTimeout: 150 * time.Second},
}

func (p spareProfile) annotations(extra map[string]string) map[string]string {
	if !p.production {
		return fastBounds(extra)
	}
	return extra
}

func spareEnv(t *testing.T, p spareProfile) *Env {
	return Start(t, Options{Nodes: 3, ProductionTimings: p.production, NodeCapacity: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse(spareNodeCPU), corev1.ResourceMemory: resource.MustParse("16Gi"),
		corev1.ResourcePods: resource.MustParse("110")}})
}

// fullCluster is a RayCluster whose head and one worker each ask for 3 CPUs.
func fullCluster(ns string, annotations map[string]string) *rayv1.RayCluster {
	rc := harness.NewRayCluster(ns, "rc", harness.ClusterOptions{Workers: 1, AvoidNode: spareFullNode, WorkerNode: spareFullNode,
		Annotations: annotations})
	cpu := corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(sparePodCPU)}}
	rc.Spec.HeadGroupSpec.Template.Spec.Containers[0].Resources = cpu
	rc.Spec.WorkerGroupSpecs[0].Template.Spec.Containers[0].Resources = cpu
	return rc
}

// TestHeadNodeLostFullClusterNoSpare: without a spare, the head of a full
// cluster whose node is lost is force-deleted once and its replacement
// stays Pending: no node has room (an autoscaler would have to add one,
// and the new node would pull the image cold).
func TestHeadNodeLostFullClusterNoSpare(t *testing.T) {
	for name, p := range spareProfiles {
		t.Run(name, func(t *testing.T) { headNodeLostNoSpare(t, p) })
	}
}

func headNodeLostNoSpare(t *testing.T, prof spareProfile) {
	env := spareEnv(t, prof)
	ns := env.Namespace(t, "no-spare")
	env.Create(t, fullCluster(ns, prof.annotations(nil)))
	old := env.WaitReady(t, ns, "rc", readyTimeout)
	filler := fillNode(t, env, ns, otherNode(t, env, old.Spec.NodeName))

	if err := env.Cluster.KillNode(old.Spec.NodeName); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	harness.Eventually(t, prof.lossTimeout, "the head force-deleted", func(context.Context) (bool, string, error) {
		got := env.EventReasons(t, ns, "rc")
		return countString(got, raycluster.EventHeadForceDeleted) == 1, fmt.Sprintf("events %v", got), nil
	})
	t.Logf("head force-deleted %s after the kill", time.Since(killed).Round(time.Second))
	var head *corev1.Pod
	harness.Eventually(t, recoveryTimeout, "a new head pod, unschedulable", func(context.Context) (bool, string, error) {
		head = env.HeadPod(t, ns, "rc")
		return head != nil && head.UID != old.UID && unschedulable(head), fmt.Sprintf("head %v", podSummary(head)), nil
	})
	for end := time.Now().Add(spareSettle); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		p := env.HeadPod(t, ns, "rc")
		if p == nil || p.UID != head.UID || p.Spec.NodeName != "" {
			t.Fatalf("the new head was placed or replaced without a free node: %s", podSummary(p))
		}
	}
	rc := env.RayCluster(t, ns, "rc")
	if !harness.ConditionIs(rc, rayv1.HeadRecovering, metav1.ConditionTrue) || rc.Status.Recovery.Count != 0 {
		t.Errorf("want a recovery under way, none completed: %s, recovery %+v", harness.ConditionSummary(rc), rc.Status.Recovery)
	}
	expectEvents(t, env, ns, raycluster.EventHeadForceDeleted, 1)
	if got := preemptions(t, env, ns); len(got) != 0 {
		t.Errorf("preemptions %v, want none (the filler has the head's priority)", got)
	}
	if p := podNamed(t, env, ns, filler); p == nil || p.DeletionTimestamp != nil {
		t.Errorf("the filler pod was removed")
	}
	if c := harness.FindCondition(rc, rayv1.HeadSpare); c != nil {
		t.Errorf("HeadSpare on a cluster that did not opt in: %+v", c)
	}
}

// TestHeadNodeLostFullClusterWithSpare: with a spare, the same loss ends
// with the new head Running on the spare's node (its placeholder
// preempted, exactly once), one force-delete and one recovery; a new spare
// is made at once, Pending while no node has room, and placed on the node
// added afterwards.
func TestHeadNodeLostFullClusterWithSpare(t *testing.T) {
	for name, p := range spareProfiles {
		t.Run(name, func(t *testing.T) { headNodeLostWithSpare(t, p) })
	}
}

func headNodeLostWithSpare(t *testing.T, prof spareProfile) {
	env := spareEnv(t, prof)
	ns := env.Namespace(t, "spare")
	env.Create(t, fullCluster(ns, prof.annotations(map[string]string{raycluster.AnnotationHeadSpare: raycluster.HeadSpareEnabled})))
	old := env.WaitReady(t, ns, "rc", readyTimeout)
	spare := waitSpare(t, env, ns, rayv1.ReasonHeadSpareReady, "")
	if spare.Spec.NodeName == old.Spec.NodeName || spare.Spec.NodeName == spareFullNode {
		t.Fatalf("spare on %s, head on %s: want the free node", spare.Spec.NodeName, old.Spec.NodeName)
	}

	if err := env.Cluster.KillNode(old.Spec.NodeName); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	fresh, took := env.WaitNewHeadReady(t, ns, "rc", old.UID, prof.lossTimeout)
	t.Logf("node %s killed -> new head Ready on %s after %s", old.Spec.NodeName, fresh.Spec.NodeName, took.Round(time.Millisecond))
	readyAt := time.Now()
	if forced := forceDeleteTime(t, env, ns); !forced.IsZero() {
		t.Logf("new head Ready %s after the force-delete event (50 ms polling)", readyAt.Sub(forced).Round(10*time.Millisecond))
	}
	if fresh.Spec.NodeName != spare.Spec.NodeName {
		t.Errorf("new head on %s, want the spare's node %s", fresh.Spec.NodeName, spare.Spec.NodeName)
	}
	rc := env.WaitRecoveryCount(t, ns, "rc", 1, recoveryTimeout)
	if rc.Status.Recovery.Count != 1 {
		t.Errorf("recoveries %d, want 1", rc.Status.Recovery.Count)
	}
	expectEvents(t, env, ns, raycluster.EventHeadForceDeleted, 1)
	if r := rc.Status.Recovery.LastFailureReason; r != rayv1.HeadFailureNodeUnreachable && r != rayv1.HeadFailureNodeNotReady {
		t.Errorf("failure reason %s, want a lost node", r)
	}
	t.Logf("recovery %s by status, %s by the test's clock since the kill", rc.Status.Recovery.LastRecoveryDuration.Duration, time.Since(killed).Round(time.Millisecond))
	if got := preemptions(t, env, ns); !slices.Equal(got, []string{spare.Name}) {
		t.Errorf("preempted pods %v, want exactly the spare %s", got, spare.Name)
	}

	// The new spare: made at once, Pending while the cluster is full.
	next := waitSpare(t, env, ns, rayv1.ReasonHeadSparePending, spare.Name)
	if next.Spec.NodeName != "" {
		t.Errorf("new spare placed on %s in a full cluster", next.Spec.NodeName)
	}
	added, err := env.Cluster.AddNode(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	placed := waitSpare(t, env, ns, rayv1.ReasonHeadSpareReady, spare.Name)
	if placed.UID != next.UID || placed.Spec.NodeName != added {
		t.Errorf("spare %s on %s, want %s on the added node %s", placed.Name, placed.Spec.NodeName, next.Name, added)
	}
	if got := sparePods(t, env, ns); len(got) != 1 {
		t.Errorf("%d spare pods, want 1", len(got))
	}
	expectEvents(t, env, ns, raycluster.EventHeadForceDeleted, 1)
}

// waitSpare waits for HeadSpare with reason and one live spare pod other
// than notName, and returns that pod.
func waitSpare(t *testing.T, env *Env, ns, reason, notName string) *corev1.Pod {
	t.Helper()
	var spare *corev1.Pod
	harness.Eventually(t, 60*time.Second, "HeadSpare "+reason, func(context.Context) (bool, string, error) {
		rc := env.RayCluster(t, ns, "rc")
		c := harness.FindCondition(rc, rayv1.HeadSpare)
		pods := sparePods(t, env, ns)
		if c == nil || c.Reason != reason || len(pods) != 1 || pods[0].Name == notName {
			return false, fmt.Sprintf("%s; %d live spare pods", harness.ConditionSummary(rc), len(pods)), nil
		}
		spare = &pods[0]
		return true, "", nil
	})
	return spare
}

// sparePods lists the cluster's spare pods that are not being deleted.
func sparePods(t *testing.T, env *Env, ns string) []corev1.Pod {
	t.Helper()
	var list corev1.PodList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(ns),
		client.MatchingLabels{raycluster.LabelHeadSpareOf: "rc"}); err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(list.Items, func(p corev1.Pod) bool { return p.DeletionTimestamp != nil })
}

// preemptions names the pods the scheduler preempted in ns (its
// Preempted events), sorted.
func preemptions(t *testing.T, env *Env, ns string) []string {
	t.Helper()
	var list eventsv1.EventList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range list.Items {
		if ev.Reason == "Preempted" && ev.Regarding.Kind == "Pod" {
			out = append(out, ev.Regarding.Name)
		}
	}
	slices.Sort(out)
	return out
}

// forceDeleteTime is when the operator's HeadForceDeleted event was
// emitted (zero when there is none yet).
func forceDeleteTime(t *testing.T, env *Env, ns string) time.Time {
	t.Helper()
	var list eventsv1.EventList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, ev := range list.Items {
		if ev.Reason == raycluster.EventHeadForceDeleted {
			return ev.EventTime.Time
		}
	}
	return time.Time{}
}

// otherNode is the node that is neither the head's nor the workers'.
func otherNode(t *testing.T, env *Env, head string) string {
	t.Helper()
	for _, n := range env.Cluster.NodeNames() {
		if n != head && n != spareFullNode {
			return n
		}
	}
	t.Fatalf("no third node")
	return ""
}

// fillNode takes the free node with a plain pod of the head's size and the
// head's priority, as any other workload would, and waits for it to run.
func fillNode(t *testing.T, env *Env, ns, node string) string {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "filler"}, Spec: corev1.PodSpec{
		NodeSelector:                  map[string]string{corev1.LabelHostname: node},
		TerminationGracePeriodSeconds: ptr.To[int64](0),
		Containers: []corev1.Container{{Name: "filler", Image: "busybox", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(sparePodCPU)}}}},
	}}
	if err := env.Client.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 30*time.Second, "the filler pod running on "+node, func(context.Context) (bool, string, error) {
		got := podNamed(t, env, ns, p.Name)
		return got != nil && got.Status.Phase == corev1.PodRunning, fmt.Sprintf("filler %s", podSummary(got)), nil
	})
	return p.Name
}

func podNamed(t *testing.T, env *Env, ns, name string) *corev1.Pod {
	t.Helper()
	p := &corev1.Pod{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, p); err != nil {
		return nil
	}
	return p
}

func unschedulable(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return true
		}
	}
	return false
}

func podSummary(p *corev1.Pod) string {
	if p == nil {
		return "none"
	}
	s := string(p.UID) + " phase " + string(p.Status.Phase) + " node " + p.Spec.NodeName
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled {
			s += " scheduled " + string(c.Status) + " " + c.Message
		}
	}
	return s
}
