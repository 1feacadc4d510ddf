/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"testing"
	"time"
)

func TestCheckBudgets(t *testing.T) {
	mode := func(name string, operatorP99, readyMax float64) ModeResult {
		return ModeResult{Mode: name, Metrics: []MetricSummary{
			{Milestone: msDetected, OperatorAttributable: true, Seconds: Summary{N: 1, P99: operatorP99, Max: operatorP99}},
			{Milestone: msReady, Seconds: Summary{N: 1, P99: readyMax, Max: readyMax}},
		}}
	}
	// The force-delete after a failover waits for the Lease: not the
	// operator's share, so it never counts against the 1 s budget.
	failover := func(readyFromKill float64) ModeResult {
		return ModeResult{Mode: failoverMode, Metrics: []MetricSummary{
			{Milestone: msForceDelete, Seconds: Summary{N: 1, P99: 9.6, Max: 9.6}},
			{Milestone: msReadyKill, Seconds: Summary{N: 1, P99: readyFromKill, Max: readyFromKill}},
		}}
	}
	cfg := Config{NodeLostGrace: 5 * time.Second}
	tests := map[string]struct {
		res  Result
		want map[string]bool // budget name -> met
	}{
		"nothing ran": {res: Result{}, want: map[string]bool{}},
		"all within": {
			res: Result{
				Recovery: []ModeResult{mode("head-deleted", 0.05, 0.1), mode("node-lost", 0.04, 4.5)},
				Steady:   []SteadyResult{{Path: "fast-path"}, {Path: "full-check"}},
				Scale:    []ScaleResult{{Clusters: 50, AllReadySeconds: 10, CPUSeconds: 7, Requests: 700}, {Clusters: 200, AllReadySeconds: 42, CPUSeconds: 28, Requests: 2800}},
			},
			want: map[string]bool{
				"operator-attributable recovery time, p99":                     true,
				"node lost: new head Ready after the node shows NotReady, max": true,
				"steady-state reconcile of an unchanged cluster":               true,
				"growth of time until all Ready, 50 -> 200 clusters":           true,
				"growth of CPU seconds, 50 -> 200 clusters":                    true,
				"growth of the operator's API requests, 50 -> 200 clusters":    true,
			},
		},
		"slow operator, a write, quadratic CPU": {
			res: Result{
				Recovery: []ModeResult{mode("head-deleted", 1.5, 2)},
				Steady:   []SteadyResult{{Path: "fast-path", Writes: 1}},
				Scale:    []ScaleResult{{Clusters: 50, CPUSeconds: 7}, {Clusters: 200, CPUSeconds: 112}},
			},
			want: map[string]bool{
				"operator-attributable recovery time, p99":       false,
				"steady-state reconcile of an unchanged cluster": false,
				"growth of CPU seconds, 50 -> 200 clusters":      false,
			},
		},
		"leader failover within lease + graces + 5 s": {
			res: Result{
				Settings: Settings{LeaseDurationSeconds: 15, NodeMonitorGraceSeconds: 5},
				Recovery: []ModeResult{mode("head-deleted", 0.05, 0.1), failover(19)},
			},
			want: map[string]bool{
				"operator-attributable recovery time, p99":                                 true,
				"leader and head's node lost together: new head Ready after the kill, max": true,
			},
		},
		"leader failover too slow": {
			res: Result{
				Settings: Settings{LeaseDurationSeconds: 15, NodeMonitorGraceSeconds: 5},
				Recovery: []ModeResult{failover(30)},
			},
			want: map[string]bool{
				"operator-attributable recovery time, p99":                                 true,
				"leader and head's node lost together: new head Ready after the kill, max": false,
			},
		},
		"recovery only": {
			res:  Result{Recovery: []ModeResult{mode("head-deleted", 0.05, 0.1)}},
			want: map[string]bool{"operator-attributable recovery time, p99": true},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := map[string]bool{}
			for _, b := range checkBudgets(&tc.res, cfg) {
				got[b.Name] = b.Met
			}
			if len(got) != len(tc.want) {
				t.Errorf("budgets %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if met, ok := got[k]; !ok || met != v {
					t.Errorf("budget %q: met %v (present %v), want %v", k, met, ok, v)
				}
			}
		})
	}
}
