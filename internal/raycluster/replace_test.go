/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// TestReplaceHead runs each delete against a real API server. envtest has no
// kubelet, which is exactly a lost node: a normal delete of a bound pod
// leaves it Terminating, and only a force-delete removes it.
func TestReplaceHead(t *testing.T) {
	_, cfg := testbin.StartEnvtest(t, testbin.EnvtestOptions{})
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// decisionFor observes the head pod as it is now and decides act on it.
	decisionFor := func(t *testing.T, ns string, act Action) Decision {
		var p corev1.Pod
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rc-head-0"}, &p); err != nil {
			t.Fatal(err)
		}
		return Decision{Action: act, Verdict: VerdictReplace, Reason: ReasonNodeUnreachable,
			Pod: PodRef{Name: p.Name, UID: p.UID, ResourceVersion: p.ResourceVersion}}
	}
	tests := map[string]struct {
		// setup creates the head pod and returns the decision to carry out.
		setup   func(t *testing.T, ns string) Decision
		outcome ReplaceOutcome
		errMsg  string
		// head is the head pod's expected state afterwards: "gone",
		// "terminating" or "untouched".
		head string
	}{
		"normal delete leaves a bound pod Terminating for its kubelet": {
			setup: func(t *testing.T, ns string) Decision {
				mustCreate(ctx, t, c, rayPod(ns, "rc-head-0", "rc", NodeTypeHead, "node-a"))
				return decisionFor(t, ns, ActionDeletePod)
			},
			outcome: OutcomeDeleted, head: "terminating",
		},
		"force-delete removes a pod on a lost node at once": {
			setup: func(t *testing.T, ns string) Decision {
				mustCreate(ctx, t, c, rayPod(ns, "rc-head-0", "rc", NodeTypeHead, "node-a"))
				return decisionFor(t, ns, ActionForceDeletePod)
			},
			outcome: OutcomeDeleted, head: "gone",
		},
		"force-delete removes a pod stuck Terminating": {
			setup: func(t *testing.T, ns string) Decision {
				mustCreate(ctx, t, c, rayPod(ns, "rc-head-0", "rc", NodeTypeHead, "node-a"))
				if err := c.Delete(ctx, rayPod(ns, "rc-head-0", "", "", "")); err != nil {
					t.Fatal(err)
				}
				return decisionFor(t, ns, ActionForceDeletePod)
			},
			outcome: OutcomeDeleted, head: "gone",
		},
		"a new pod that took the name is not hit": {
			setup: func(t *testing.T, ns string) Decision {
				mustCreate(ctx, t, c, rayPod(ns, "rc-head-0", "rc", NodeTypeHead, "node-a"))
				d := decisionFor(t, ns, ActionForceDeletePod)
				if err := c.Delete(ctx, rayPod(ns, "rc-head-0", "", "", ""), client.GracePeriodSeconds(0)); err != nil {
					t.Fatal(err)
				}
				mustCreate(ctx, t, c, rayPod(ns, "rc-head-0", "rc", NodeTypeHead, "node-b"))
				return d
			},
			outcome: OutcomePodChanged, head: "untouched",
		},
		"a pod updated since it was observed is not hit": {
			setup: func(t *testing.T, ns string) Decision {
				mustCreate(ctx, t, c, rayPod(ns, "rc-head-0", "rc", NodeTypeHead, "node-a"))
				d := decisionFor(t, ns, ActionForceDeletePod)
				var p corev1.Pod
				if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rc-head-0"}, &p); err != nil {
					t.Fatal(err)
				}
				p.Labels["changed"] = "yes"
				if err := c.Update(ctx, &p); err != nil {
					t.Fatal(err)
				}
				return d
			},
			outcome: OutcomePodChanged, head: "untouched",
		},
		"a pod already gone": {
			setup: func(t *testing.T, ns string) Decision {
				return Decision{Action: ActionForceDeletePod, Pod: PodRef{Name: "rc-head-0", UID: "gone-uid"}}
			},
			outcome: OutcomeAlreadyGone, head: "gone",
		},
		"an observation is refused": {
			setup: func(t *testing.T, ns string) Decision {
				mustCreate(ctx, t, c, rayPod(ns, "rc-head-0", "rc", NodeTypeHead, "node-a"))
				d := decisionFor(t, ns, ActionObserve)
				d.Verdict = VerdictBackoff
				return d
			},
			errMsg: "decision Observe (ReplacementBackoff) is not a delete", head: "untouched",
		},
		"a delete without a UID is refused": {
			setup: func(t *testing.T, ns string) Decision {
				mustCreate(ctx, t, c, rayPod(ns, "rc-head-0", "rc", NodeTypeHead, "node-a"))
				return Decision{Action: ActionForceDeletePod, Pod: PodRef{Name: "rc-head-0"}}
			},
			errMsg: "without a UID precondition", head: "untouched",
		},
	}
	i := 0
	for name, tc := range tests {
		i++
		ns := fmt.Sprintf("replace-%d", i)
		t.Run(name, func(t *testing.T) {
			mustCreate(ctx, t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
			mustCreate(ctx, t, c, rayPod(ns, "rc-w-1", "rc", NodeTypeWork, "node-a"))
			d := tc.setup(t, ns)

			got, err := ReplaceHead(ctx, c, ns, d)
			if tc.errMsg != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errMsg) {
					t.Fatalf("error %v, want one containing %q", err, tc.errMsg)
				}
			} else if err != nil || got != tc.outcome {
				t.Fatalf("ReplaceHead = %q, %v; want %q", got, err, tc.outcome)
			}
			checkHeadAfter(ctx, t, c, ns, tc.head)
			checkUntouched(ctx, t, c, ns, "rc-w-1")
		})
	}
}

