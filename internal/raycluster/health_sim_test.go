/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// TestNodeLostOnSimulatedCluster loses the head's node for real (its kwok
// process is killed, the node lifecycle controller marks it Unknown and
// evicts the pod, which then stays Terminating) and runs observe, decide and
// act in a loop as the hook will. It checks that the head pod is
// force-deleted exactly once and not before the grace, that the StatefulSet
// then starts a new head on a healthy node, that the workers keep their
// pods, and that at no moment two heads run on Ready nodes.
func TestNodeLostOnSimulatedCluster(t *testing.T) {
	c := simcluster.StartForTest(t, simcluster.Options{Nodes: 3})
	cl := c.Client()
	ctx := context.Background()
	const ns, victim, workerNode = "nodelost", "sim-node-1", "sim-node-3"
	policy := DefaultPolicy()
	policy.NodeLostGrace = 3 * time.Second

	mustCreate(ctx, t, cl, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	mustCreate(ctx, t, cl, simHeadStatefulSet(ns, victim, workerNode))
	mustCreate(ctx, t, cl, simWorkers(ns, workerNode))
	old := waitHeadReady(ctx, t, cl, ns, "", 60*time.Second)
	if old.Spec.NodeName != victim {
		t.Fatalf("head started on %s, want %s (preferred)", old.Spec.NodeName, victim)
	}
	// The head can be Ready before the worker ReplicaSet's pods exist.
	workers := waitWorkers(ctx, t, cl, ns, 60*time.Second)

	// Steady state: nothing to do.
	if d := decideOnce(ctx, t, cl, ns, policy, ReplacementHistory{}); d.Verdict != VerdictHealthy {
		t.Fatalf("before the loss: %s %s", d.Verdict, d.Message)
	}

	killed := time.Now()
	if err := c.KillNode(victim); err != nil {
		t.Fatal(err)
	}
	replacedAt, hist := operateUntilReplaced(ctx, t, cl, ns, policy, 60*time.Second)
	fresh := waitHeadReady(ctx, t, cl, ns, old.UID, 60*time.Second)
	t.Logf("node killed -> head force-deleted after %s -> new head Ready on %s, at most %s after the kill",
		replacedAt.Sub(killed).Round(time.Millisecond), fresh.Spec.NodeName, time.Since(killed).Round(time.Millisecond))

	if fresh.Spec.NodeName == victim {
		t.Errorf("new head on the lost node %s", victim)
	}
	if hist.Count != 1 {
		t.Errorf("%d replacements, want exactly 1", hist.Count)
	}
	if got := liveWorkerUIDs(ctx, t, cl, ns); fmt.Sprint(got) != fmt.Sprint(workers) {
		t.Errorf("worker pods changed: %v, want %v", got, workers)
	}
	if d := decideOnce(ctx, t, cl, ns, policy, hist); d.Verdict != VerdictHealthy {
		t.Errorf("after recovery: %s %s", d.Verdict, d.Message)
	}
}

// operateUntilReplaced plays the operator every 200 ms until it has deleted
// the head, then a little longer to catch a second delete.
func operateUntilReplaced(ctx context.Context, t *testing.T, cl client.Client, ns string, p Policy, timeout time.Duration) (time.Time, ReplacementHistory) {
	t.Helper()
	var hist ReplacementHistory
	var replacedAt time.Time
	for start := time.Now(); time.Since(start) < timeout; time.Sleep(200 * time.Millisecond) {
		checkAtMostOneLiveHead(ctx, t, cl, ns)
		now := time.Now()
		s, err := GatherScope(ctx, cl, ClusterFacts{Name: "rc", Namespace: ns}, p, now)
		if err != nil {
			t.Fatal(err)
		}
		h := ClassifyHead(s.HeadInput(false), now)
		d := Decide(h, hist, s.Policy, now)
		if isDelete(d.Action) {
			if h.State != HeadNodeLost || now.Sub(h.Since) < p.NodeLostGrace {
				t.Fatalf("delete decided too early or for the wrong state: %s %s since %s", h.State, h.Reason, h.Since)
			}
			out, err := ReplaceHead(ctx, cl, ns, d)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s %s: %s (%s)", d.Action, d.Pod.Name, out, d.Message)
			if out == OutcomeDeleted {
				hist, replacedAt = hist.Record(p, now), now
			}
		}
		if !replacedAt.IsZero() && time.Since(replacedAt) > 3*time.Second {
			return replacedAt, hist
		}
	}
	t.Fatalf("head not replaced within %s", timeout)
	return time.Time{}, hist
}

func decideOnce(ctx context.Context, t *testing.T, cl client.Client, ns string, p Policy, hist ReplacementHistory) Decision {
	t.Helper()
	now := time.Now()
	s, err := GatherScope(ctx, cl, ClusterFacts{Name: "rc", Namespace: ns}, p, now)
	if err != nil {
		t.Fatal(err)
	}
	return Decide(ClassifyHead(s.HeadInput(false), now), hist, s.Policy, now)
}

// checkAtMostOneLiveHead fails when two head pods that are not being
// deleted sit on Ready nodes.
func checkAtMostOneLiveHead(ctx context.Context, t *testing.T, cl client.Client, ns string) {
	t.Helper()
	var pods corev1.PodList
	if err := cl.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{LabelNodeType: NodeTypeHead}); err != nil {
		t.Fatal(err)
	}
	live := 0
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.DeletionTimestamp != nil || p.Spec.NodeName == "" {
			continue
		}
		var node corev1.Node
		if err := cl.Get(ctx, types.NamespacedName{Name: p.Spec.NodeName}, &node); err != nil {
			t.Fatal(err)
		}
		if simcluster.NodeReady(&node) {
			live++
		}
	}
	if live > 1 {
		t.Fatalf("%d live heads on Ready nodes", live)
	}
}

