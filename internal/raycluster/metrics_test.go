/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/types"
)

func newTestMetrics(t *testing.T) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

func TestMetricsRegisterTwiceFails(t *testing.T) {
	_, reg := newTestMetrics(t)
	if _, err := NewMetrics(reg); err == nil || !strings.Contains(err.Error(), "registering head-health metrics") {
		t.Fatalf("second registration: %v, want a wrapped AlreadyRegistered error", err)
	}
}

func TestMetricsCounters(t *testing.T) {
	tests := map[string]struct {
		record func(*Metrics)
		metric string
		want   string
	}{
		"forced replacements by reason": {
			record: func(m *Metrics) {
				m.CountReplacement(ReasonNodeUnreachable)
				m.CountReplacement(ReasonNodeUnreachable)
				m.CountReplacement(ReasonStuckTerminating)
			},
			metric: MetricHeadForcedReplacements,
			want: `
# HELP rayha_head_forced_replacements_total Ray head pods deleted or force-deleted by the operator, by failure reason.
# TYPE rayha_head_forced_replacements_total counter
rayha_head_forced_replacements_total{reason="NodeUnreachable"} 2
rayha_head_forced_replacements_total{reason="StuckTerminating"} 1
`,
		},
		"failures detected by reason": {
			record: func(m *Metrics) { m.CountFailure(ReasonCrashLoopBackOff) },
			metric: MetricHeadFailuresDetected,
			want: `
# HELP rayha_head_failures_detected_total Ray head failures detected (counted once per failure), by failure reason.
# TYPE rayha_head_failures_detected_total counter
rayha_head_failures_detected_total{reason="CrashLoopBackOff"} 1
`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, reg := newTestMetrics(t)
			tc.record(m)
			if err := testutil.GatherAndCompare(reg, strings.NewReader(tc.want), tc.metric); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestMetricsRecoveryHistogram(t *testing.T) {
	m, reg := newTestMetrics(t)
	for _, d := range []time.Duration{80 * time.Millisecond, 3 * time.Second, 42 * time.Second, 9 * time.Minute, 11 * time.Minute} {
		m.ObserveRecovery(ReasonNodeUnreachable, d)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, f := range families {
		if f.GetName() != MetricHeadRecoverySeconds {
			continue
		}
		found = true
		h := f.GetMetric()[0].GetHistogram()
		if h.GetSampleCount() != 5 {
			t.Errorf("sample count %d, want 5", h.GetSampleCount())
		}
		buckets := h.GetBucket()
		first, last := buckets[0], buckets[len(buckets)-1]
		if first.GetUpperBound() != 0.1 || first.GetCumulativeCount() != 1 {
			t.Errorf("first bucket le=%v count=%d, want le=0.1 count=1", first.GetUpperBound(), first.GetCumulativeCount())
		}
		if last.GetUpperBound() != 600 || last.GetCumulativeCount() != 4 {
			t.Errorf("last bucket le=%v count=%d, want le=600 count=4 (11 min is beyond)", last.GetUpperBound(), last.GetCumulativeCount())
		}
	}
	if !found {
		t.Fatalf("%s not gathered", MetricHeadRecoverySeconds)
	}
}

func TestMetricsHeadStateGauge(t *testing.T) {
	a := types.NamespacedName{Namespace: "ns", Name: "a"}
	b := types.NamespacedName{Namespace: "ns", Name: "b"}
	tests := map[string]struct {
		record func(*Metrics)
		want   map[HeadState]float64 // states not listed must be 0
	}{
		"every state starts at zero": {record: func(*Metrics) {}, want: nil},
		"two clusters": {record: func(m *Metrics) {
			m.SetHeadState(a, HeadHealthy)
			m.SetHeadState(b, HeadHealthy)
		}, want: map[HeadState]float64{HeadHealthy: 2}},
		"a transition moves the cluster": {record: func(m *Metrics) {
			m.SetHeadState(a, HeadHealthy)
			m.SetHeadState(b, HeadHealthy)
			m.SetHeadState(a, HeadNodeLost)
			m.SetHeadState(a, HeadNodeLost)
		}, want: map[HeadState]float64{HeadHealthy: 1, HeadNodeLost: 1}},
		"a deleted cluster is forgotten": {record: func(m *Metrics) {
			m.SetHeadState(a, HeadCrashLoop)
			m.ForgetCluster(a)
			m.ForgetCluster(b)
		}, want: nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, _ := newTestMetrics(t)
			tc.record(m)
			for _, s := range HeadStates() {
				if got := testutil.ToFloat64(m.byState.WithLabelValues(string(s))); got != tc.want[s] {
					t.Errorf("state %s: %v clusters, want %v", s, got, tc.want[s])
				}
			}
		})
	}
}
