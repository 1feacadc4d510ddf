/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// The scale-down reads worker ReplicaSets and pods from the API server,
// patches the ReplicaSets (scale-down gate, replicas) and deletes pods.
// +kubebuilder:rbac:groups=apps,resources=replicasets,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch;delete

// WorkersToDeleteHook honours spec.workerGroupSpecs[].scaleStrategy.
// workersToDelete, the list Ray's autoscaler writes with a lower replicas
// when it scales a group down: exactly the named pods of the group go, no
// other worker is killed, and the group ends at the replicas asked for
// (clamped to minReplicas/maxReplicas, as the chart sizes it).
//
// It runs before the chart is applied, for each group whose list names a
// pod that still exists: it gates the group's ReplicaSet template (see
// scale_down_gate.go), deletes the named pods (bound to their UID), sets
// the ReplicaSet's replicas to the chart's value and takes the gate off,
// then deletes any gated pod the ReplicaSet made in between. The chart's
// apply that follows finds replicas already where it puts them.
//
// The list is left in the spec, as KubeRay leaves it (its reconcile clears
// only its own in-memory copy): Ray's autoscaler clears it once the pods
// are gone. A name is looked up in its own group only (KubeRay deletes any
// pod of that name in the namespace), and a name no pod has is ignored, as
// in KubeRay, with one event per name and spec generation.
type WorkersToDeleteHook struct {
	// APIReader reads from the API server: which pods exist decides what is
	// deleted, and a cache that has not seen a replacement yet would miss it.
	APIReader client.Reader
	Writer    client.Writer
	Recorder  EventRecorder

	mu sync.Mutex
	// reported are the missing names already reported, per RayCluster and
	// generation.
	reported map[types.UID]reportedNames
}

type reportedNames struct {
	generation int64
	names      map[string]bool
}

// PreReconcile carries out the named scale-downs of one RayCluster.
func (k *WorkersToDeleteHook) PreReconcile(ctx context.Context, req *helm.Request) (helm.Result, error) {
	rc, err := FromObject(req.Object)
	if err != nil {
		return helm.Result{}, err
	}
	if ptr.Deref(rc.Spec.Suspend, false) {
		return helm.Result{}, nil
	}
	for i := range rc.Spec.WorkerGroupSpecs {
		if err := k.scaleDown(ctx, req, rc, &rc.Spec.WorkerGroupSpecs[i]); err != nil {
			return helm.Result{}, err
		}
	}
	return helm.Result{}, nil
}

// scaleDown honours one group's list; it also finishes a scale-down an
// earlier reconcile left half done (the gate still on).
func (k *WorkersToDeleteHook) scaleDown(ctx context.Context, req *helm.Request, rc *rayv1.RayCluster, g *rayv1.WorkerGroupSpec) error {
	var names []string
	if g.ScaleStrategy != nil {
		names = g.ScaleStrategy.WorkersToDelete
	}
	if ptr.Deref(g.Suspend, false) || len(names) == 0 && !mayBeGated(req, rc, g.GroupName) {
		return nil
	}
	rs, err := k.replicaSet(ctx, rc, g.GroupName)
	if rs == nil || err != nil {
		return err
	}
	pods, err := k.groupPods(ctx, rc, g.GroupName)
	if err != nil {
		return err
	}
	want := desiredPods(g)
	plan := planScaleDown(pods, names, want)
	k.reportMissing(req, rc, g.GroupName, names, plan.Missing)
	if len(plan.Victims) == 0 && !templateGated(rs) {
		return nil
	}
	if err := k.carryOut(ctx, rs, plan.Victims, want); err != nil {
		return fmt.Errorf("scaling worker group %q of RayCluster %s/%s down: %w", g.GroupName, rc.Namespace, rc.Name, err)
	}
	if len(plan.Victims) > 0 {
		k.reportDeleted(ctx, req, g.GroupName, plan.Victims)
	}
	return nil
}

// mayBeGated tells whether the group's ReplicaSet may still carry the gate
// (a reconcile that failed half-way): from the reconcile's observation, so
// that a group without a list costs no read of the API server.
func mayBeGated(req *helm.Request, rc *rayv1.RayCluster, group string) bool {
	obs, ok := req.Observation.(*Observation)
	if !ok || obs == nil {
		return true
	}
	name := WorkerReplicaSetName(rc.Name, group)
	for i := range obs.ReplicaSets {
		if obs.ReplicaSets[i].Name == name {
			return templateGated(&obs.ReplicaSets[i])
		}
	}
	return false
}

