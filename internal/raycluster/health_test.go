/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestClassifyHead(t *testing.T) {
	crashLoopAfter := func(p *Policy) { p.CrashLoopReplaceAfter = secs(300) }
	notReadyAfter := func(p *Policy) { p.NotReadyReplaceAfter = secs(120) }

	tests := map[string]struct {
		pod    *corev1.Pod
		node   *corev1.Node
		policy func(*Policy)
		// want
		state   HeadState
		reason  Reason
		action  Action
		recheck time.Duration
		since   time.Time
		msg     string // a fragment the message must contain
	}{
		// Healthy and normal transitions.
		"healthy": {pod: headPod(), node: readyNode(),
			state: HeadHealthy, reason: ReasonHeadReady, action: ActionNone, msg: "is Ready"},
		"node Ready again despite a stale unreachable taint": {pod: headPod(), node: readyNode(taint(taintUnreachable, mtp(-50))),
			state: HeadHealthy, reason: ReasonHeadReady, action: ActionNone},
		"pending, not scheduled yet, no node to check": {pod: headPod(phase(corev1.PodPending), unbound(), noRayStatus()), node: nil,
			state: HeadStarting, reason: ReasonPodPending, action: ActionObserve},
		"pending, unschedulable": {pod: headPod(phase(corev1.PodPending), unbound(), unschedulable()),
			state: HeadStarting, reason: ReasonPodUnschedulable, action: ActionObserve, msg: "0/3 nodes"},
		"pending, init container creating": {pod: headPod(phase(corev1.PodPending), initWaiting("PodInitializing")), node: readyNode(),
			state: HeadStarting, reason: ReasonContainerCreating, action: ActionObserve},
		"pending, Ray container creating": {pod: headPod(phase(corev1.PodPending), rayWaiting("ContainerCreating")), node: readyNode(),
			state: HeadStarting, reason: ReasonContainerCreating, action: ActionObserve},
		"pending, image pull back-off": {pod: headPod(phase(corev1.PodPending), initWaiting("ImagePullBackOff")), node: readyNode(),
			state: HeadStarting, reason: ReasonContainerWaiting, action: ActionObserve, msg: "ImagePullBackOff"},
		"running, no Ray container status yet": {pod: headPod(noRayStatus(), notReady(-5)), node: readyNode(),
			state: HeadStarting, reason: ReasonContainerStarting, action: ActionObserve},
		"running, starting, never Ready": {pod: headPod(notReady(-30), rayRunningSince(-20)), node: readyNode(),
			state: HeadStarting, reason: ReasonContainerStarting, action: ActionObserve},
		"running, starting, not-Ready bound counts from container start": {pod: headPod(notReady(-30), rayRunningSince(-20)), node: readyNode(),
			policy: notReadyAfter, state: HeadStarting, reason: ReasonContainerStarting, action: ActionObserve, recheck: secs(100)},
		"running, no Ready condition at all": {pod: headPod(noConditions()), node: readyNode(),
			state: HeadStarting, reason: ReasonContainerStarting, action: ActionObserve},
		"terminating within its grace (rolling update)": {pod: headPod(deleting(-10, 30)), node: readyNode(),
			state: HeadTerminating, reason: ReasonPodTerminating, action: ActionObserve, recheck: secs(50), since: at(-10)},

		// Pod gone or terminal: the StatefulSet replaces it.
		"pod deleted / missing": {pod: nil,
			state: HeadMissing, reason: ReasonPodMissing, action: ActionObserve},
		"evicted": {pod: headPod(phase(corev1.PodFailed), statusReason("Evicted"), notReady(-3)), node: readyNode(),
			state: HeadFailed, reason: ReasonPodEvicted, action: ActionObserve, since: at(-3)},
		"failed": {pod: headPod(phase(corev1.PodFailed), notReady(-3)), node: readyNode(),
			state: HeadFailed, reason: ReasonPodFailed, action: ActionObserve, since: at(-3)},
		"succeeded (Ray exited 0)": {pod: headPod(phase(corev1.PodSucceeded), notReady(-3)), node: readyNode(),
			state: HeadFailed, reason: ReasonPodSucceeded, action: ActionObserve, since: at(-3)},
		"failed on a lost node: the API server deletes terminal pods at once": {pod: headPod(phase(corev1.PodFailed), notReady(-3)),
			node:  readyNode(nodeReady(corev1.ConditionUnknown, -600)),
			state: HeadFailed, reason: ReasonPodFailed, action: ActionObserve, since: at(-3)},

		// The Ray container exits.
		"container exited, restartPolicy Always: kubelet restarts it": {pod: headPod(rayTerminated(-2, 1), notReady(-2)), node: readyNode(),
			state: HeadContainerRestarting, reason: ReasonContainerRestarting, action: ActionObserve, since: at(-2), msg: "kubelet restarts it"},
		"container exited 0, restartPolicy Always": {pod: headPod(restartPolicy(corev1.RestartPolicyAlways), rayTerminated(-2, 0)), node: readyNode(),
			state: HeadContainerRestarting, reason: ReasonContainerRestarting, action: ActionObserve, since: at(-2)},
		"container exited, restartPolicy Never: delete the pod": {pod: headPod(restartPolicy(corev1.RestartPolicyNever), rayTerminated(-2, 1)), node: readyNode(),
			state: HeadFailed, reason: ReasonContainerTerminated, action: ActionDeletePod, since: at(-2), msg: "restartPolicy Never"},
		"container exited 0, restartPolicy OnFailure: not restarted": {pod: headPod(restartPolicy(corev1.RestartPolicyOnFailure), rayTerminated(-2, 0)), node: readyNode(),
			state: HeadFailed, reason: ReasonContainerTerminated, action: ActionDeletePod, since: at(-2)},
		"container exited 1, restartPolicy OnFailure: restarted": {pod: headPod(restartPolicy(corev1.RestartPolicyOnFailure), rayTerminated(-2, 1)), node: readyNode(),
			state: HeadContainerRestarting, reason: ReasonContainerRestarting, action: ActionObserve, since: at(-2)},
		"container being recreated after an exit": {pod: headPod(rayWaiting("ContainerCreating"), restarted(1, -4), notReady(-4)), node: readyNode(),
			state: HeadContainerRestarting, reason: ReasonContainerRestarting, action: ActionObserve, since: at(-4), msg: "OOMKilled"},
		"container restarted in place, not Ready yet": {pod: headPod(rayRunningSince(-3), restarted(1, -4), notReady(-4)), node: readyNode(),
			state: HeadContainerRestarting, reason: ReasonContainerRestarting, action: ActionObserve, since: at(-4)},

		// CrashLoopBackOff: opt-in bound.
		"crash loop, opt-in off": {pod: headPod(rayWaiting("CrashLoopBackOff"), restarted(6, -20), notReady(-400)), node: readyNode(),
			state: HeadCrashLoop, reason: ReasonCrashLoopBackOff, action: ActionObserve, since: at(-400), msg: "6 restarts"},
		"crash loop below the bound": {pod: headPod(rayWaiting("CrashLoopBackOff"), restarted(3, -20), notReady(-100)), node: readyNode(),
			policy: crashLoopAfter, state: HeadCrashLoop, reason: ReasonCrashLoopBackOff, action: ActionObserve, recheck: secs(200), since: at(-100)},
		"crash loop above the bound": {pod: headPod(rayWaiting("CrashLoopBackOff"), restarted(6, -20), notReady(-300)), node: readyNode(),
			policy: crashLoopAfter, state: HeadCrashLoop, reason: ReasonCrashLoopBackOff, action: ActionDeletePod, since: at(-300)},
		"crash loop without Ready condition counts from the last exit": {pod: headPod(rayWaiting("CrashLoopBackOff"), restarted(6, -20), noConditions()),
			node: readyNode(), policy: crashLoopAfter, state: HeadCrashLoop, reason: ReasonCrashLoopBackOff, action: ActionObserve, recheck: secs(280), since: at(-20)},

		// Not Ready while running: opt-in bound.
		"not Ready, opt-in off": {pod: headPod(notReady(-150)), node: readyNode(),
			state: HeadNotReady, reason: ReasonHeadNotReady, action: ActionObserve, since: at(-150)},
		"not Ready below the bound": {pod: headPod(notReady(-20)), node: readyNode(),
			policy: notReadyAfter, state: HeadNotReady, reason: ReasonHeadNotReady, action: ActionObserve, recheck: secs(100), since: at(-20)},
		"not Ready above the bound": {pod: headPod(notReady(-120)), node: readyNode(),
			policy: notReadyAfter, state: HeadNotReady, reason: ReasonHeadNotReady, action: ActionDeletePod, since: at(-120)},
		"phase Unknown": {pod: headPod(phase(corev1.PodUnknown)), node: readyNode(),
			state: HeadNotReady, reason: ReasonPodPhaseUnknown, action: ActionObserve},

		// Node lost: force-delete after the grace.
		"node NotReady below the grace": {pod: headPod(), node: readyNode(nodeReady(corev1.ConditionFalse, -20)),
			state: HeadNodeLost, reason: ReasonNodeNotReady, action: ActionObserve, recheck: secs(10), since: at(-20), msg: "node-a is not Ready"},
		"node NotReady above the grace": {pod: headPod(), node: readyNode(nodeReady(corev1.ConditionFalse, -30)),
			state: HeadNodeLost, reason: ReasonNodeNotReady, action: ActionForceDeletePod, since: at(-30)},
		"node unreachable below the grace": {pod: headPod(notReady(-5)), node: readyNode(nodeReady(corev1.ConditionUnknown, -5), taint(taintUnreachable, mtp(-4))),
			state: HeadNodeLost, reason: ReasonNodeUnreachable, action: ActionObserve, recheck: secs(25), since: at(-5), msg: "unreachable"},
		"node unreachable above the grace": {pod: headPod(notReady(-45)), node: readyNode(nodeReady(corev1.ConditionUnknown, -45)),
			state: HeadNodeLost, reason: ReasonNodeUnreachable, action: ActionForceDeletePod, since: at(-45)},
		"node unreachable, longer grace set": {pod: headPod(), node: readyNode(nodeReady(corev1.ConditionUnknown, -45)),
			policy: func(p *Policy) { p.NodeLostGrace = secs(60) },
			state:  HeadNodeLost, reason: ReasonNodeUnreachable, action: ActionObserve, recheck: secs(15), since: at(-45)},
		"node out of service: no grace": {pod: headPod(), node: readyNode(nodeReady(corev1.ConditionUnknown, -1), taint(taintOutOfService, mtp(-1))),
			state: HeadNodeLost, reason: ReasonNodeOutOfService, action: ActionForceDeletePod, since: at(-1)},
		"node out of service, taint without time": {pod: headPod(), node: readyNode(taint(taintOutOfService, nil)),
			state: HeadNodeLost, reason: ReasonNodeOutOfService, action: ActionForceDeletePod, since: at(0)},
		"node without Ready condition, unreachable taint past the grace": {pod: headPod(), node: readyNode(noNodeConditions(), taint(taintUnreachable, mtp(-40))),
			state: HeadNodeLost, reason: ReasonNodeUnreachable, action: ActionForceDeletePod, since: at(-40)},
		"node without Ready condition, not-ready taint without time never acts alone": {pod: headPod(), node: readyNode(noNodeConditions(), taint(taintNotReady, nil)),
			state: HeadNodeLost, reason: ReasonNodeNotReady, action: ActionObserve, recheck: secs(30), since: at(0)},
		"node object gone, pod scheduled long ago": {pod: headPod(), node: nil,
			state: HeadNodeLost, reason: ReasonNodeMissing, action: ActionForceDeletePod, since: at(-300), msg: "does not exist"},
		"node object gone, pod just scheduled (cache may lag)": {pod: headPod(scheduledAt(-2)), node: nil,
			state: HeadNodeLost, reason: ReasonNodeMissing, action: ActionObserve, recheck: secs(28), since: at(-2)},
		"pending on a lost node": {pod: headPod(phase(corev1.PodPending), rayWaiting("ContainerCreating")), node: readyNode(nodeReady(corev1.ConditionUnknown, -60)),
			state: HeadNodeLost, reason: ReasonNodeUnreachable, action: ActionForceDeletePod, since: at(-60)},

		// Stuck Terminating.
		"terminating, past the deadline, within the extra grace": {pod: headPod(deleting(-50, 30)), node: readyNode(),
			state: HeadTerminating, reason: ReasonPodTerminating, action: ActionObserve, recheck: secs(10), since: at(-50)},
		"stuck terminating past deadline and extra grace": {pod: headPod(deleting(-60, 30)), node: readyNode(),
			state: HeadStuckTerminating, reason: ReasonStuckTerminating, action: ActionForceDeletePod, since: at(-60), msg: "30s after its deadline"},
		"stuck terminating with finalizers says so": {pod: headPod(deleting(-100, 30), finalizers("example.com/hold")), node: readyNode(),
			state: HeadStuckTerminating, reason: ReasonStuckTerminating, action: ActionForceDeletePod, since: at(-100), msg: "example.com/hold"},
		"terminating without grace seconds recorded": {pod: headPod(func(p *corev1.Pod) { p.DeletionTimestamp = mtp(-40) }), node: readyNode(),
			state: HeadStuckTerminating, reason: ReasonStuckTerminating, action: ActionForceDeletePod, since: at(-40)},
		"terminating on a lost node, node grace first": {pod: headPod(deleting(-1000, 30)), node: readyNode(nodeReady(corev1.ConditionUnknown, -31)),
			state: HeadNodeLost, reason: ReasonNodeUnreachable, action: ActionForceDeletePod, since: at(-31)},
		"terminating on a freshly lost node, stuck past its own grace": {pod: headPod(deleting(-100, 30)), node: readyNode(nodeReady(corev1.ConditionUnknown, -5)),
			state: HeadStuckTerminating, reason: ReasonStuckTerminating, action: ActionForceDeletePod, since: at(-100)},
		"terminating on a freshly lost node, rechecks at the earlier bound": {pod: headPod(deleting(-20, 30)), node: readyNode(nodeReady(corev1.ConditionUnknown, -5)),
			state: HeadNodeLost, reason: ReasonNodeUnreachable, action: ActionObserve, recheck: secs(25), since: at(-5)},
		"terminating (evicted by taint) on a lost node, node grace rechecks first": {pod: headPod(deleting(-2, 30)), node: readyNode(nodeReady(corev1.ConditionUnknown, -20)),
			state: HeadNodeLost, reason: ReasonNodeUnreachable, action: ActionObserve, recheck: secs(10), since: at(-20)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := ClassifyHead(HeadInput{Pod: tc.pod, Node: tc.node, Policy: policyWith(tc.policy)}, t0())
			if got.State != tc.state || got.Reason != tc.reason || got.Action != tc.action {
				t.Errorf("got %s/%s/%s, want %s/%s/%s (message %q)", got.State, got.Reason, got.Action, tc.state, tc.reason, tc.action, got.Message)
			}
			if got.RecheckAfter != tc.recheck {
				t.Errorf("RecheckAfter = %s, want %s", got.RecheckAfter, tc.recheck)
			}
			if !got.Since.Equal(tc.since) {
				t.Errorf("Since = %s, want %s", got.Since, tc.since)
			}
			if got.Message == "" || !strings.Contains(got.Message, tc.msg) {
				t.Errorf("message %q does not contain %q", got.Message, tc.msg)
			}
			if want := (PodRef{Name: "rc-head-0", UID: "uid-head", ResourceVersion: "42"}); tc.pod != nil && got.Pod != want {
				t.Errorf("Pod = %+v, want %+v", got.Pod, want)
			}
		})
	}
}

