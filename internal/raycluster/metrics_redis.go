/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
)

// Metric names of the Redis side, exported for tests, alerts and dashboards.
const (
	// MetricRedisUnreachableClusters counts the RayClusters whose last Redis
	// check failed (condition RedisReachable False): a head that fails now
	// comes back without its GCS state, or not at all.
	MetricRedisUnreachableClusters = "rayha_redis_unreachable_clusters"
	// MetricRedisCleanupTimeouts counts deleted RayClusters whose GCS data
	// could not be deleted from Redis within their deletion timeout (event
	// RedisCleanupTimedOut): keys that need a manual clean-up.
	MetricRedisCleanupTimeouts = "rayha_redis_cleanup_timeouts_total"
)

// RedisMetrics are the Redis reachability and clean-up metrics. A nil
// *RedisMetrics records nothing, so hooks built without one (unit tests)
// need no registry.
type RedisMetrics struct {
	unreachable prometheus.Gauge
	timeouts    prometheus.Counter

	mu sync.Mutex
	// down are the clusters counted in the unreachable gauge.
	down map[types.NamespacedName]bool
}

// NewRedisMetrics creates the metrics and registers them on reg.
func NewRedisMetrics(reg prometheus.Registerer) (*RedisMetrics, error) {
	m := &RedisMetrics{
		unreachable: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: MetricRedisUnreachableClusters,
			Help: "RayClusters whose last Redis reachability check failed (condition RedisReachable False).",
		}),
		timeouts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: MetricRedisCleanupTimeouts,
			Help: "Deleted RayClusters whose GCS data was not deleted from Redis within the deletion timeout.",
		}),
		down: map[types.NamespacedName]bool{},
	}
	for _, c := range []prometheus.Collector{m.unreachable, m.timeouts} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering Redis metrics: %w", err)
		}
	}
	return m, nil
}

// SetReachable records a cluster's latest Redis verdict.
func (m *RedisMetrics) SetReachable(cluster types.NamespacedName, reachable bool) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case !reachable && !m.down[cluster]:
		m.down[cluster] = true
		m.unreachable.Inc()
	case reachable && m.down[cluster]:
		delete(m.down, cluster)
		m.unreachable.Dec()
	}
}

// ForgetCluster drops a deleted cluster, or one without fault tolerance,
// from the gauge.
func (m *RedisMetrics) ForgetCluster(cluster types.NamespacedName) {
	m.SetReachable(cluster, true)
}

// CountCleanupTimeout records one clean-up given up after its timeout.
func (m *RedisMetrics) CountCleanupTimeout() {
	if m == nil {
		return
	}
	m.timeouts.Inc()
}
