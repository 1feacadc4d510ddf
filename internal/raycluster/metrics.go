/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
)

// Metric names, exported for tests and dashboards.
const (
	MetricHeadRecoverySeconds    = "rayha_head_recovery_seconds"
	MetricHeadForcedReplacements = "rayha_head_forced_replacements_total"
	MetricHeadFailuresDetected   = "rayha_head_failures_detected_total"
	MetricClustersByHeadState    = "rayha_clusters_by_head_state"
	// MetricFleetBrakeHeldClusters is the fleet brake's state: how many
	// RayClusters have a head force-delete held back right now (0: the
	// brake holds nothing).
	MetricFleetBrakeHeldClusters = "rayha_fleet_brake_held_clusters"
	// MetricFleetBrakeHolds counts head force-deletes the brake held back,
	// once per hold (not per reconcile while it lasts), by condition reason.
	MetricFleetBrakeHolds = "rayha_fleet_brake_holds_total"
	metricLabelReason     = "reason"
	metricLabelState      = "state"
)

// recoveryBuckets span 0.1 s (an in-place container restart seen late) to
// 10 min (the workers' GCS reconnect timeout, after which recovery has
// failed anyway), dense around the 10-120 s where head recoveries land.
func recoveryBuckets() []float64 {
	return []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600}
}

// Metrics are the head-health metrics. Build one with NewMetrics on
// controller-runtime's metrics.Registry in main.go, or on a private registry
// in tests; nothing is registered globally.
type Metrics struct {
	recovery *prometheus.HistogramVec
	replaced *prometheus.CounterVec
	detected *prometheus.CounterVec
	byState  *prometheus.GaugeVec
	held     prometheus.Gauge
	holds    *prometheus.CounterVec

	mu     sync.Mutex
	states map[types.NamespacedName]HeadState
	// heldByBrake are the clusters counted in the held gauge.
	heldByBrake map[types.NamespacedName]bool
}

// NewMetrics creates the metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		recovery: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    MetricHeadRecoverySeconds,
			Help:    "Time from a Ray head failure showing in the API to the head being Ready again, by failure reason.",
			Buckets: recoveryBuckets(),
		}, []string{metricLabelReason}),
		replaced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricHeadForcedReplacements,
			Help: "Ray head pods deleted or force-deleted by the operator, by failure reason.",
		}, []string{metricLabelReason}),
		detected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricHeadFailuresDetected,
			Help: "Ray head failures detected (counted once per failure), by failure reason.",
		}, []string{metricLabelReason}),
		byState: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: MetricClustersByHeadState,
			Help: "RayClusters by the state of their head.",
		}, []string{metricLabelState}),
		held: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: MetricFleetBrakeHeldClusters,
			Help: "RayClusters whose head force-delete the fleet brake holds back now (0: the brake holds nothing).",
		}),
		holds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricFleetBrakeHolds,
			Help: "Head force-deletes held back by the fleet brake, once per hold, by reason.",
		}, []string{metricLabelReason}),
		states:      map[types.NamespacedName]HeadState{},
		heldByBrake: map[types.NamespacedName]bool{},
	}
	for _, c := range []prometheus.Collector{m.recovery, m.replaced, m.detected, m.byState, m.held, m.holds} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering head-health metrics: %w", err)
		}
	}
	// Every state is shown from the start, so "0 clusters" is a real zero.
	for _, s := range HeadStates() {
		m.byState.WithLabelValues(string(s)).Set(0)
	}
	return m, nil
}

// ObserveRecovery records one completed head recovery.
func (m *Metrics) ObserveRecovery(reason Reason, d time.Duration) {
	m.recovery.WithLabelValues(string(reason)).Observe(d.Seconds())
}

// CountReplacement records one delete or force-delete of a head pod.
func (m *Metrics) CountReplacement(reason Reason) {
	m.replaced.WithLabelValues(string(reason)).Inc()
}

// CountFailure records a newly detected head failure; the caller counts each
// failure once (on the transition into a failure state), not per reconcile.
func (m *Metrics) CountFailure(reason Reason) {
	m.detected.WithLabelValues(string(reason)).Inc()
}

// SetHeadState records a cluster's current head state.
func (m *Metrics) SetHeadState(cluster types.NamespacedName, s HeadState) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.states[cluster]; ok {
		if old == s {
			return
		}
		m.byState.WithLabelValues(string(old)).Dec()
	}
	m.states[cluster] = s
	m.byState.WithLabelValues(string(s)).Inc()
}

// HeadStateOf is the state the gauge counts a cluster in; false once the
// cluster is forgotten (or was never seen).
func (m *Metrics) HeadStateOf(cluster types.NamespacedName) (HeadState, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.states[cluster]
	return s, ok
}

// ForgetCluster drops a deleted cluster from the state gauge.
func (m *Metrics) ForgetCluster(cluster types.NamespacedName) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.states[cluster]; ok {
		m.byState.WithLabelValues(string(old)).Dec()
		delete(m.states, cluster)
	}
	if m.heldByBrake[cluster] {
		delete(m.heldByBrake, cluster)
		m.held.Dec()
	}
}

// SetHeldByFleetBrake records whether the fleet brake holds a cluster's
// head force-delete back now.
func (m *Metrics) SetHeldByFleetBrake(cluster types.NamespacedName, held bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case held && !m.heldByBrake[cluster]:
		m.heldByBrake[cluster] = true
		m.held.Inc()
	case !held && m.heldByBrake[cluster]:
		delete(m.heldByBrake, cluster)
		m.held.Dec()
	}
}

// CountFleetBrakeHold records the start of one hold, by reason.
func (m *Metrics) CountFleetBrakeHold(reason string) {
	m.holds.WithLabelValues(reason).Inc()
}
