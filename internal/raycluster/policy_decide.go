/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"
	"strings"
	"time"
)

// ReplacementHistory is what the operator remembers of its own head
// replacements. It lives in the RayCluster's status, so backoff and cap
// survive operator restarts and leader changes.
type ReplacementHistory struct {
	// Count is the number of replacements in a row: each one less than the
	// policy's ReplacementWindow after the previous one.
	Count int32
	// LastReplacement is when the operator last deleted a head; zero if never.
	LastReplacement time.Time
}

// inARow returns how many replacements in a row count at now: after a quiet
// ReplacementWindow the count starts again (a zero window never resets).
func (h ReplacementHistory) inARow(p Policy, now time.Time) int32 {
	if h.LastReplacement.IsZero() || h.Count <= 0 {
		return 0
	}
	if p.ReplacementWindow > 0 && now.Sub(h.LastReplacement) >= p.ReplacementWindow {
		return 0
	}
	return h.Count
}

// Record returns the history after a replacement done at now; the caller
// stores it in status together with the action.
func (h ReplacementHistory) Record(p Policy, now time.Time) ReplacementHistory {
	return ReplacementHistory{Count: h.inARow(p, now) + 1, LastReplacement: now}
}

// Verdict says why Decide chose its action; it doubles as an event reason.
type Verdict string

// Verdicts of Decide.
const (
	VerdictHealthy          Verdict = "Healthy"
	VerdictObserve          Verdict = "Observe"
	VerdictReplace          Verdict = "ReplaceHead"
	VerdictDisabled         Verdict = "ReplacementDisabled"
	VerdictAnotherHeadAlive Verdict = "AnotherHeadAlive"
	VerdictRedisUnavailable Verdict = "RedisUnavailable"
	VerdictBackoff          Verdict = "ReplacementBackoff"
	VerdictCapReached       Verdict = "ReplacementCapReached"
)

// Decision is what the operator does now about the head.
type Decision struct {
	// Action is ActionNone, ActionObserve, or the delete to carry out.
	Action  Action
	Verdict Verdict
	// Reason is the head's failure reason, for events and metric labels.
	Reason  Reason
	Message string
	// RecheckAfter, when set, is when the decision may change by time alone.
	RecheckAfter time.Duration
	// Pod is the delete's target; act with its UID as precondition.
	Pod PodRef
}

// Decide applies the policy's switch, the safety rules, the cap and the
// backoff to a classification. It is pure: history comes from status, now is
// injected.
func Decide(health HeadHealth, history ReplacementHistory, p Policy, now time.Time) Decision {
	d := Decision{Action: health.Action, Verdict: VerdictObserve, Reason: health.Reason,
		Message: health.Message, RecheckAfter: health.RecheckAfter, Pod: health.Pod}
	switch {
	case health.Action == ActionNone:
		d.Verdict = VerdictHealthy
		return d
	case !isDelete(health.Action) || health.Pod.Name == "":
		d.Action = ActionObserve
		return d
	}
	if v, why, ok := blocked(health, p); ok {
		// Look again soon for the conditions that clear by themselves; a
		// disabled policy changes only with the CR, which triggers a reconcile.
		recheck := p.BackoffBase
		if v == VerdictDisabled {
			recheck = 0
		}
		return hold(d, v, why, recheck)
	}
	return gate(d, history, p, now)
}

// blocked returns why a replacement must not happen at all right now.
func blocked(health HeadHealth, p Policy) (Verdict, string, bool) {
	switch {
	case !p.ReplacementEnabled:
		return VerdictDisabled, "head replacement is disabled", true
	case len(health.OtherLiveHeads) > 0:
		// Never risk two heads on healthy nodes: a new head would join them.
		return VerdictAnotherHeadAlive, fmt.Sprintf("other head pods are alive: %s", strings.Join(health.OtherLiveHeads, ", ")), true
	case health.RedisUnavailable && health.Action == ActionDeletePod && health.Reason != ReasonContainerTerminated:
		// A head that is unhealthy because its GCS cannot reach Redis would
		// be just as unhealthy on a new pod; replacing it only churns. Lost
		// nodes, stuck pods and dead containers still need a new pod.
		return VerdictRedisUnavailable, "Redis is unreachable; a new head would not be healthier", true
	}
	return "", "", false
}

// gate applies the cap and then the backoff.
func gate(d Decision, history ReplacementHistory, p Policy, now time.Time) Decision {
	n := history.inARow(p, now)
	if p.MaxReplacements > 0 && n >= p.MaxReplacements {
		var recheck time.Duration
		if p.ReplacementWindow > 0 {
			recheck = history.LastReplacement.Add(p.ReplacementWindow).Sub(now)
		}
		return hold(d, VerdictCapReached, fmt.Sprintf("%d head replacements in a row reached the cap of %d", n, p.MaxReplacements), recheck)
	}
	if n > 0 {
		next := history.LastReplacement.Add(backoff(n, p))
		if wait := next.Sub(now); wait > 0 {
			return hold(d, VerdictBackoff, fmt.Sprintf("backing off after %d replacements in a row, next allowed in %s", n, wait.Round(time.Second)), wait)
		}
	}
	d.Verdict = VerdictReplace
	return d
}

// hold turns a would-be replacement into an observation with a reason.
func hold(d Decision, v Verdict, why string, recheck time.Duration) Decision {
	d.Action = ActionObserve
	d.Verdict = v
	d.Message += "; not replacing: " + why
	d.RecheckAfter = recheck
	return d
}

// backoff is the wait after the n-th replacement in a row (n >= 1):
// BackoffBase doubled n-1 times, at most BackoffMax.
func backoff(n int32, p Policy) time.Duration {
	wait := p.BackoffBase
	for i := int32(1); i < n && wait < p.BackoffMax; i++ {
		wait *= 2
	}
	if wait > p.BackoffMax {
		wait = p.BackoffMax
	}
	return wait
}

func isDelete(a Action) bool {
	return a == ActionDeletePod || a == ActionForceDeletePod
}
