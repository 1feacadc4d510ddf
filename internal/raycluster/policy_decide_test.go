/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"strings"
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	pod := PodRef{Name: "rc-head-0", UID: "uid-head"}
	nodeLost := HeadHealth{State: HeadNodeLost, Reason: ReasonNodeUnreachable, Action: ActionForceDeletePod, Pod: pod, Message: "node gone"}
	crashLoop := HeadHealth{State: HeadCrashLoop, Reason: ReasonCrashLoopBackOff, Action: ActionDeletePod, Pod: pod, Message: "crash loop"}
	exited := HeadHealth{State: HeadFailed, Reason: ReasonContainerTerminated, Action: ActionDeletePod, Pod: pod, Message: "exited"}
	with := func(h HeadHealth, f func(*HeadHealth)) HeadHealth { f(&h); return h }
	hist := func(count int32, lastSec int) ReplacementHistory {
		return ReplacementHistory{Count: count, LastReplacement: at(lastSec)}
	}

	tests := map[string]struct {
		health  HeadHealth
		history ReplacementHistory
		policy  func(*Policy)
		// want
		action  Action
		verdict Verdict
		recheck time.Duration
		msg     string
	}{
		"healthy": {health: HeadHealth{State: HeadHealthy, Reason: ReasonHeadReady, Action: ActionNone, Pod: pod},
			action: ActionNone, verdict: VerdictHealthy},
		"observe passes the recheck through": {health: with(nodeLost, func(h *HeadHealth) { h.Action, h.RecheckAfter = ActionObserve, secs(12) }),
			action: ActionObserve, verdict: VerdictObserve, recheck: secs(12)},
		"first replacement is immediate": {health: nodeLost,
			action: ActionForceDeletePod, verdict: VerdictReplace},
		"a normal delete is gated the same way": {health: crashLoop,
			action: ActionDeletePod, verdict: VerdictReplace},
		"no pod to act on": {health: with(crashLoop, func(h *HeadHealth) { h.Pod = PodRef{} }),
			action: ActionObserve, verdict: VerdictObserve},
		"disabled": {health: nodeLost, policy: func(p *Policy) { p.ReplacementEnabled = false },
			action: ActionObserve, verdict: VerdictDisabled, msg: "disabled"},
		"another live head blocks even a node-lost replacement": {health: with(nodeLost, func(h *HeadHealth) { h.OtherLiveHeads = []string{"rc-head-x"} }),
			action: ActionObserve, verdict: VerdictAnotherHeadAlive, recheck: DefaultBackoffBase, msg: "rc-head-x"},
		"Redis down blocks a crash-loop replacement": {health: with(crashLoop, func(h *HeadHealth) { h.RedisUnavailable = true }),
			action: ActionObserve, verdict: VerdictRedisUnavailable, recheck: DefaultBackoffBase, msg: "Redis is unreachable"},
		"Redis down blocks a not-Ready replacement": {health: HeadHealth{State: HeadNotReady, Reason: ReasonHeadNotReady, Action: ActionDeletePod, Pod: pod, RedisUnavailable: true},
			action: ActionObserve, verdict: VerdictRedisUnavailable, recheck: DefaultBackoffBase},
		"Redis down does not keep a head on a lost node": {health: with(nodeLost, func(h *HeadHealth) { h.RedisUnavailable = true }),
			action: ActionForceDeletePod, verdict: VerdictReplace},
		"Redis down does not keep a dead container": {health: with(exited, func(h *HeadHealth) { h.RedisUnavailable = true }),
			action: ActionDeletePod, verdict: VerdictReplace},
		"backoff after one replacement": {health: nodeLost, history: hist(1, -4),
			action: ActionObserve, verdict: VerdictBackoff, recheck: secs(6), msg: "after 1 replacements"},
		"backoff elapsed": {health: nodeLost, history: hist(1, -10),
			action: ActionForceDeletePod, verdict: VerdictReplace},
		"backoff doubles per replacement in a row": {health: crashLoop, history: hist(3, -30),
			action: ActionObserve, verdict: VerdictBackoff, recheck: secs(10)},
		"backoff is bounded by its max": {health: crashLoop, history: hist(20, -299), policy: func(p *Policy) { p.MaxReplacements = 0 },
			action: ActionObserve, verdict: VerdictBackoff, recheck: secs(1)},
		"cap reached": {health: nodeLost, history: hist(5, -600),
			action: ActionObserve, verdict: VerdictCapReached, recheck: secs(3000), msg: "reached the cap of 5"},
		"cap reached, window never resets": {health: nodeLost, history: hist(5, -600), policy: func(p *Policy) { p.ReplacementWindow = 0 },
			action: ActionObserve, verdict: VerdictCapReached, recheck: 0},
		"below the cap": {health: nodeLost, history: hist(4, -600),
			action: ActionForceDeletePod, verdict: VerdictReplace},
		"no cap": {health: nodeLost, history: hist(50, -600), policy: func(p *Policy) { p.MaxReplacements = 0 },
			action: ActionForceDeletePod, verdict: VerdictReplace},
		"a quiet window resets the count": {health: nodeLost, history: hist(5, -3600),
			action: ActionForceDeletePod, verdict: VerdictReplace},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Decide(tc.health, tc.history, policyWith(tc.policy), t0())
			if got.Action != tc.action || got.Verdict != tc.verdict {
				t.Errorf("got %s/%s, want %s/%s (message %q)", got.Action, got.Verdict, tc.action, tc.verdict, got.Message)
			}
			if got.RecheckAfter != tc.recheck {
				t.Errorf("RecheckAfter = %s, want %s", got.RecheckAfter, tc.recheck)
			}
			if !strings.Contains(got.Message, tc.msg) {
				t.Errorf("message %q does not contain %q", got.Message, tc.msg)
			}
			if got.Reason != tc.health.Reason || got.Pod != tc.health.Pod {
				t.Errorf("reason/pod not carried: %s %+v", got.Reason, got.Pod)
			}
		})
	}
}