// waitHeadReady waits for rc-head-0 Running and Ready with a UID other
// than notUID.
func waitHeadReady(ctx context.Context, t *testing.T, cl client.Client, ns string, notUID types.UID, timeout time.Duration) *corev1.Pod {
	t.Helper()
	var last string
	for start := time.Now(); time.Since(start) < timeout; time.Sleep(200 * time.Millisecond) {
		var p corev1.Pod
		err := cl.Get(ctx, types.NamespacedName{Namespace: ns, Name: HeadPodName("rc")}, &p)
		if client.IgnoreNotFound(err) != nil {
			t.Fatal(err)
		}
		if err == nil && p.UID != notUID && p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
			if c := podCondition(&p, corev1.PodReady); c != nil && c.Status == corev1.ConditionTrue {
				return &p
			}
		}
		last = fmt.Sprintf("%v phase=%s node=%s", err, p.Status.Phase, p.Spec.NodeName)
	}
	t.Fatalf("no Ready head within %s; last: %s", timeout, last)
	return nil
}

// waitWorkers waits for the two worker pods to exist and returns their UIDs.
func waitWorkers(ctx context.Context, t *testing.T, cl client.Client, ns string, timeout time.Duration) []types.UID {
	t.Helper()
	var uids []types.UID
	for start := time.Now(); time.Since(start) < timeout; time.Sleep(200 * time.Millisecond) {
		if uids = liveWorkerUIDs(ctx, t, cl, ns); len(uids) == 2 {
			return uids
		}
	}
	t.Fatalf("%d live workers after %s, want 2", len(uids), timeout)
	return nil
}

// liveWorkerUIDs lists the UIDs of the worker pods not being deleted.
func liveWorkerUIDs(ctx context.Context, t *testing.T, cl client.Client, ns string) []types.UID {
	t.Helper()
	var pods corev1.PodList
	if err := cl.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{LabelNodeType: NodeTypeWork}); err != nil {
		t.Fatal(err)
	}
	var uids []types.UID
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			uids = append(uids, p.UID)
		}
	}
	return uids
}

// simHeadStatefulSet is the shape the chart renders: a StatefulSet of one
// named <cluster>-head. It prefers the victim node and avoids the workers'
// node, so the test knows where the head starts and where it can go.
func simHeadStatefulSet(ns, preferred, avoid string) *appsv1.StatefulSet {
	labels := map[string]string{LabelCluster: "rc", LabelNodeType: NodeTypeHead}
	tmpl := simPodTemplate(labels)
	tmpl.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpNotIn, Values: []string{avoid}}}}}},
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{{Weight: 100, Preference: corev1.NodeSelectorTerm{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{preferred}}}}}},
	}}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "rc-head"},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1), ServiceName: "rc-head-svc",
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType},
			Selector:       &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
	}
}

func simWorkers(ns, node string) *appsv1.ReplicaSet {
	labels := map[string]string{LabelCluster: "rc", LabelNodeType: NodeTypeWork}
	tmpl := simPodTemplate(labels)
	tmpl.Spec.NodeSelector = map[string]string{corev1.LabelHostname: node}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "rc-workers"},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
	}
}

func simPodTemplate(labels map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "ray", Image: "simulated/ray:1"}}},
	}
}

