/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// statusWith builds a status whose HeadRecovering condition and recovery
// record are as given (nil recovery: none).
func statusWith(status metav1.ConditionStatus, reason string, rec *rayv1.RecoveryStatus) *rayv1.RayClusterStatus {
	st := &rayv1.RayClusterStatus{Recovery: rec}
	if status != "" {
		st.Conditions = []metav1.Condition{{Type: string(rayv1.HeadRecovering), Status: status, Reason: reason, LastTransitionTime: mt(-50)}}
	}
	return st
}

func inProgress(start int, reason rayv1.HeadFailureReason) *rayv1.RecoveryStatus {
	return &rayv1.RecoveryStatus{Count: 2, LastFailureReason: reason, LastFailureTime: mtp(start + 1), LastRecoveryStartTime: mtp(start)}
}

func TestAdvanceRecovery(t *testing.T) {
	now := at(0)
	tests := map[string]struct {
		st         *rayv1.RayClusterStatus
		health     HeadHealth
		want       recoveryChange
		wantRec    *rayv1.RecoveryStatus
		wantSameSt bool
	}{
		"healthy, nothing in progress": {
			st:         statusWith(metav1.ConditionFalse, string(rayv1.HeadReady), &rayv1.RecoveryStatus{Count: 1, LastReadyHeadPodUID: "a"}),
			health:     HeadHealth{State: HeadHealthy, Reason: ReasonHeadReady, Pod: PodRef{UID: "a"}},
			wantSameSt: true,
		},
		"first Ready head: its UID is remembered": {
			st:      statusWith(metav1.ConditionFalse, string(ReasonPodPending), nil),
			health:  HeadHealth{State: HeadHealthy, Reason: ReasonHeadReady, Pod: PodRef{UID: "a"}},
			wantRec: &rayv1.RecoveryStatus{LastReadyHeadPodUID: "a"},
		},
		"another Ready head than last time: replaced unseen, counted from its creation": {
			st:     statusWith(metav1.ConditionFalse, string(rayv1.HeadReady), &rayv1.RecoveryStatus{Count: 1, LastReadyHeadPodUID: "a"}),
			health: HeadHealth{State: HeadHealthy, Reason: ReasonHeadReady, Pod: PodRef{Name: "rc-head-0", UID: "b", Created: at(-2)}},
			want:   recoveryChange{Step: stepRecovered, Reason: rayv1.HeadFailurePodMissing, Duration: 2 * time.Second, Unseen: true},
			wantRec: &rayv1.RecoveryStatus{Count: 2, LastFailureTime: mtp(0), LastFailureReason: rayv1.HeadFailurePodMissing,
				LastFailureMessage:    "head pod rc-head-0 (uid a) was replaced by a new pod (uid b) between two reconciles",
				LastRecoveryStartTime: mtp(-2), LastRecoveryDuration: &metav1.Duration{Duration: 2 * time.Second}, LastReadyHeadPodUID: "b"},
		},
		"another Ready head after a suspension is no failure": {
			st:      statusWith(metav1.ConditionFalse, reasonSuspended, &rayv1.RecoveryStatus{Count: 1, LastReadyHeadPodUID: "a"}),
			health:  HeadHealth{State: HeadHealthy, Reason: ReasonHeadReady, Pod: PodRef{UID: "b", Created: at(-2)}},
			wantRec: &rayv1.RecoveryStatus{Count: 1, LastReadyHeadPodUID: "b"},
		},
		"a remembered UID from before an operator upgrade is no requirement": {
			st:      statusWith(metav1.ConditionFalse, string(rayv1.HeadReady), &rayv1.RecoveryStatus{Count: 1}),
			health:  HeadHealth{State: HeadHealthy, Reason: ReasonHeadReady, Pod: PodRef{UID: "b"}},
			wantRec: &rayv1.RecoveryStatus{Count: 1, LastReadyHeadPodUID: "b"},
		},
		"first start is no failure": {
			st:         statusWith("", "", nil),
			health:     HeadHealth{State: HeadStarting, Reason: ReasonPodPending},
			wantSameSt: true,
		},
		"missing before the head was ever Ready is no failure": {
			st:         statusWith(metav1.ConditionFalse, string(ReasonPodPending), nil),
			health:     HeadHealth{State: HeadMissing, Reason: ReasonPodMissing},
			wantSameSt: true,
		},
		"a failure state starts a recovery at Since": {
			st:     statusWith(metav1.ConditionFalse, string(rayv1.HeadReady), nil),
			health: HeadHealth{State: HeadNodeLost, Reason: ReasonNodeUnreachable, Since: at(-7), Message: "node gone; acting in 23s"},
			want:   recoveryChange{Step: stepStarted, Reason: rayv1.HeadFailureNodeUnreachable},
			wantRec: &rayv1.RecoveryStatus{LastFailureTime: mtp(0), LastFailureReason: rayv1.HeadFailureNodeUnreachable,
				LastFailureMessage: "node gone", LastRecoveryStartTime: mtp(-7)},
		},
		"a crash loop on the first start is a failure": {
			st:     statusWith("", "", nil),
			health: HeadHealth{State: HeadCrashLoop, Reason: ReasonCrashLoopBackOff, Since: at(-3)},
			want:   recoveryChange{Step: stepStarted, Reason: rayv1.HeadFailureCrashLoopBackOff},
			wantRec: &rayv1.RecoveryStatus{LastFailureTime: mtp(0), LastFailureReason: rayv1.HeadFailureCrashLoopBackOff,
				LastRecoveryStartTime: mtp(-3)},
		},
		"a deleted head that was Ready: PodMissing, clock from the deletion request": {
			st:     statusWith(metav1.ConditionFalse, string(rayv1.HeadReady), &rayv1.RecoveryStatus{Count: 4}),
			health: HeadHealth{State: HeadTerminating, Reason: ReasonPodTerminating, Since: at(-1)},
			want:   recoveryChange{Step: stepStarted, Reason: rayv1.HeadFailurePodMissing},
			wantRec: &rayv1.RecoveryStatus{Count: 4, LastFailureTime: mtp(0), LastFailureReason: rayv1.HeadFailurePodMissing,
				LastRecoveryStartTime: mtp(-1)},
		},
		"a Ready head whose container runs unready: HeadNotReady": {
			st:     statusWith(metav1.ConditionFalse, string(rayv1.HeadReady), nil),
			health: HeadHealth{State: HeadStarting, Reason: ReasonContainerStarting},
			want:   recoveryChange{Step: stepStarted, Reason: rayv1.HeadFailureNotReady},
			wantRec: &rayv1.RecoveryStatus{LastFailureTime: mtp(0), LastFailureReason: rayv1.HeadFailureNotReady,
				LastRecoveryStartTime: mtp(0)},
		},
		"no Since: the clock starts now": {
			st:     statusWith(metav1.ConditionFalse, string(rayv1.HeadReady), nil),
			health: HeadHealth{State: HeadMissing, Reason: ReasonPodMissing},
			want:   recoveryChange{Step: stepStarted, Reason: rayv1.HeadFailurePodMissing},
			wantRec: &rayv1.RecoveryStatus{LastFailureTime: mtp(0), LastFailureReason: rayv1.HeadFailurePodMissing,
				LastRecoveryStartTime: mtp(0)},
		},
		"a Since in the future is not trusted": {
			st:     statusWith(metav1.ConditionFalse, string(rayv1.HeadReady), nil),
			health: HeadHealth{State: HeadFailed, Reason: ReasonPodFailed, Since: at(5)},
			want:   recoveryChange{Step: stepStarted, Reason: rayv1.HeadFailurePodFailed},
			wantRec: &rayv1.RecoveryStatus{LastFailureTime: mtp(0), LastFailureReason: rayv1.HeadFailurePodFailed,
				LastRecoveryStartTime: mtp(0)},
		},
		"in progress and still down: the first cause is kept": {
			st:         statusWith(metav1.ConditionTrue, string(rayv1.HeadFailureNodeUnreachable), inProgress(-30, rayv1.HeadFailureNodeUnreachable)),
			health:     HeadHealth{State: HeadStarting, Reason: ReasonContainerCreating},
			wantSameSt: true,
		},
		"in progress and Ready: counted and timed": {
			st:     statusWith(metav1.ConditionTrue, string(rayv1.HeadFailureNodeUnreachable), inProgress(-30, rayv1.HeadFailureNodeUnreachable)),
			health: HeadHealth{State: HeadHealthy, Reason: ReasonHeadReady, Pod: PodRef{UID: "b"}},
			want:   recoveryChange{Step: stepRecovered, Reason: rayv1.HeadFailureNodeUnreachable, Duration: 30 * time.Second},
			wantRec: &rayv1.RecoveryStatus{Count: 3, LastFailureReason: rayv1.HeadFailureNodeUnreachable, LastFailureTime: mtp(-29),
				LastRecoveryStartTime: mtp(-30), LastRecoveryDuration: &metav1.Duration{Duration: 30 * time.Second}, LastReadyHeadPodUID: "b"},
		},
		"condition True without a clock start is not in progress": {
			st:     statusWith(metav1.ConditionTrue, string(rayv1.HeadFailurePodFailed), nil),
			health: HeadHealth{State: HeadFailed, Reason: ReasonPodFailed, Since: at(-2)},
			want:   recoveryChange{Step: stepStarted, Reason: rayv1.HeadFailurePodFailed},
			wantRec: &rayv1.RecoveryStatus{LastFailureTime: mtp(0), LastFailureReason: rayv1.HeadFailurePodFailed,
				LastRecoveryStartTime: mtp(-2)},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before := tc.st.DeepCopy()
			got := advanceRecovery(tc.st, tc.health, now)
			if got != tc.want {
				t.Errorf("change = %+v, want %+v", got, tc.want)
			}
			if tc.wantSameSt {
				if !reflect.DeepEqual(before, tc.st) {
					t.Errorf("status changed: %+v", tc.st.Recovery)
				}
				return
			}
			if !equalRecovery(tc.st.Recovery, tc.wantRec) {
				t.Errorf("recovery = %+v, want %+v", tc.st.Recovery, tc.wantRec)
			}
		})
	}
}

