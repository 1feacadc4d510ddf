/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"

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

// AnnotationPodTemplateHash is the chart's hash of the group spec a pod was
// made from (helm-charts/ray-cluster, "ray-cluster.templateHash").
const AnnotationPodTemplateHash = "ray.io/pod-template-hash"

// The Recreate step reads the head StatefulSet and the worker ReplicaSets
// (their templates carry the current hash) and deletes pods.
// +kubebuilder:rbac:groups=apps,resources=statefulsets;replicasets,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=pods,verbs=delete

// RecreateHook is the pre-reconcile hook of spec.upgradeStrategy Recreate:
// it deletes the Ray pods whose template hash differs from their
// workload's current template, and their StatefulSet or ReplicaSet creates
// them again from it. Without Recreate it does nothing: a template change
// then reaches only pods created later, as in KubeRay.
//
// It compares with the workloads as last applied, so an edit reaches the
// pods one reconcile after its apply (the workload's change triggers it).
// A pod without the hash was made by an earlier chart and is left alone:
// an operator upgrade restarts nothing, whatever the strategy.
type RecreateHook struct {
	Reader   client.Reader
	Writer   client.Writer
	Recorder EventRecorder
}

// PreReconcile replaces one RayCluster's outdated pods under Recreate.
func (k *RecreateHook) PreReconcile(ctx context.Context, req *helm.Request) (helm.Result, error) {
	rc, err := FromObject(req.Object)
	if err != nil {
		return helm.Result{}, err
	}
	if !recreates(rc) {
		return helm.Result{}, nil
	}
	want, pods, err := k.gather(ctx, rc)
	if err != nil {
		return helm.Result{}, err
	}
	stale := outdatedPods(pods, want)
	deleted := 0
	for i := range stale {
		ok, err := deleteOutdated(ctx, k.Writer, &stale[i])
		if err != nil {
			return helm.Result{}, err
		}
		if ok {
			deleted++
		}
	}
	if deleted > 0 {
		ctrl.LoggerFrom(ctx).Info("Deleted Ray pods whose template changed (upgradeStrategy Recreate)", "pods", deleted)
		k.Recorder.Eventf(req.Object, nil, corev1.EventTypeNormal, EventPodsRecreated, actionRecreatePods,
			"Deleted %d Ray pod(s) whose template changed; upgradeStrategy Recreate", deleted)
	}
	return helm.Result{}, nil
}

// recreates tells whether the cluster asks for Recreate.
func recreates(rc *rayv1.RayCluster) bool {
	s := rc.Spec.UpgradeStrategy
	return s != nil && ptr.Deref(s.Type, rayv1.UpgradeNone) == rayv1.UpgradeRecreate
}

// gather returns the current hash per group (see groupKey) and the
// cluster's pods, from the cache.
func (k *RecreateHook) gather(ctx context.Context, rc *rayv1.RayCluster) (map[string]string, []corev1.Pod, error) {
	want := map[string]string{}
	var sts appsv1.StatefulSet
	err := k.Reader.Get(ctx, types.NamespacedName{Namespace: rc.Namespace, Name: rc.Name + "-head"}, &sts)
	switch {
	case err == nil:
		want[groupKey(NodeTypeHead, headGroup)] = sts.Spec.Template.Annotations[AnnotationPodTemplateHash]
	case !apierrors.IsNotFound(err):
		return nil, nil, fmt.Errorf("reading head StatefulSet of RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	var sets appsv1.ReplicaSetList
	if err := k.Reader.List(ctx, &sets, client.InNamespace(rc.Namespace),
		client.MatchingLabels{LabelCluster: rc.Name, LabelNodeType: NodeTypeWork}); err != nil {
		return nil, nil, fmt.Errorf("listing worker ReplicaSets of RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	for _, rs := range sets.Items {
		group := rs.Labels[LabelGroup]
		if rs.Name == WorkerReplicaSetName(rc.Name, group) {
			want[groupKey(NodeTypeWork, group)] = rs.Spec.Template.Annotations[AnnotationPodTemplateHash]
		}
	}
	var pods corev1.PodList
	if err := k.Reader.List(ctx, &pods, client.InNamespace(rc.Namespace), client.MatchingLabels{LabelCluster: rc.Name}); err != nil {
		return nil, nil, fmt.Errorf("listing pods of RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	return want, pods.Items, nil
}

// headGroup is the ray.io/group of the head pod.
const headGroup = "headgroup"

// groupKey names a group by node type too: a worker group may be called
// "headgroup".
func groupKey(nodeType, group string) string { return nodeType + "/" + group }

// outdatedPods are the pods, not already being deleted, whose hash differs
// from their group's current one. A pod or a workload without a hash (an
// earlier chart) is never outdated.
func outdatedPods(pods []corev1.Pod, want map[string]string) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range pods {
		have, current := p.Annotations[AnnotationPodTemplateHash], want[groupKey(p.Labels[LabelNodeType], p.Labels[LabelGroup])]
		if p.DeletionTimestamp == nil && have != "" && current != "" && have != current {
			out = append(out, p)
		}
	}
	return out
}

// deleteOutdated deletes one pod, bound to the observed one by UID; it
// reports false when the pod was gone or replaced already.
func deleteOutdated(ctx context.Context, w client.Writer, p *corev1.Pod) (bool, error) {
	err := w.Delete(ctx, p, client.Preconditions{UID: &p.UID})
	switch {
	case apierrors.IsNotFound(err) || apierrors.IsConflict(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("deleting Ray pod %s/%s whose template changed: %w", p.Namespace, p.Name, err)
	}
	return true, nil
}