func checkHeadAfter(ctx context.Context, t *testing.T, c client.Client, ns, want string) {
	t.Helper()
	var p corev1.Pod
	err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rc-head-0"}, &p)
	switch {
	case want == "gone":
		if !apierrors.IsNotFound(err) {
			t.Errorf("head pod: %v (deletionTimestamp %v), want it gone", err, p.DeletionTimestamp)
		}
	case err != nil:
		t.Fatalf("head pod: %v, want it %s", err, want)
	case want == "terminating":
		if p.DeletionTimestamp == nil || p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 30 {
			t.Errorf("head pod deletionTimestamp %v grace %v, want Terminating with the pod's 30 s grace", p.DeletionTimestamp, p.DeletionGracePeriodSeconds)
		}
	case want == "untouched":
		checkUntouched(ctx, t, c, ns, "rc-head-0")
	}
}

// checkUntouched asserts the pod exists and is not being deleted.
func checkUntouched(ctx context.Context, t *testing.T, c client.Client, ns, name string) {
	t.Helper()
	var p corev1.Pod
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &p); err != nil {
		t.Fatalf("pod %s: %v", name, err)
	}
	if p.DeletionTimestamp != nil {
		t.Errorf("pod %s is being deleted, want it untouched", name)
	}
}

// TestHeadRecoveryChain runs observe, decide and act together on real
// objects: the head's node reports Ready Unknown for a given time, and the
// head pod is force-deleted only once the node-lost grace has elapsed.
func TestHeadRecoveryChain(t *testing.T) {
	_, cfg := testbin.StartEnvtest(t, testbin.EnvtestOptions{})
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := metav1.Now().Rfc3339Copy().Time

	tests := map[string]struct {
		ready   corev1.ConditionStatus
		lostFor int // seconds since the node's Ready condition changed
		// want
		verdict Verdict
		action  Action
		head    string
	}{
		"healthy node: nothing to do":     {ready: corev1.ConditionTrue, lostFor: 600, verdict: VerdictHealthy, action: ActionNone, head: "untouched"},
		"node lost within the grace":      {ready: corev1.ConditionUnknown, lostFor: 10, verdict: VerdictObserve, action: ActionObserve, head: "untouched"},
		"node lost beyond the grace":      {ready: corev1.ConditionUnknown, lostFor: 31, verdict: VerdictReplace, action: ActionForceDeletePod, head: "gone"},
		"kubelet reports NotReady beyond": {ready: corev1.ConditionFalse, lostFor: 45, verdict: VerdictReplace, action: ActionForceDeletePod, head: "gone"},
	}
	i := 0
	for name, tc := range tests {
		i++
		ns, nodeName := fmt.Sprintf("chain-%d", i), fmt.Sprintf("chain-node-%d", i)
		t.Run(name, func(t *testing.T) {
			mustCreate(ctx, t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
			node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: nodeName}}
			mustCreate(ctx, t, c, node)
			node.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: tc.ready,
				LastHeartbeatTime: metav1.NewTime(now.Add(-secs(tc.lostFor))), LastTransitionTime: metav1.NewTime(now.Add(-secs(tc.lostFor)))}}
			if err := c.Status().Update(ctx, node); err != nil {
				t.Fatal(err)
			}
			head := rayPod(ns, "rc-head-0", "rc", NodeTypeHead, nodeName)
			mustCreate(ctx, t, c, head)
			head.Status = corev1.PodStatus{Phase: corev1.PodRunning,
				Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(now.Add(-time.Hour))}},
				ContainerStatuses: []corev1.ContainerStatus{{Name: "ray", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(now.Add(-time.Hour))}}}}}
			if err := c.Status().Update(ctx, head); err != nil {
				t.Fatal(err)
			}
			mustCreate(ctx, t, c, rayPod(ns, "rc-w-1", "rc", NodeTypeWork, nodeName))

			s, err := GatherScope(ctx, c, ClusterFacts{Name: "rc", Namespace: ns}, DefaultPolicy(), now)
			if err != nil {
				t.Fatal(err)
			}
			d := Decide(ClassifyHead(s.HeadInput(false), s.Now), ReplacementHistory{}, s.Policy, s.Now)
			if d.Verdict != tc.verdict || d.Action != tc.action {
				t.Fatalf("decision %s/%s (%s), want %s/%s", d.Verdict, d.Action, d.Message, tc.verdict, tc.action)
			}
			if isDelete(d.Action) {
				if out, err := ReplaceHead(ctx, c, ns, d); err != nil || out != OutcomeDeleted {
					t.Fatalf("ReplaceHead = %q, %v", out, err)
				}
			}
			checkHeadAfter(ctx, t, c, ns, tc.head)
			checkUntouched(ctx, t, c, ns, "rc-w-1")
		})
	}
}
