package main

import (
	"context"
	"fmt"
	"time"
)

// headDeletedBound: Kubernetes itself recreates a deleted head (the
// StatefulSet does); the operator observes and times it.
const headDeletedBound = 30 * time.Second

// headDeleted deletes the head pod, as an eviction or a careless kubectl
// would, and times its recovery.
func (d *demo) headDeleted(ctx context.Context) (result, error) {
	before, err := d.baseline(ctx)
	if err != nil {
		return result{}, err
	}
	d.step("scenario %s: deleting the head pod %s (on %s)", scenarioHeadDeleted, before.pod.Name, before.pod.Spec.NodeName)
	t0 := time.Now()
	if err := d.k8s.Delete(ctx, &before.pod); err != nil {
		return result{}, fmt.Errorf("deleting the head pod %s: %w", before.pod.Name, err)
	}
	h, err := d.waitHeadRecovered(ctx, t0, before, headDeletedBound)
	if err != nil {
		return result{}, err
	}
	r := result{scenario: scenarioHeadDeleted, what: "head pod deleted; StatefulSet made a new one"}
	d.recordHeadOutcome(ctx, &r, h, before, headDeletedBound)
	d.noteEvents(ctx, &r, before.events)
	d.detail("%s after %s", r.outcome, showDuration(r.wall))
	return r, nil
}
