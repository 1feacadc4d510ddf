package main

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

func clusterWith(count int32, failure time.Time, conds ...metav1.Condition) *rayv1.RayCluster {
	rc := &rayv1.RayCluster{}
	rc.Status.Conditions = conds
	if count > 0 || !failure.IsZero() {
		rc.Status.Recovery = &rayv1.RecoveryStatus{Count: count}
		if !failure.IsZero() {
			rc.Status.Recovery.LastFailureTime = &metav1.Time{Time: failure}
		}
	}
	return rc
}

func cond(t rayv1.RayClusterConditionType, s metav1.ConditionStatus) metav1.Condition {
	return metav1.Condition{Type: string(t), Status: s}
}

func TestRecordedRecovery(t *testing.T) {
	ready := cond(rayv1.HeadPodReady, metav1.ConditionTrue)
	notRecovering := cond(rayv1.HeadRecovering, metav1.ConditionFalse)
	tests := map[string]struct {
		rc     *rayv1.RayCluster
		before int32
		want   bool
	}{
		"counted, Ready, not recovering": {rc: clusterWith(2, time.Time{}, ready, notRecovering), before: 1, want: true},
		"no new recovery counted":        {rc: clusterWith(1, time.Time{}, ready, notRecovering), before: 1},
		"no recovery status":             {rc: clusterWith(0, time.Time{}, ready, notRecovering)},
		"head not Ready yet":             {rc: clusterWith(2, time.Time{}, cond(rayv1.HeadPodReady, metav1.ConditionFalse)), before: 1},
		"still recovering":               {rc: clusterWith(2, time.Time{}, ready, cond(rayv1.HeadRecovering, metav1.ConditionTrue)), before: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := recordedRecovery(tc.rc, tc.before); got != tc.want {
				t.Errorf("recordedRecovery() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDetectedFromStatus(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	tests := map[string]struct {
		failure time.Time
		want    time.Duration
	}{
		"same second, before t0 by rounding": {failure: t0.Truncate(time.Second), want: 0},
		"three seconds later":                {failure: t0.Truncate(time.Second).Add(3 * time.Second), want: 2400 * time.Millisecond},
		"an older failure":                   {failure: t0.Add(-10 * time.Second), want: -1},
		"no failure recorded":                {want: -1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := detectedFromStatus(clusterWith(1, tc.failure), t0); got != tc.want {
				t.Errorf("detectedFromStatus() = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestNodeLostWhat(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	withForced := func(at time.Time) headRecovery {
		h := headRecovery{}
		h.rc.Status.Recovery = &rayv1.RecoveryStatus{Count: 1, LastForcedReplacementTime: &metav1.Time{Time: at}}
		return h
	}
	tests := map[string]struct {
		h    headRecovery
		want string
	}{
		"force-deleted during the scenario":    {h: withForced(t0.Add(15 * time.Second)), want: "sim-node-2 lost; operator force-deleted the head after the 10s grace"},
		"force-deleted in the same second":     {h: withForced(t0.Truncate(time.Second)), want: "sim-node-2 lost; operator force-deleted the head after the 10s grace"},
		"only an older force-delete in status": {h: withForced(t0.Add(-time.Minute)), want: "sim-node-2 lost; the operator did not force-delete the head"},
		"no recovery status":                   {h: headRecovery{}, want: "sim-node-2 lost; the operator did not force-delete the head"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := nodeLostWhat("sim-node-2", tc.h, t0, 10*time.Second); got != tc.want {
				t.Errorf("nodeLostWhat() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMissingHooksHint(t *testing.T) {
	deployed := cond(rayv1.Deployed, metav1.ConditionTrue)
	tests := map[string]struct {
		rc       *rayv1.RayCluster
		wantHint bool
	}{
		"helm conditions only":      {rc: clusterWith(0, time.Time{}, deployed), wantHint: true},
		"hooks report the head":     {rc: clusterWith(0, time.Time{}, deployed, cond(rayv1.HeadPodReady, metav1.ConditionFalse))},
		"hooks report a recovery":   {rc: clusterWith(0, time.Time{}, deployed, cond(rayv1.HeadRecovering, metav1.ConditionTrue))},
		"nothing deployed yet":      {rc: clusterWith(0, time.Time{})},
		"release not deployed only": {rc: clusterWith(0, time.Time{}, cond(rayv1.Irreconcilable, metav1.ConditionTrue))},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := missingHooksHint(tc.rc) != ""; got != tc.wantHint {
				t.Errorf("hint given = %v, want %v", got, tc.wantHint)
			}
		})
	}
}
