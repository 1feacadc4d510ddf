/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/types"
)

func TestRedisMetrics(t *testing.T) {
	a := types.NamespacedName{Namespace: "ns", Name: "a"}
	b := types.NamespacedName{Namespace: "ns", Name: "b"}
	type step struct {
		cluster   types.NamespacedName
		reachable bool
		forget    bool
	}
	tests := map[string]struct {
		steps           []step
		timeouts        int
		wantUnreachable float64
	}{
		"nothing seen":                 {},
		"one down, counted once":       {steps: []step{{cluster: a}, {cluster: a}}, wantUnreachable: 1},
		"two down, one back":           {steps: []step{{cluster: a}, {cluster: b}, {cluster: a, reachable: true}}, wantUnreachable: 1},
		"down cluster deleted":         {steps: []step{{cluster: a}, {cluster: b}, {cluster: b, forget: true}}, wantUnreachable: 1},
		"reachable cluster forgotten":  {steps: []step{{cluster: a, reachable: true}, {cluster: a, forget: true}}},
		"clean-up timeouts add up":     {timeouts: 3},
		"timeouts do not touch gauges": {steps: []step{{cluster: a}}, timeouts: 2, wantUnreachable: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := NewRedisMetrics(prometheus.NewRegistry())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.steps {
				if s.forget {
					m.ForgetCluster(s.cluster)
				} else {
					m.SetReachable(s.cluster, s.reachable)
				}
			}
			for range tc.timeouts {
				m.CountCleanupTimeout()
			}
			if got := testutil.ToFloat64(m.unreachable); got != tc.wantUnreachable {
				t.Errorf("%s = %v, want %v", MetricRedisUnreachableClusters, got, tc.wantUnreachable)
			}
			if got := testutil.ToFloat64(m.timeouts); got != float64(tc.timeouts) {
				t.Errorf("%s = %v, want %d", MetricRedisCleanupTimeouts, got, tc.timeouts)
			}
		})
	}
}
