/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// Zone labels, as the node lifecycle controller reads them (region and
// zone together name a zone; the beta labels are the older spelling).
const (
	labelZone       = "topology.kubernetes.io/zone"
	labelRegion     = "topology.kubernetes.io/region"
	labelZoneBeta   = "failure-domain.beta.kubernetes.io/zone"
	labelRegionBeta = "failure-domain.beta.kubernetes.io/region"
)

// FleetBrake is the operator-wide view that every head force-delete asks
// first. A force-delete is safe when one node is lost: its head cannot
// run any more, or will be killed when the node returns. When a large part
// of a zone goes NotReady together, the likelier cause is a partition (a
// network or API server fault) with the heads still running; forcing them
// would start second GCS servers on the same Redis namespaces. The brake
// then holds, as the node lifecycle controller stops evicting in a
// disrupted zone. It also caps force-deletes across the fleet per window.
//
// One instance serves every RayCluster (built once in
// operator.SetupRayCluster). It reads nodes from the manager's cache and
// keeps the recent force-deletes in memory: a new leader starts with an
// empty window (docs/gcs-ha.md). Safe for concurrent reconciles.
type FleetBrake struct {
	reader client.Reader
	opts   FleetBrakeOptions

	mu sync.Mutex
	// forced are the times of force-deletes admitted within the window,
	// oldest first.
	forced []time.Time
	// lastDisrupted is, per zone, the last time the zone was seen disrupted.
	lastDisrupted map[string]time.Time
}

// NewFleetBrake builds the brake; reader is the manager's cache.
func NewFleetBrake(reader client.Reader, opts FleetBrakeOptions) *FleetBrake {
	return &FleetBrake{reader: reader, opts: opts, lastDisrupted: map[string]time.Time{}}
}

// BrakeHold is why the brake holds a force-delete back.
type BrakeHold struct {
	// Reason is the FleetBrake condition's reason (api/v1).
	Reason string
	// Message names the zone and counts, in words that change only when
	// the nodes do.
	Message string
	// RecheckAfter is when time alone may release the hold (0: only a
	// node change can; the caller rechecks on its own period).
	RecheckAfter time.Duration
}

// Admit asks whether the head on nodeName ("" or a missing Node: judged
// against the whole cluster) may be force-deleted at now. Admitted, the
// force-delete is counted in the window at once, so concurrent reconciles
// cannot overrun the budget together; the caller gives the slot back
// with Return when the delete did not happen. A disabled brake admits all.
func (b *FleetBrake) Admit(ctx context.Context, nodeName string, now time.Time) (*BrakeHold, error) {
	if b == nil || !b.opts.Enabled {
		return nil, nil
	}
	var nodes corev1.NodeList
	if err := b.reader.List(ctx, &nodes); err != nil {
		return nil, fmt.Errorf("fleet brake: listing nodes: %w", err)
	}
	return b.admitNodes(nodes.Items, nodeName, now), nil
}

// Return gives back the slot Admit took at admitted for a force-delete
// that did not happen (the pod was gone or changed, or the delete failed).
func (b *FleetBrake) Return(admitted time.Time) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.forced) - 1; i >= 0; i-- {
		if b.forced[i].Equal(admitted) {
			b.forced = append(b.forced[:i], b.forced[i+1:]...)
			return
		}
	}
}

// admitNodes is Admit on a node list: the zone first, then the budget.
func (b *FleetBrake) admitNodes(nodes []corev1.Node, nodeName string, now time.Time) *BrakeHold {
	b.mu.Lock()
	defer b.mu.Unlock()
	if h := b.zoneHold(nodes, nodeName, now); h != nil {
		return h
	}
	if h := b.budgetHold(now); h != nil {
		return h
	}
	if b.opts.MaxForcedReplacements > 0 {
		b.forced = append(b.forced, now)
	}
	return nil
}

