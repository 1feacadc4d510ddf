/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"fmt"
	"strings"
)

// Budget is one line of DESIGN section 6 held against the numbers.
type Budget struct {
	Name   string `json:"name"`
	Limit  string `json:"limit"`
	Actual string `json:"actual"`
	Met    bool   `json:"met"`
}

// linearSlack is how much worse than linear a K/4 -> K growth may be and
// still count as linear: a 2-core machine shared with other work measures
// a few tens of percent of noise.
const linearSlack = 1.5

func checkBudgets(r *Result, cfg Config) []Budget {
	// A phase that did not run (-phases) has no budget line.
	var out []Budget
	if len(r.Recovery) > 0 {
		out = append(out, recoveryBudget(r))
	}
	if b, ok := nodeLostBudget(r, cfg); ok {
		out = append(out, b)
	}
	if b, ok := failoverBudget(r, cfg); ok {
		out = append(out, b)
	}
	if len(r.Steady) > 0 {
		out = append(out, steadyBudget(r))
	}
	out = append(out, growthBudgets(r)...)
	return out
}

// recoveryBudget: the operator's own share, p99 under one second, in every mode.
func recoveryBudget(r *Result) Budget {
	worst, where := 0.0, ""
	for _, m := range r.Recovery {
		for _, s := range m.Metrics {
			if s.OperatorAttributable && s.Seconds.P99 >= worst {
				worst, where = s.Seconds.P99, m.Mode+": "+s.Milestone
			}
		}
	}
	return Budget{Name: "operator-attributable recovery time, p99", Limit: "< 1 s",
		Actual: fmt.Sprintf("%.3f s (worst: %s)", worst, where), Met: worst < 1}
}

// nodeLostBudget: new head Ready within the grace + 5 s of the node
// showing NotReady.
func nodeLostBudget(r *Result, cfg Config) (Budget, bool) {
	for _, m := range r.Recovery {
		if m.Mode != "node-lost" {
			continue
		}
		for _, s := range m.Metrics {
			if s.Milestone == msReady {
				limit := cfg.NodeLostGrace.Seconds() + 5
				return Budget{Name: "node lost: new head Ready after the node shows NotReady, max", Limit: fmt.Sprintf("< grace + 5 s = %.0f s", limit),
					Actual: fmt.Sprintf("%.3f s", s.Seconds.Max), Met: s.Seconds.Max < limit}, true
			}
		}
	}
	return Budget{}, false
}

// failoverBudget: with the leader lost together with the head's node, the
// new head is Ready within the lease, the node's time to NotReady and the
// node-lost grace, plus 5 s, of the kill (docs/operator-ha.md). The lease and
// the node's grace run at the same time, so their sum is a bound, not the
// expectation.
func failoverBudget(r *Result, cfg Config) (Budget, bool) {
	for _, m := range r.Recovery {
		if m.Mode != failoverMode {
			continue
		}
		for _, s := range m.Metrics {
			if s.Milestone == msReadyKill {
				st := r.Settings
				limit := st.LeaseDurationSeconds + st.NodeMonitorGraceSeconds + cfg.NodeLostGrace.Seconds() + 5
				return Budget{Name: "leader and head's node lost together: new head Ready after the kill, max",
					Limit:  fmt.Sprintf("< lease + node-monitor grace + node-lost grace + 5 s = %.0f s", limit),
					Actual: fmt.Sprintf("%.3f s", s.Seconds.Max), Met: s.Seconds.Max < limit}, true
			}
		}
	}
	return Budget{}, false
}

// steadyBudget: an unchanged reconcile writes nothing, on either path.
func steadyBudget(r *Result) Budget {
	met, parts := true, []string{}
	for _, s := range r.Steady {
		parts = append(parts, fmt.Sprintf("%s %.1f writes/reconcile", s.Path, s.Writes))
		if s.Writes > 0 || s.ClusterWritten {
			met = false
		}
	}
	return Budget{Name: "steady-state reconcile of an unchanged cluster", Limit: "no writes",
		Actual: strings.Join(parts, ", "), Met: met}
}

// growthBudgets: from K/4 to K, each cost grows at most linearly.
func growthBudgets(r *Result) []Budget {
	if len(r.Scale) < 2 {
		return nil
	}
	small, big := r.Scale[0], r.Scale[len(r.Scale)-1]
	factor := float64(big.Clusters) / float64(small.Clusters)
	var out []Budget
	for _, g := range growths(small, big) {
		if g.small <= 0 {
			continue
		}
		ratio := g.big / g.small
		out = append(out, Budget{
			Name:   fmt.Sprintf("growth of %s, %d -> %d clusters", g.name, small.Clusters, big.Clusters),
			Limit:  fmt.Sprintf("linear: x%.1f or less (x%.1f with slack)", factor, factor*linearSlack),
			Actual: fmt.Sprintf("x%.2f", ratio), Met: ratio <= factor*linearSlack,
		})
	}
	return out
}

type growth struct {
	name       string
	small, big float64
}

// growths are the costs that should scale with the number of clusters.
// The heap after a GC includes the process's fixed part (caches of the
// cluster's other objects, the chart, the driver), which flatters its ratio.
func growths(small, big ScaleResult) []growth {
	return []growth{
		{"time until all Ready", small.AllReadySeconds, big.AllReadySeconds},
		{"CPU seconds", small.CPUSeconds, big.CPUSeconds},
		{"the operator's API requests", float64(small.Requests), float64(big.Requests)},
		{"requests the API server served", float64(small.APIServerRequests), float64(big.APIServerRequests)},
		{"heap after GC", small.HeapAfterGCMiB, big.HeapAfterGCMiB},
	}
}
