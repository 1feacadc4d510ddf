/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The scale-down gate makes a ReplicaSet's scale-down remove exactly the
// pods the operator deletes. A ReplicaSet picks its own victims when its
// replicas drop, and replaces a pod deleted while its replicas are still
// high; either way another worker could die. So, while a named scale-down
// is carried out, the ReplicaSet's template carries a scheduling gate and
// the lowest pod-deletion-cost: a replacement it makes in the moment
// between the deletes and the lower replicas can never be scheduled, and is
// the first pod the ReplicaSet removes when its replicas drop (unscheduled,
// pending, not ready and the cheapest: it ranks below every other pod).
const (
	// ScaleDownGate is the scheduling gate of the template while a
	// scale-down is carried out.
	ScaleDownGate = "ray.io/scale-down"
	// annotationDeletionCost is Kubernetes' pod-deletion-cost.
	annotationDeletionCost = "controller.kubernetes.io/pod-deletion-cost"
	// annotationSavedDeletionCost keeps, on the ReplicaSet, a deletion cost
	// the template had before the gate, to put it back.
	annotationSavedDeletionCost = "ray.io/saved-pod-deletion-cost"
	// lowestDeletionCost is the lowest cost Kubernetes accepts (int32).
	lowestDeletionCost = "-2147483648"
)

// observeTimeout bounds the wait for the ReplicaSet controller to see a
// template change; past it the reconcile fails and is retried, the gate
// still on (the next reconcile carries on from there).
const observeTimeout = 15 * time.Second

// templateGated tells whether a ReplicaSet's template carries the gate.
func templateGated(rs *appsv1.ReplicaSet) bool {
	return slices.ContainsFunc(rs.Spec.Template.Spec.SchedulingGates, isScaleDownGate)
}

// scaleDownGated tells whether a pod was made from a gated template.
func scaleDownGated(p *corev1.Pod) bool {
	return slices.ContainsFunc(p.Spec.SchedulingGates, isScaleDownGate)
}

func isScaleDownGate(g corev1.PodSchedulingGate) bool { return g.Name == ScaleDownGate }

// gateTemplate puts the gate and the lowest deletion cost on the template,
// keeping a cost the template had.
func gateTemplate(rs *appsv1.ReplicaSet) {
	if templateGated(rs) {
		return
	}
	t := &rs.Spec.Template
	if cost, ok := t.Annotations[annotationDeletionCost]; ok {
		if rs.Annotations == nil {
			rs.Annotations = map[string]string{}
		}
		rs.Annotations[annotationSavedDeletionCost] = cost
	}
	if t.Annotations == nil {
		t.Annotations = map[string]string{}
	}
	t.Annotations[annotationDeletionCost] = lowestDeletionCost
	t.Spec.SchedulingGates = append(t.Spec.SchedulingGates, corev1.PodSchedulingGate{Name: ScaleDownGate})
}

// ungateTemplate takes the gate off and puts the template's own deletion
// cost back (or none).
func ungateTemplate(rs *appsv1.ReplicaSet) {
	t := &rs.Spec.Template
	t.Spec.SchedulingGates = slices.DeleteFunc(t.Spec.SchedulingGates, isScaleDownGate)
	if len(t.Spec.SchedulingGates) == 0 {
		t.Spec.SchedulingGates = nil
	}
	if cost, ok := rs.Annotations[annotationSavedDeletionCost]; ok {
		if t.Annotations == nil {
			t.Annotations = map[string]string{}
		}
		t.Annotations[annotationDeletionCost] = cost
		delete(rs.Annotations, annotationSavedDeletionCost)
		return
	}
	delete(t.Annotations, annotationDeletionCost)
}

// patchReplicaSet applies change to rs with an optimistic lock, reading
// it again when another writer got in between (the ReplicaSet controller
// writes its status as pods go), and waits until the ReplicaSet controller
// has seen the result: from then on every pod it creates comes from the
// new template.
func patchReplicaSet(ctx context.Context, w client.Writer, r client.Reader, rs *appsv1.ReplicaSet, change func(*appsv1.ReplicaSet)) error {
	first := true
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if !first {
			if err := r.Get(ctx, client.ObjectKeyFromObject(rs), rs); err != nil {
				return err
			}
		}
		first = false
		before := rs.DeepCopy()
		change(rs)
		return w.Patch(ctx, rs, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	})
	if err != nil {
		return fmt.Errorf("patching worker ReplicaSet %s/%s: %w", rs.Namespace, rs.Name, err)
	}
	return waitObserved(ctx, r, rs)
}

// waitObserved waits until the ReplicaSet controller reports rs's
// generation observed.
func waitObserved(ctx context.Context, r client.Reader, rs *appsv1.ReplicaSet) error {
	gen := rs.Generation
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, observeTimeout, true, func(ctx context.Context) (bool, error) {
		if err := r.Get(ctx, client.ObjectKeyFromObject(rs), rs); err != nil {
			return false, err
		}
		return rs.Status.ObservedGeneration >= gen, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the ReplicaSet controller to observe %s/%s generation %d: %w",
			rs.Namespace, rs.Name, gen, err)
	}
	return nil
}

// replicasPatch sets the ReplicaSet's replicas as the chart will.
func replicasPatch(want int64) func(*appsv1.ReplicaSet) {
	return func(rs *appsv1.ReplicaSet) {
		n := int32(want)
		rs.Spec.Replicas = &n
	}
}