// carryOut is the gated scale-down: gate, delete, lower replicas and
// ungate, then delete what was made under the gate.
func (k *WorkersToDeleteHook) carryOut(ctx context.Context, rs *appsv1.ReplicaSet, victims []corev1.Pod, want int64) error {
	if len(victims) > 0 && !templateGated(rs) {
		if err := patchReplicaSet(ctx, k.Writer, k.APIReader, rs, gateTemplate); err != nil {
			return err
		}
	} else if err := waitObserved(ctx, k.APIReader, rs); err != nil {
		return err
	}
	for i := range victims {
		if err := deletePod(ctx, k.Writer, &victims[i]); err != nil {
			return err
		}
	}
	if err := patchReplicaSet(ctx, k.Writer, k.APIReader, rs, func(rs *appsv1.ReplicaSet) {
		replicasPatch(want)(rs)
		ungateTemplate(rs)
	}); err != nil {
		return err
	}
	return k.deleteGatedPods(ctx, rs)
}

// deleteGatedPods deletes the pods the ReplicaSet made from the gated
// template. They never ran (the gate keeps them unscheduled); the
// ReplicaSet, which now has the template without the gate, makes any it
// still needs again.
func (k *WorkersToDeleteHook) deleteGatedPods(ctx context.Context, rs *appsv1.ReplicaSet) error {
	var pods corev1.PodList
	if err := k.APIReader.List(ctx, &pods, client.InNamespace(rs.Namespace), client.MatchingLabels(rs.Spec.Selector.MatchLabels)); err != nil {
		return fmt.Errorf("listing pods of worker ReplicaSet %s/%s: %w", rs.Namespace, rs.Name, err)
	}
	for i := range pods.Items {
		if p := &pods.Items[i]; scaleDownGated(p) && p.DeletionTimestamp == nil {
			if err := deletePod(ctx, k.Writer, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// deletePod deletes one pod bound to its UID; a pod already gone or
// replaced by one of the same name is left alone.
func deletePod(ctx context.Context, w client.Writer, p *corev1.Pod) error {
	err := w.Delete(ctx, p, client.Preconditions{UID: &p.UID})
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return fmt.Errorf("deleting worker pod %s/%s: %w", p.Namespace, p.Name, err)
}

// replicaSet reads a group's ReplicaSet; nil when the chart has not made it.
func (k *WorkersToDeleteHook) replicaSet(ctx context.Context, rc *rayv1.RayCluster, group string) (*appsv1.ReplicaSet, error) {
	var rs appsv1.ReplicaSet
	err := k.APIReader.Get(ctx, types.NamespacedName{Namespace: rc.Namespace, Name: WorkerReplicaSetName(rc.Name, group)}, &rs)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading worker ReplicaSet of group %q: %w", group, err)
	}
	return &rs, nil
}

// groupPods lists a group's worker pods.
func (k *WorkersToDeleteHook) groupPods(ctx context.Context, rc *rayv1.RayCluster, group string) ([]corev1.Pod, error) {
	var pods corev1.PodList
	if err := k.APIReader.List(ctx, &pods, client.InNamespace(rc.Namespace), client.MatchingLabels{
		LabelCluster: rc.Name, LabelNodeType: NodeTypeWork, LabelGroup: group}); err != nil {
		return nil, fmt.Errorf("listing pods of worker group %q: %w", group, err)
	}
	return pods.Items, nil
}

// reportDeleted logs and records the pods a scale-down deleted.
func (k *WorkersToDeleteHook) reportDeleted(ctx context.Context, req *helm.Request, group string, victims []corev1.Pod) {
	names := make([]string, len(victims))
	for i := range victims {
		names[i] = victims[i].Name
	}
	ctrl.LoggerFrom(ctx).Info("Deleted worker pods for scaleStrategy.workersToDelete", "group", group, "pods", names)
	k.Recorder.Eventf(req.Object, nil, corev1.EventTypeNormal, EventWorkersDeleted, actionScaleDown,
		"Deleted worker pod(s) %s of group %s for scaleStrategy.workersToDelete", strings.Join(names, ", "), group)
}

// reportMissing reports each name no pod of the group has, once per
// RayCluster generation: the list stays in the spec over many reconciles.
// A name a pod had earlier in the generation (the operator deleted it) is
// not reported when the pod is gone.
func (k *WorkersToDeleteHook) reportMissing(req *helm.Request, rc *rayv1.RayCluster, group string, names, missing []string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.reported == nil {
		k.reported = map[types.UID]reportedNames{}
	}
	seen := k.reported[rc.UID]
	if seen.generation != rc.Generation || seen.names == nil {
		seen = reportedNames{generation: rc.Generation, names: map[string]bool{}}
		k.reported[rc.UID] = seen
	}
	for _, n := range names {
		key := group + "/" + n
		if seen.names[key] {
			continue
		}
		seen.names[key] = true
		if slices.Contains(missing, n) {
			k.Recorder.Eventf(req.Object, nil, corev1.EventTypeNormal, EventWorkerToDeleteNotFound, actionScaleDown,
				"No pod of worker group %s is named %s (scaleStrategy.workersToDelete): already gone or never there; ignored", group, n)
		}
	}
}
