/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// mode is one head failure: how to cause it, and which of its milestones
// the operator is responsible for.
type mode struct {
	Name, Title string
	// StatusByTest: kwok leaves the head's status to the bench.
	StatusByTest bool
	// Forced: the operator's step is a force-delete after a grace;
	// otherwise Kubernetes replaces the head (or restarts it in place) and
	// the operator's step is to detect and report the failure.
	Forced bool
	// InPlace: the head pod stays (the container restarts in place).
	InPlace bool
	// Failover: the leading operator is lost with the head's node, and a
	// standby under leader election recovers the head (runFailover).
	Failover bool
	// inject causes the failure and returns the node it killed, if any.
	inject func(ctx context.Context, r *recoveryRun) error
	// visible finds, in the timeline, when the API showed the failure.
	visible func(r *recoveryRun, events []observed) time.Time
	// eligible is when the operator's policy allows its action (visible
	// plus the configured grace, as the operator computes it).
	eligible func(r *recoveryRun, events []observed, visible time.Time) time.Time
}

// recoveryRun is one failure of one fresh RayCluster.
type recoveryRun struct {
	env      *env
	cfg      Config
	ns, name string
	old      *corev1.Pod
	injected time.Time
	// written is when the API server acknowledged the write that caused
	// the failure (zero for a killed node): the failure is in the API by
	// then, even if the bench's watch delivers it a little later.
	written time.Time
	killed  string // the node a node-lost run killed
}

func modes() []*mode {
	return []*mode{
		{Name: "head-deleted", Title: "head pod deleted", inject: deleteHead, visible: oldHeadDeleting},
		{Name: "head-failed", Title: "head pod Failed", StatusByTest: true, inject: failHead, visible: oldHeadFailed},
		{Name: "container-exit", Title: "Ray container exited (restarted in place)", StatusByTest: true, InPlace: true,
			inject: exitContainer, visible: oldHeadNotReady},
		{Name: "stuck-terminating", Title: "head stuck Terminating", StatusByTest: true, Forced: true,
			inject: deleteHead, visible: oldHeadDeleting, eligible: stuckEligible},
		{Name: "node-lost", Title: "head's node lost", Forced: true,
			inject: killHeadNode, visible: killedNodeNotReady, eligible: nodeLostEligible},
		// inject is set by runFailover, which owns the two operators.
		{Name: failoverMode, Title: "head's node and the leading operator lost together", Forced: true, Failover: true,
			visible: killedNodeNotReady, eligible: nodeLostEligible},
	}
}

func findMode(name string) *mode {
	for _, m := range modes() {
		if m.Name == name {
			return m
		}
	}
	return nil
}

func deleteHead(ctx context.Context, r *recoveryRun) error {
	if err := r.env.client.Delete(ctx, r.old); err != nil {
		return fmt.Errorf("deleting head pod %s/%s: %w", r.ns, r.old.Name, err)
	}
	r.written = time.Now()
	return nil
}

func failHead(ctx context.Context, r *recoveryRun) error {
	if err := harness.SetFailed(ctx, r.env.client, r.old.DeepCopy()); err != nil {
		return fmt.Errorf("marking head pod %s/%s Failed: %w", r.ns, r.old.Name, err)
	}
	r.written = time.Now()
	return nil
}

// exitContainer writes an exited Ray container, then, RestartDelay later,
// the kubelet's in-place restart.
func exitContainer(ctx context.Context, r *recoveryRun) error {
	p := r.old.DeepCopy()
	if err := harness.SetContainerExited(ctx, r.env.client, p); err != nil {
		return fmt.Errorf("exiting the Ray container of %s/%s: %w", r.ns, p.Name, err)
	}
	r.written = time.Now()
	time.Sleep(r.cfg.RestartDelay)
	if err := r.env.client.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
		return fmt.Errorf("reading head pod %s/%s: %w", r.ns, p.Name, err)
	}
	if err := harness.SetRunningReady(ctx, r.env.client, p); err != nil {
		return fmt.Errorf("restarting the Ray container of %s/%s: %w", r.ns, p.Name, err)
	}
	return nil
}

func killHeadNode(_ context.Context, r *recoveryRun) error {
	r.killed = r.old.Spec.NodeName
	if err := r.env.cluster.KillNode(r.killed); err != nil {
		return fmt.Errorf("killing node %s: %w", r.killed, err)
	}
	return nil
}

// oldHead selects events of the failed head pod.
func oldHead(r *recoveryRun, match func(*corev1.Pod) bool) func(observed) bool {
	return func(e observed) bool {
		return e.Pod != nil && e.Pod.UID == r.old.UID && match(e.Pod)
	}
}

func oldHeadDeleting(r *recoveryRun, events []observed) time.Time {
	return firstAfter(events, r.injected, oldHead(r, func(p *corev1.Pod) bool { return p.DeletionTimestamp != nil }))
}

func oldHeadFailed(r *recoveryRun, events []observed) time.Time {
	return firstAfter(events, r.injected, oldHead(r, func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed }))
}

func oldHeadNotReady(r *recoveryRun, events []observed) time.Time {
	return firstAfter(events, r.injected, oldHead(r, func(p *corev1.Pod) bool { return !harness.PodReady(p) }))
}

func killedNodeNotReady(r *recoveryRun, events []observed) time.Time {
	return firstAfter(events, r.injected, nodeLost(r.killed))
}

// stuckEligible is the head's deletionTimestamp (the kubelet's deadline)
// plus the stuck-Terminating grace: the operator's own rule.
func stuckEligible(r *recoveryRun, events []observed, _ time.Time) time.Time {
	for _, e := range events {
		if e.Pod != nil && e.Pod.UID == r.old.UID && e.Pod.DeletionTimestamp != nil {
			return e.Pod.DeletionTimestamp.Add(r.cfg.StuckGrace)
		}
	}
	return time.Time{}
}

// nodeLostEligible is the node's Ready transition plus the node-lost grace,
// but never before the bench (and so the operator) could see it.
func nodeLostEligible(r *recoveryRun, events []observed, visible time.Time) time.Time {
	for _, e := range events {
		if e.Node == nil || e.Node.Name != r.killed || !nodeLost(r.killed)(e) {
			continue
		}
		for _, c := range e.Node.Status.Conditions {
			if c.Type == corev1.NodeReady {
				at := c.LastTransitionTime.Add(r.cfg.NodeLostGrace)
				if at.Before(visible) {
					at = visible
				}
				return at
			}
		}
	}
	return time.Time{}
}

// oldUID is the failed head's UID.
func (r *recoveryRun) oldUID() types.UID { return r.old.UID }
