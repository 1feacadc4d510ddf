package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// runScenario runs one scenario. An error means the demo itself could not
// go on (e.g. the API server is gone); a scenario that does not recover is
// a result with ok=false. After a failed head scenario the cluster may not
// be healthy, so the next head scenario is skipped rather than measured on
// a broken cluster; the delete scenario still runs.
func (d *demo) runScenario(ctx context.Context, name string) (result, error) {
	if name != scenarioDelete && d.failedBefore() {
		return result{scenario: name, what: "skipped", detected: -1, wall: -1, outcome: "skipped: an earlier scenario failed"}, nil
	}
	fmt.Fprintln(d.out)
	switch name {
	case scenarioHeadDeleted:
		return d.headDeleted(ctx)
	case scenarioNodeLost:
		return d.nodeLost(ctx)
	case scenarioAutoscale:
		return d.autoscale(ctx)
	case scenarioDelete:
		return d.deleteCluster(ctx)
	}
	return result{}, fmt.Errorf("unknown scenario %q", name)
}

func (d *demo) failedBefore() bool {
	for _, r := range d.results {
		if !r.ok {
			return true
		}
	}
	return false
}

// headBaseline is the cluster before a failure is injected.
type headBaseline struct {
	pod        corev1.Pod
	recoveries int32
	metrics    map[string]harness.Observations
	events     map[types.UID]bool
}

// baseline reads the head pod, the recovery count and the metrics.
func (d *demo) baseline(ctx context.Context) (headBaseline, error) {
	var b headBaseline
	var rc rayv1.RayCluster
	if err := d.k8s.Get(ctx, d.rayCluster, &rc); err != nil {
		return b, fmt.Errorf("reading RayCluster %s: %w", d.rayCluster, err)
	}
	if rc.Status.Recovery != nil {
		b.recoveries = rc.Status.Recovery.Count
	}
	if err := d.k8s.Get(ctx, d.headPodKey(&rc), &b.pod); err != nil {
		return b, fmt.Errorf("reading the head pod of %s: %w", d.rayCluster, err)
	}
	b.metrics, _ = d.recoveries(ctx) // compared after recovery; a failed scrape is noted then
	b.events = d.knownEvents(ctx)
	return b, nil
}

// headPodKey names the head pod: the one in status, else the StatefulSet's.
func (d *demo) headPodKey(rc *rayv1.RayCluster) client.ObjectKey {
	name := rc.Status.Head.PodName
	if name == "" {
		name = d.rayCluster.Name + "-head-0"
	}
	return client.ObjectKey{Namespace: d.rayCluster.Namespace, Name: name}
}

// headRecovery is what the demo saw after a head failure.
type headRecovery struct {
	detected  time.Duration // -1 when HeadRecovering was never seen True
	coarse    bool          // detected comes from a whole-second timestamp
	wall      time.Duration
	recovered bool
	rc        rayv1.RayCluster
	pod       corev1.Pod // the new head pod
}

// waitHeadRecovered polls until the operator has recorded a new recovery
// and a new head pod is Ready, or the bound passes.
func (d *demo) waitHeadRecovered(ctx context.Context, t0 time.Time, before headBaseline, bound time.Duration) (headRecovery, error) {
	h := headRecovery{detected: -1}
	_, err := harness.Wait(ctx, bound, "the head of "+d.rayCluster.String()+" to recover", d.operator.While(func(ctx context.Context) (bool, string, error) {
		if err := d.k8s.Get(ctx, d.rayCluster, &h.rc); err != nil {
			return false, err.Error(), nil
		}
		if h.detected < 0 && harness.ConditionIs(&h.rc, rayv1.HeadRecovering, metav1.ConditionTrue) {
			h.detected = time.Since(t0)
		}
		if !recordedRecovery(&h.rc, before.recoveries) {
			return false, fmt.Sprintf("recovery %+v, conditions %s", h.rc.Status.Recovery, harness.ConditionSummary(&h.rc)), nil
		}
		if err := d.k8s.Get(ctx, d.headPodKey(&h.rc), &h.pod); err != nil {
			return false, err.Error(), nil
		}
		done := h.pod.UID != before.pod.UID && h.pod.DeletionTimestamp == nil && harness.PodReady(&h.pod)
		return done, fmt.Sprintf("head pod %s (uid %s) phase %s", h.pod.Name, shortUID(h.pod.UID), h.pod.Status.Phase), nil
	}))
	h.wall = time.Since(t0)
	if err != nil && (ctx.Err() != nil || d.operator.Exited()) {
		return h, err // interrupted, out of time or no operator: the demo stops
	}
	h.recovered = err == nil
	if h.detected < 0 {
		h.detected = detectedFromStatus(&h.rc, t0)
		h.coarse = h.detected >= 0
	}
	return h, nil
}