func TestHeadRecoveringCondition(t *testing.T) {
	ready := HeadHealth{State: HeadHealthy, Reason: ReasonHeadReady, Pod: PodRef{Name: "rc-head-0"}}
	lost := HeadHealth{State: HeadNodeLost, Reason: ReasonNodeUnreachable, Pod: PodRef{Name: "rc-head-0"}, Message: "x; acting in 3s"}
	tests := map[string]struct {
		st                       *rayv1.RayClusterStatus
		health                   HeadHealth
		dec                      Decision
		out                      ReplaceOutcome
		wantStatus               metav1.ConditionStatus
		wantReason, wantContains string
	}{
		"healthy": {
			st: statusWith("", "", nil), health: ready, dec: Decision{Verdict: VerdictHealthy},
			wantStatus: metav1.ConditionFalse, wantReason: string(rayv1.HeadReady), wantContains: "rc-head-0 is Ready",
		},
		"first start": {
			st: statusWith("", "", nil), health: HeadHealth{State: HeadStarting, Reason: ReasonPodPending, Message: "pending"},
			wantStatus: metav1.ConditionFalse, wantReason: string(ReasonPodPending), wantContains: "not been Ready yet: pending",
		},
		"waiting for the grace": {
			st: statusWith(metav1.ConditionTrue, "NodeUnreachable", inProgress(-3, rayv1.HeadFailureNodeUnreachable)), health: lost,
			dec:        Decision{Verdict: VerdictObserve, RecheckAfter: 3 * time.Second},
			wantStatus: metav1.ConditionTrue, wantReason: "NodeUnreachable", wantContains: "waiting for the policy's bound",
		},
		"force-deleted": {
			st: statusWith(metav1.ConditionTrue, "NodeUnreachable", inProgress(-3, rayv1.HeadFailureNodeUnreachable)), health: lost,
			dec: Decision{Verdict: VerdictReplace, Action: ActionForceDeletePod}, out: OutcomeDeleted,
			wantStatus: metav1.ConditionTrue, wantReason: "NodeUnreachable", wantContains: "force-deleted it",
		},
		"backoff": {
			st:         statusWith(metav1.ConditionTrue, "CrashLoopBackOff", inProgress(-3, rayv1.HeadFailureCrashLoopBackOff)),
			health:     HeadHealth{State: HeadCrashLoop, Reason: ReasonCrashLoopBackOff, Pod: PodRef{Name: "rc-head-0"}},
			dec:        Decision{Verdict: VerdictBackoff, RecheckAfter: time.Second},
			wantStatus: metav1.ConditionTrue, wantReason: "CrashLoopBackOff", wantContains: "backoff",
		},
		"redis down": {
			st:     statusWith(metav1.ConditionTrue, "HeadNotReady", inProgress(-3, rayv1.HeadFailureNotReady)),
			health: HeadHealth{State: HeadNotReady, Reason: ReasonHeadNotReady}, dec: Decision{Verdict: VerdictRedisUnavailable},
			wantStatus: metav1.ConditionTrue, wantReason: "HeadNotReady", wantContains: "head pod (none): NotReady (HeadNotReady); not replacing it: Redis is unreachable",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, r, m := headRecoveringCondition(tc.st, recoveryChange{}, tc.health, tc.dec, tc.out)
			if s != tc.wantStatus || r != tc.wantReason || !strings.Contains(m, tc.wantContains) {
				t.Errorf("got %s/%s %q, want %s/%s containing %q", s, r, m, tc.wantStatus, tc.wantReason, tc.wantContains)
			}
			if strings.Contains(m, "acting in") {
				t.Errorf("message carries a countdown: %q", m)
			}
		})
	}
}