func TestReplacementHistoryRecord(t *testing.T) {
	tests := map[string]struct {
		before ReplacementHistory
		want   int32
	}{
		"first":                  {before: ReplacementHistory{}, want: 1},
		"in a row":               {before: ReplacementHistory{Count: 2, LastReplacement: at(-60)}, want: 3},
		"after a quiet window":   {before: ReplacementHistory{Count: 4, LastReplacement: at(-3600)}, want: 1},
		"count without a time":   {before: ReplacementHistory{Count: 4}, want: 1},
		"negative count healed":  {before: ReplacementHistory{Count: -2, LastReplacement: at(-1)}, want: 1},
		"just inside the window": {before: ReplacementHistory{Count: 4, LastReplacement: at(-3599)}, want: 5},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := tc.before.Record(DefaultPolicy(), t0())
			if got.Count != tc.want || !got.LastReplacement.Equal(t0()) {
				t.Errorf("got %+v, want count %d at %s", got, tc.want, t0())
			}
		})
	}
}

// TestDecideReplacementSequence walks a head that keeps failing through the
// policy, recording each replacement as the hook would, and checks that the
// waits double and that the cap stops it.
func TestDecideReplacementSequence(t *testing.T) {
	p := DefaultPolicy()
	h := HeadHealth{State: HeadCrashLoop, Reason: ReasonCrashLoopBackOff, Action: ActionDeletePod, Pod: PodRef{Name: "rc-head-0", UID: "u"}}
	var hist ReplacementHistory
	now := t0()
	var waits []time.Duration
	for range 10 {
		d := Decide(h, hist, p, now)
		if d.Verdict == VerdictCapReached {
			break
		}
		if d.Action == ActionObserve {
			waits = append(waits, d.RecheckAfter)
			now = now.Add(d.RecheckAfter)
			continue
		}
		hist = hist.Record(p, now)
	}
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}
	if len(waits) != len(want) {
		t.Fatalf("waits %v, want %v", waits, want)
	}
	for i := range want {
		if waits[i] != want[i] {
			t.Errorf("wait %d = %s, want %s", i, waits[i], want[i])
		}
	}
	if hist.Count != p.MaxReplacements {
		t.Errorf("stopped after %d replacements, want the cap %d", hist.Count, p.MaxReplacements)
	}
}