func TestClassifyHeadCarriesSafetyFacts(t *testing.T) {
	tests := map[string]struct {
		others []corev1.Pod
		redis  bool
		live   []string
	}{
		"no other heads": {},
		"a live other head is named": {
			others: []corev1.Pod{*headPod(named("rc-head-x"))},
			live:   []string{"rc-head-x"},
		},
		"terminating and terminal other heads do not count": {
			others: []corev1.Pod{*headPod(named("old-1"), deleting(-5, 30)), *headPod(named("old-2"), phase(corev1.PodFailed)),
				*headPod(named("old-3"), phase(corev1.PodSucceeded)), *headPod(named("pending-4"), phase(corev1.PodPending))},
			live: []string{"pending-4"},
		},
		"Redis unavailable is passed on": {redis: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := ClassifyHead(HeadInput{Pod: headPod(), Node: readyNode(), OtherHeads: tc.others,
				RedisUnavailable: tc.redis, Policy: DefaultPolicy()}, t0())
			if strings.Join(got.OtherLiveHeads, ",") != strings.Join(tc.live, ",") {
				t.Errorf("OtherLiveHeads = %v, want %v", got.OtherLiveHeads, tc.live)
			}
			if got.RedisUnavailable != tc.redis {
				t.Errorf("RedisUnavailable = %v, want %v", got.RedisUnavailable, tc.redis)
			}
		})
	}
}

func TestHeadStateIsFailure(t *testing.T) {
	failures := map[HeadState]bool{
		HeadHealthy: false, HeadStarting: false, HeadMissing: false, HeadTerminating: false,
		HeadFailed: true, HeadContainerRestarting: true, HeadCrashLoop: true, HeadNotReady: true,
		HeadNodeLost: true, HeadStuckTerminating: true,
	}
	if len(failures) != len(HeadStates()) {
		t.Fatalf("test covers %d states, HeadStates lists %d", len(failures), len(HeadStates()))
	}
	for _, s := range HeadStates() {
		t.Run(string(s), func(t *testing.T) {
			want, ok := failures[s]
			if !ok {
				t.Fatalf("state %s not covered", s)
			}
			if s.IsFailure() != want {
				t.Errorf("IsFailure = %v, want %v", s.IsFailure(), want)
			}
		})
	}
}
