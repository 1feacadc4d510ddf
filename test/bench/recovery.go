/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// Milestone names, as they appear in the tables and the JSON.
const (
	msDetected    = "detected"
	msForceDelete = "force-delete issued"
	msReplacement = "replacement pod created"
	msReady       = "new head Ready"
	msReadyKill   = "new head Ready, from the kill"
	msRecorded    = "recovery recorded"
)

// Bounds of one run: generous, so that a loaded machine gives slow numbers
// rather than errors.
const (
	readyTimeout    = 2 * time.Minute
	recoveryTimeout = 2 * time.Minute
)

// ModeResult is the recovery latency of one failure mode.
type ModeResult struct {
	Mode    string          `json:"mode"`
	Title   string          `json:"title"`
	Runs    int             `json:"runs"`
	Metrics []MetricSummary `json:"metrics"`
}

// MetricSummary is one milestone's distribution, with where it is timed
// from and whether it is the operator's own share.
type MetricSummary struct {
	Milestone            string  `json:"milestone"`
	From                 string  `json:"from"`
	OperatorAttributable bool    `json:"operatorAttributable"`
	Seconds              Summary `json:"seconds"`
}

// runRecovery measures every selected mode, Runs times each, one fresh
// RayCluster per run.
func runRecovery(ctx context.Context, e *env, cfg Config) ([]ModeResult, error) {
	var out []ModeResult
	for _, m := range modes() {
		if m.Failover || !cfg.runsMode(m.Name) {
			continue
		}
		res, err := runMode(ctx, e, cfg, m)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

func runMode(ctx context.Context, e *env, cfg Config, m *mode) (ModeResult, error) {
	ns := "bench-" + m.Name
	if err := e.namespace(ctx, ns); err != nil {
		return ModeResult{}, err
	}
	// The kubelet for the heads of the modes that write pod status: a
	// bound, pending head becomes Running and Ready as quickly as kwok's
	// fast stage makes the other pods. A failed write is retried on its
	// next pass.
	kctx, stopKubelet := context.WithCancel(ctx)
	kubelet := make(chan struct{})
	go func() { defer close(kubelet); harness.RunKubelet(kctx, e.client, ns, nil) }()
	defer func() { stopKubelet(); <-kubelet }()
	samples := map[string][]time.Duration{}
	for i := 0; i < cfg.Runs; i++ {
		got, err := runOnce(ctx, e, cfg, m, ns, fmt.Sprintf("rc-%d", i))
		if err != nil {
			return ModeResult{}, fmt.Errorf("recovery mode %s, run %d: %w", m.Name, i+1, err)
		}
		e.logf("recovery %s run %d: %s", m.Name, i+1, formatRun(got))
		for k, v := range got {
			samples[k] = append(samples[k], v)
		}
	}
	return ModeResult{Mode: m.Name, Title: m.Title, Runs: cfg.Runs, Metrics: summarizeMode(m, samples)}, nil
}

// runOnce creates a cluster, waits for it, fails its head and measures the
// milestones, then removes the cluster.
func runOnce(ctx context.Context, e *env, cfg Config, m *mode, ns, name string) (map[string]time.Duration, error) {
	rc := harness.NewRayCluster(ns, name, harness.ClusterOptions{
		RedisAddress: e.redis.Addr(), Workers: 1, HeadStatusByTest: m.StatusByTest, Annotations: modeAnnotations(m, cfg),
	})
	if err := e.client.Create(ctx, rc); err != nil {
		return nil, fmt.Errorf("creating RayCluster %s/%s: %w", ns, name, err)
	}
	defer e.removeCluster(ctx, ns, name)
	old, err := e.waitClusterReady(ctx, ns, name, readyTimeout)
	if err != nil {
		return nil, err
	}
	tl, err := watchTimeline(ctx, e.client, ns)
	if err != nil {
		return nil, err
	}
	defer tl.stop()
	r := &recoveryRun{env: e, cfg: cfg, ns: ns, name: name, old: old, injected: time.Now()}
	if err := m.inject(ctx, r); err != nil {
		return nil, err
	}
	if r.killed != "" {
		defer e.restartNode(ctx, r.killed)
	}
	events, err := waitRecovered(ctx, tl, m, r)
	if err != nil {
		return nil, err
	}
	return milestones(m, r, events)
}

// modeAnnotations are the per-cluster bounds, set as users set them. In the
// node-lost mode the stuck-Terminating grace is long, so the node rule is
// what acts (the evicted head is Terminating too).
func modeAnnotations(m *mode, cfg Config) map[string]string {
	stuck := cfg.StuckGrace
	if m.Name == "node-lost" {
		stuck = time.Minute
	}
	return map[string]string{
		raycluster.AnnotationStuckTerminatingGrace: seconds(stuck),
		raycluster.AnnotationNodeLostGrace:         seconds(cfg.NodeLostGrace),
	}
}

func seconds(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }

// waitRecovered waits until the head is Ready again and the operator has
// recorded the recovery, and returns the timeline.
func waitRecovered(ctx context.Context, tl *timeline, m *mode, r *recoveryRun) ([]observed, error) {
	var events []observed
	_, err := harness.Wait(ctx, recoveryTimeout, fmt.Sprintf("RayCluster %s/%s: a recovered head", r.ns, r.name),
		func(context.Context) (bool, string, error) {
			events = tl.snapshot()
			detected := firstAfter(events, r.injected, recovering(r.name, metav1.ConditionTrue))
			ready := headReadyAt(m, r, events)
			recorded := !detected.IsZero() && !firstAfter(events, detected, recovering(r.name, metav1.ConditionFalse)).IsZero()
			return !detected.IsZero() && !ready.IsZero() && recorded,
				fmt.Sprintf("HeadRecovering True seen %t, head Ready again %t, HeadRecovering False after %t", !detected.IsZero(), !ready.IsZero(), recorded), nil
		})
	if err != nil {
		return nil, err
	}
	return events, nil
}

// headReadyAt is when a head was Ready again after the failure; zero when
// not yet. Where the head restarts in place, the pod that was Ready before
// the failure is the one that must become Ready again, so only an event
// after the failure showed counts.
func headReadyAt(m *mode, r *recoveryRun, events []observed) time.Time {
	from := r.injected
	if m.InPlace {
		if from = m.visible(r, events); from.IsZero() {
			return time.Time{}
		}
	}
	return firstAfter(events, from, headReady(r.name, r.oldUID(), m.InPlace))
}

// milestones turns a run's timeline into durations from the moment the API
// showed the failure (for the operator's force-delete: from the moment its
// policy allowed it, so the configured grace is not counted as latency).
func milestones(m *mode, r *recoveryRun, events []observed) (map[string]time.Duration, error) {
	visible := m.visible(r, events)
	if visible.IsZero() {
		return nil, fmt.Errorf("RayCluster %s/%s: the failure never showed in the API", r.ns, r.name)
	}
	// Watches deliver independently: the operator's reaction may reach the
	// bench before the failure's own event does. The acknowledged write
	// bounds when the API showed it.
	if !r.written.IsZero() && r.written.Before(visible) {
		visible = r.written
	}
	detected := firstAfter(events, r.injected, recovering(r.name, metav1.ConditionTrue))
	out := map[string]time.Duration{
		msDetected: detected.Sub(visible),
		msReady:    headReadyAt(m, r, events).Sub(visible),
		msRecorded: firstAfter(events, detected, recovering(r.name, metav1.ConditionFalse)).Sub(visible),
	}
	if !m.InPlace {
		created := firstAfter(events, r.injected, newHeadCreated(r.name, r.oldUID()))
		if created.IsZero() {
			return nil, fmt.Errorf("RayCluster %s/%s: no replacement head seen", r.ns, r.name)
		}
		out[msReplacement] = created.Sub(visible)
	}
	if m.Forced {
		eligible := m.eligible(r, events, visible)
		gone := firstAfter(events, r.injected, headGone(r.name, r.oldUID()))
		if eligible.IsZero() || gone.IsZero() {
			return nil, fmt.Errorf("RayCluster %s/%s: no force-delete seen", r.ns, r.name)
		}
		out[msForceDelete] = gone.Sub(eligible)
	}
	if r.killed != "" {
		out[msReadyKill] = firstAfter(events, r.injected, headReady(r.name, r.oldUID(), false)).Sub(r.injected)
	}
	return out, nil
}

// summarizeMode orders a mode's milestones and marks the operator's share:
// the force-delete where the operator acts, the detection where Kubernetes
// replaces or restarts the head. After a leader failover the force-delete
// waits for the standby to take the Lease: the lease timings' share, not
// the operator's reaction, so it is not marked.
func summarizeMode(m *mode, samples map[string][]time.Duration) []MetricSummary {
	from := "failure visible in the API"
	var out []MetricSummary
	add := func(name, from string, operator bool) {
		if s, ok := samples[name]; ok {
			out = append(out, MetricSummary{Milestone: name, From: from, OperatorAttributable: operator, Seconds: summarize(s)})
		}
	}
	add(msDetected, from, !m.Forced)
	add(msForceDelete, "grace elapsed (operator policy)", m.Forced && !m.Failover)
	add(msReplacement, from, false)
	add(msReady, from, false)
	add(msReadyKill, killedFrom(m), false)
	add(msRecorded, from, false)
	return out
}

func killedFrom(m *mode) string {
	if m.Failover {
		return "node process and leader killed"
	}
	return "node process killed"
}

func formatRun(got map[string]time.Duration) string {
	s := ""
	for _, k := range []string{msDetected, msForceDelete, msReplacement, msReady, msReadyKill, msRecorded} {
		if v, ok := got[k]; ok {
			s += fmt.Sprintf("%s %s; ", k, v.Round(time.Millisecond))
		}
	}
	return s
}

// waitClusterReady waits for the RayCluster's ready state and returns its
// head pod.
func (e *env) waitClusterReady(ctx context.Context, ns, name string, timeout time.Duration) (*corev1.Pod, error) {
	deadline := time.Now().Add(timeout)
	for {
		rc := &rayv1.RayCluster{}
		err := e.client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, rc)
		if err == nil && rc.Status.State == rayv1.ClusterStateReady {
			head := &corev1.Pod{}
			key := types.NamespacedName{Namespace: ns, Name: raycluster.HeadPodName(name)}
			if err := e.client.Get(ctx, key, head); err == nil && harness.PodReady(head) {
				return head, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("RayCluster %s/%s not ready within %s (state %q, error %v)", ns, name, timeout, rc.Status.State, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// removeCluster deletes a RayCluster and force-deletes its pods, which no
// kubelet may be left to finish (the bench's own, or a lost node's).
func (e *env) removeCluster(ctx context.Context, ns, name string) {
	rc := &rayv1.RayCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := e.client.Delete(ctx, rc); err != nil && !apierrors.IsNotFound(err) {
		e.logf("deleting RayCluster %s/%s: %v", ns, name, err)
		return
	}
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		_ = e.client.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns),
			client.MatchingLabels{raycluster.LabelCluster: name}, client.GracePeriodSeconds(0))
		err := e.client.Get(ctx, client.ObjectKeyFromObject(rc), rc)
		if apierrors.IsNotFound(err) {
			return
		}
	}
	e.logf("RayCluster %s/%s still present a minute after its deletion", ns, name)
}

// restartNode brings a killed node back and waits until it is Ready, so the
// next run starts on a whole cluster.
func (e *env) restartNode(ctx context.Context, name string) {
	if err := e.cluster.RestartNode(name); err != nil {
		e.logf("restarting node %s: %v", name, err)
		return
	}
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		n := &corev1.Node{}
		if err := e.client.Get(ctx, types.NamespacedName{Name: name}, n); err == nil && simcluster.NodeReady(n) {
			return
		}
	}
	e.logf("node %s not Ready a minute after its restart", name)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