func TestRecordReplacementKeepsHistoryInStatus(t *testing.T) {
	p := policyWith(func(p *Policy) { p.ReplacementWindow = time.Minute })
	st := &rayv1.RayClusterStatus{}
	recordReplacement(st, p, at(0))
	recordReplacement(st, p, at(10))
	if h := history(st); h.Count != 2 || !h.LastReplacement.Equal(at(10)) {
		t.Errorf("after two in a row: %+v", h)
	}
	recordReplacement(st, p, at(200)) // after a quiet window: counts from one again
	if h := history(st); h.Count != 1 || !h.LastReplacement.Equal(at(200)) {
		t.Errorf("after a quiet window: %+v", h)
	}
}

func equalRecovery(a, b *rayv1.RecoveryStatus) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Count == b.Count && a.LastFailureReason == b.LastFailureReason && a.LastFailureMessage == b.LastFailureMessage &&
		timeEq(a.LastFailureTime, b.LastFailureTime) && timeEq(a.LastRecoveryStartTime, b.LastRecoveryStartTime) &&
		durEq(a.LastRecoveryDuration, b.LastRecoveryDuration) && timeEq(a.LastForcedReplacementTime, b.LastForcedReplacementTime) &&
		a.ConsecutiveForcedReplacements == b.ConsecutiveForcedReplacements && a.LastReadyHeadPodUID == b.LastReadyHeadPodUID
}

func timeEq(a, b *metav1.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b)
}

func durEq(a, b *metav1.Duration) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Duration == b.Duration
}