// TestCrashLoopOnSimulatedCluster writes the head's status as a kubelet
// would (kwok leaves the pod alone) and runs the loop with the opt-in
// CrashLoop bound. No kubelet confirms deletions here, so the normal delete
// leaves the old head Terminating, and the loop must finish it with a
// force-delete once its deadline and the extra grace have passed. With Redis
// reported down, the same crash loop must not be touched.
func TestCrashLoopOnSimulatedCluster(t *testing.T) {
	c := simcluster.StartForTest(t, simcluster.Options{Nodes: 2, DisregardStatusSelector: true})
	cl := c.Client()
	ctx := context.Background()
	policy := DefaultPolicy()
	policy.CrashLoopReplaceAfter, policy.StuckTerminatingGrace, policy.BackoffBase = 2*time.Second, time.Second, time.Second

	tests := map[string]struct {
		redisDown bool
		// want: the actions taken, in order, and the verdicts seen
		actions []Action
		verdict Verdict
	}{
		"crash loop beyond the bound: delete, then force-delete the stuck pod": {
			actions: []Action{ActionDeletePod, ActionForceDeletePod}, verdict: VerdictReplace},
		"Redis down: the crash loop is left alone": {
			redisDown: true, verdict: VerdictRedisUnavailable},
	}
	i := 0
	for name, tc := range tests {
		i++
		ns := fmt.Sprintf("crashloop-%d", i)
		t.Run(name, func(t *testing.T) {
			mustCreate(ctx, t, cl, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
			sts := simHeadStatefulSet(ns, "sim-node-1", "none")
			sts.Spec.Template.Annotations = map[string]string{simcluster.DisregardStatusAnnotation: "true"}
			sts.Spec.Template.Spec.TerminationGracePeriodSeconds = ptr.To[int64](2)
			mustCreate(ctx, t, cl, sts)
			old := waitHeadBound(ctx, t, cl, ns, "")
			writeCrashLoopStatus(ctx, t, cl, old)

			actions, verdicts := operateFor(ctx, t, cl, ns, policy, tc.redisDown, 12*time.Second, len(tc.actions))
			if fmt.Sprint(actions) != fmt.Sprint(tc.actions) {
				t.Errorf("actions %v, want %v", actions, tc.actions)
			}
			if !verdicts[tc.verdict] {
				t.Errorf("verdicts seen %v, want %s among them", verdicts, tc.verdict)
			}
			if len(tc.actions) > 0 {
				waitHeadBound(ctx, t, cl, ns, old.UID)
			}
		})
	}
}

// operateFor runs the loop for at least d and returns the deletes it made
// and every verdict it reached. Until it has made want deletes it goes on
// for up to a minute (a loaded machine stretches every step), and after the
// last of them it runs 3 s more to catch one too many.
func operateFor(ctx context.Context, t *testing.T, cl client.Client, ns string, p Policy, redisDown bool, d time.Duration, want int) ([]Action, map[Verdict]bool) {
	t.Helper()
	var hist ReplacementHistory
	var actions []Action
	verdicts := map[Verdict]bool{}
	start := time.Now()
	end := start.Add(d)
	for ; time.Now().Before(end) || (len(actions) < want && time.Since(start) < time.Minute); time.Sleep(200 * time.Millisecond) {
		now := time.Now()
		s, err := GatherScope(ctx, cl, ClusterFacts{Name: "rc", Namespace: ns}, p, now)
		if err != nil {
			t.Fatal(err)
		}
		dec := Decide(ClassifyHead(s.HeadInput(redisDown), now), hist, s.Policy, now)
		verdicts[dec.Verdict] = true
		if !isDelete(dec.Action) {
			continue
		}
		out, err := ReplaceHead(ctx, cl, ns, dec)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s (%s)", dec.Action, out, dec.Message)
		if out == OutcomeDeleted {
			actions = append(actions, dec.Action)
			hist = hist.Record(p, now)
			if len(actions) == want {
				end = later(end, time.Now().Add(3*time.Second))
			}
		}
	}
	return actions, verdicts
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// writeCrashLoopStatus plays the kubelet: Running, not Ready since now, the
// Ray container in CrashLoopBackOff after three exits.
func writeCrashLoopStatus(ctx context.Context, t *testing.T, cl client.Client, pod *corev1.Pod) {
	t.Helper()
	now := metav1.Now()
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", LastTransitionTime: now},
		},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "ray", Image: "simulated/ray:1", RestartCount: 3,
			State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1, FinishedAt: now}},
		}},
	}
	if err := cl.Status().Update(ctx, pod); err != nil {
		t.Fatalf("writing the head's status: %v", err)
	}
}

// waitHeadBound waits for rc-head-0 bound to a node, with a UID other than
// notUID and no deletion pending.
func waitHeadBound(ctx context.Context, t *testing.T, cl client.Client, ns string, notUID types.UID) *corev1.Pod {
	t.Helper()
	for start := time.Now(); time.Since(start) < 60*time.Second; time.Sleep(200 * time.Millisecond) {
		var p corev1.Pod
		err := cl.Get(ctx, types.NamespacedName{Namespace: ns, Name: HeadPodName("rc")}, &p)
		if client.IgnoreNotFound(err) != nil {
			t.Fatal(err)
		}
		if err == nil && p.UID != notUID && p.DeletionTimestamp == nil && p.Spec.NodeName != "" {
			return &p
		}
	}
	t.Fatal("no bound head pod within 60s")
	return nil
}
