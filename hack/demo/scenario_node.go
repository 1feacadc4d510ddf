package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// nodeLostMargin is added to the node-loss timings for the node-lost bound:
// the force-delete, a new pod scheduled and Ready, and polling.
const nodeLostMargin = 20 * time.Second

// nodeLostBound: the node is NotReady after the node monitor grace, and the
// operator force-deletes the head after its node-lost grace.
func (d *demo) nodeLostBound() time.Duration {
	return simcluster.DefaultNodeMonitorGracePeriod + d.opts.bounds.nodeLostGrace + nodeLostMargin
}

// nodeLost stops the kubelet of the head's node, the case Kubernetes does
// not handle on its own: the head pod stays Terminating on the lost node
// and the StatefulSet waits for it forever.
func (d *demo) nodeLost(ctx context.Context) (result, error) {
	before, err := d.baseline(ctx)
	if err != nil {
		return result{}, err
	}
	node := before.pod.Spec.NodeName
	bound := d.nodeLostBound()
	d.step("scenario %s: node %s, which runs the head %s, loses power (its kwok kubelet is killed)", scenarioNodeLost, node, before.pod.Name)
	t0 := time.Now()
	if err := d.cluster.KillNode(node); err != nil {
		return result{}, fmt.Errorf("killing node %s: %w", node, err)
	}
	notReady := d.watchNodeNotReady(ctx, node, t0)
	h, err := d.waitHeadRecovered(ctx, t0, before, bound)
	if err != nil {
		return result{}, err
	}
	r := result{scenario: scenarioNodeLost, what: nodeLostWhat(node, h, t0, d.opts.bounds.nodeLostGrace)}
	d.recordHeadOutcome(ctx, &r, h, before, bound)
	d.noteNodeLoss(&r, h, <-notReady)
	d.noteEvents(ctx, &r, before.events)
	d.detail("%s after %s", r.outcome, showDuration(r.wall))
	if err := d.restoreNode(ctx, &r, node); err != nil {
		return result{}, err
	}
	return r, nil
}

// watchNodeNotReady reports, on the returned channel, how long after t0 the
// node was first seen not Ready (negative if not within the bound).
func (d *demo) watchNodeNotReady(ctx context.Context, name string, t0 time.Time) <-chan time.Duration {
	ch := make(chan time.Duration, 1)
	go func() {
		_, err := harness.Wait(ctx, d.nodeLostBound(), "node "+name+" NotReady", simenv.NodeNotReady(d.k8s, name))
		if err != nil {
			ch <- -1
			return
		}
		ch <- time.Since(t0)
	}()
	return ch
}

// noteNodeLoss explains the timeline and checks the design's budget: a new
// head Ready within the node-lost grace plus 5 s of the node going NotReady.
func (d *demo) noteNodeLoss(r *result, h headRecovery, notReady time.Duration) {
	if notReady < 0 {
		r.note("the node was not seen NotReady")
		return
	}
	r.note("node NotReady after %s (the simulated node monitor grace is %s)", roundDuration(notReady), simcluster.DefaultNodeMonitorGracePeriod)
	if rec := h.rc.Status.Recovery; rec != nil && rec.LastForcedReplacementTime != nil {
		r.note("operator force-deleted the old head at %s", rec.LastForcedReplacementTime.Format(time.TimeOnly))
	}
	if h.recovered {
		budget := d.opts.bounds.nodeLostGrace + 5*time.Second
		took := h.wall - notReady
		verdict := "within"
		if took > budget {
			verdict = "OVER"
		}
		r.note("new head Ready %s after the node went NotReady: %s the budget of grace + 5s = %s", roundDuration(took), verdict, budget)
	}
}

// restoreNode brings the node back so that later scenarios, and --keep,
// have all three nodes; kwok then finishes the pods left Terminating there.
func (d *demo) restoreNode(ctx context.Context, r *result, name string) error {
	if err := d.cluster.RestartNode(name); err != nil {
		return fmt.Errorf("restarting node %s: %w", name, err)
	}
	if _, err := harness.Wait(ctx, 60*time.Second, "node "+name+" Ready again", simenv.NodeReady(d.k8s, name)); err != nil {
		return err
	}
	r.note("afterwards %s was powered on again and is Ready", name)
	return nil
}

// nodeLostWhat says what the operator did, from its own status: only a
// force-delete lets a new head start while the node stays lost.
func nodeLostWhat(node string, h headRecovery, t0 time.Time, grace time.Duration) string {
	rec := h.rc.Status.Recovery
	if rec != nil && rec.LastForcedReplacementTime != nil && !rec.LastForcedReplacementTime.Time.Before(t0.Truncate(time.Second)) {
		return fmt.Sprintf("%s lost; operator force-deleted the head after the %s grace", node, grace)
	}
	return node + " lost; the operator did not force-delete the head"
}