// recordedRecovery: the operator counted a recovery since the baseline, the
// head is Ready and no recovery is in progress.
func recordedRecovery(rc *rayv1.RayCluster, before int32) bool {
	r := rc.Status.Recovery
	return r != nil && r.Count > before &&
		harness.ConditionIs(rc, rayv1.HeadPodReady, metav1.ConditionTrue) && !harness.ConditionIs(rc, rayv1.HeadRecovering, metav1.ConditionTrue)
}

// detectedFromStatus falls back on status.recovery.lastFailureTime when a
// recovery ended between two polls. That time has whole-second resolution.
func detectedFromStatus(rc *rayv1.RayCluster, t0 time.Time) time.Duration {
	r := rc.Status.Recovery
	if r == nil || r.LastFailureTime == nil || r.LastFailureTime.Time.Before(t0.Truncate(time.Second)) {
		return -1
	}
	return max(r.LastFailureTime.Time.Sub(t0), 0)
}

// recordHeadOutcome fills the result from what was seen and from the
// operator's status and metrics.
func (d *demo) recordHeadOutcome(ctx context.Context, r *result, h headRecovery, before headBaseline, bound time.Duration) {
	r.detected, r.detectedCoarse, r.wall = h.detected, h.coarse, h.wall
	rec := h.rc.Status.Recovery
	if rec != nil && rec.Count > before.recoveries && rec.LastRecoveryDuration != nil {
		r.recovered = roundDuration(rec.LastRecoveryDuration.Duration).String() + " (status)"
	}
	if !h.recovered {
		r.outcome = fmt.Sprintf("NOT recovered within %s", bound)
		r.note("status now: state %q; conditions:\n%s", h.rc.Status.State, describeConditions(&h.rc))
		r.note("operator log: %s", d.operator.LogPath)
		return
	}
	r.ok, r.outcome = true, outcomeHeadRecovered
	r.note("operator status: recovery #%d, last failure %s: %s", rec.Count, rec.LastFailureReason, oneLine(rec.LastFailureMessage, 100))
	r.note("new head pod %s (uid %s) on %s", h.pod.Name, shortUID(h.pod.UID), orDash(h.pod.Spec.NodeName))
	d.noteMetrics(ctx, r, before.metrics)
}

// noteMetrics adds the recovery histogram's change since the baseline.
func (d *demo) noteMetrics(ctx context.Context, r *result, before map[string]harness.Observations) {
	after, err := d.recoveries(ctx)
	if err != nil {
		r.note("operator metrics: %v", err)
		return
	}
	var lines []string
	for reason, s := range after {
		delta := s.Minus(before[reason])
		if delta.Count > 0 {
			lines = append(lines, fmt.Sprintf(`rayha_head_recovery_seconds{reason=%q}: +%d recovery, %.2fs`, reason, delta.Count, delta.Sum))
		}
	}
	if len(lines) == 0 {
		r.note("operator metrics: no new rayha_head_recovery_seconds observation")
		return
	}
	sort.Strings(lines)
	r.note("operator metrics: %s", strings.Join(lines, "; "))
}

// knownEvents returns the UIDs of the RayCluster's events so far, so that
// a scenario shows only the events it caused. Event times are not used for
// that: some have whole-second resolution and scenarios are quicker.
func (d *demo) knownEvents(ctx context.Context) map[types.UID]bool {
	known := map[types.UID]bool{}
	events, err := d.clusterEvents(ctx)
	if err != nil {
		return known
	}
	for _, e := range events {
		known[e.UID] = true
	}
	return known
}

// noteEvents adds the events the operator wrote about the RayCluster that
// are not in known.
func (d *demo) noteEvents(ctx context.Context, r *result, known map[types.UID]bool) {
	events, err := d.clusterEvents(ctx)
	if err != nil {
		r.note("operator events: %v", err)
		return
	}
	for _, e := range events {
		if !known[e.UID] {
			r.note("event %s: %s", e.Reason, oneLine(e.Message, 110))
		}
	}
}

// clusterEvents lists the RayCluster's events, oldest first.
func (d *demo) clusterEvents(ctx context.Context) ([]corev1.Event, error) {
	var list corev1.EventList
	if err := d.k8s.List(ctx, &list, client.InNamespace(d.rayCluster.Namespace)); err != nil {
		return nil, fmt.Errorf("listing events: %w", err)
	}
	var out []corev1.Event
	for _, e := range list.Items {
		if e.InvolvedObject.Kind == "RayCluster" && e.InvolvedObject.Name == d.rayCluster.Name {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return eventTime(&out[i]).Before(eventTime(&out[j])) })
	return out, nil
}

func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

func shortUID(uid types.UID) string {
	if len(uid) > 8 {
		return string(uid[:8])
	}
	return string(uid)
}

// isGone reports whether err says the object does not exist.
func isGone(err error) bool { return apierrors.IsNotFound(err) }