// zoneHold holds while the head's zone is disrupted, and for the release
// delay after it was last seen so.
func (b *FleetBrake) zoneHold(nodes []corev1.Node, nodeName string, now time.Time) *BrakeHold {
	zone, counts := zoneOf(nodes, nodeName)
	c := counts[zone]
	if b.opts.disrupted(c) {
		b.lastDisrupted[zone] = now
		return &BrakeHold{Reason: rayv1.ReasonZoneDisrupted, RecheckAfter: b.opts.ReleaseDelay,
			Message: fmt.Sprintf("%s has %d of %d nodes NotReady (limit: %d nodes and %.0f%%); a partition is likelier than %d lost nodes",
				zoneWords(zone), c.notReady, c.total, b.opts.UnhealthyZoneMinNodes, b.opts.UnhealthyZoneThreshold*100, c.notReady)}
	}
	last, seen := b.lastDisrupted[zone]
	if !seen {
		return nil
	}
	if wait := last.Add(b.opts.ReleaseDelay).Sub(now); wait > 0 {
		return &BrakeHold{Reason: rayv1.ReasonDisruptionSettling, RecheckAfter: wait,
			Message: fmt.Sprintf("%s was disrupted until a moment ago; holding for %s while its nodes come back",
				zoneWords(zone), b.opts.ReleaseDelay)}
	}
	delete(b.lastDisrupted, zone)
	return nil
}

// budgetHold holds when the window's force-deletes reached the budget.
func (b *FleetBrake) budgetHold(now time.Time) *BrakeHold {
	if b.opts.MaxForcedReplacements <= 0 {
		return nil
	}
	cutoff := now.Add(-b.opts.ForcedReplacementWindow)
	kept := b.forced[:0]
	for _, t := range b.forced {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	b.forced = kept
	if len(b.forced) < b.opts.MaxForcedReplacements {
		return nil
	}
	return &BrakeHold{Reason: rayv1.ReasonForcedReplacementBudgetExhausted,
		RecheckAfter: b.forced[0].Add(b.opts.ForcedReplacementWindow).Sub(now),
		Message: fmt.Sprintf("%d heads were force-deleted across the fleet within %s, the budget",
			len(b.forced), b.opts.ForcedReplacementWindow)}
}

// zoneCount is a zone's NotReady and total nodes.
type zoneCount struct{ notReady, total int }

// disrupted is the node lifecycle controller's partial-disruption test
// (which a fully disrupted zone of enough nodes passes too).
func (o FleetBrakeOptions) disrupted(c zoneCount) bool {
	return c.total > 0 && c.notReady >= o.UnhealthyZoneMinNodes &&
		float64(c.notReady)/float64(c.total) >= o.UnhealthyZoneThreshold
}

// zoneOf counts nodes per zone and returns the zone of nodeName. A node
// that is not in the list (deleted, or none given) is judged against the
// whole cluster as one zone, which then is "".
func zoneOf(nodes []corev1.Node, nodeName string) (string, map[string]zoneCount) {
	counts := map[string]zoneCount{}
	all := zoneCount{}
	zone, found := "", false
	for i := range nodes {
		n := &nodes[i]
		z := zoneKey(n)
		c := counts[z]
		c.total++
		all.total++
		if !nodeIsReady(n) {
			c.notReady++
			all.notReady++
		}
		counts[z] = c
		if n.Name == nodeName {
			zone, found = z, true
		}
	}
	if !found {
		counts[""] = all
		return "", counts
	}
	return zone, counts
}

// zoneKey is the node's region/zone (the zone alone without a region
// label); "" without zone labels.
func zoneKey(n *corev1.Node) string {
	zone, region := n.Labels[labelZone], n.Labels[labelRegion]
	if zone == "" {
		zone = n.Labels[labelZoneBeta]
	}
	if region == "" {
		region = n.Labels[labelRegionBeta]
	}
	if region == "" {
		return zone
	}
	return region + "/" + zone
}

// nodeIsReady counts a node without a Ready condition as NotReady, as the
// node lifecycle controller does.
func nodeIsReady(n *corev1.Node) bool {
	c := nodeCondition(n, corev1.NodeReady)
	return c != nil && c.Status == corev1.ConditionTrue
}

func zoneWords(zone string) string {
	if zone == "" {
		return "the cluster"
	}
	return "zone " + zone
}
