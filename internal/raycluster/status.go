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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// The status hook reads the head Service and the worker ReplicaSets from
// the cache.
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch
// +kubebuilder:rbac:groups=apps,resources=replicasets,verbs=get;list;watch

// StatusHook is the post-reconcile hook that fills KubeRay's status fields
// (state, head, endpoints, worker counts, HeadPodReady,
// RayClusterProvisioned) from the cache. It writes into the request's
// object only; the reconciler's single status patch persists it.
type StatusHook struct {
	Reader client.Reader
	Clock  clock.PassiveClock
}

// PostReconcile computes the status of one RayCluster.
func (k *StatusHook) PostReconcile(ctx context.Context, req *helm.Request) (helm.Result, error) {
	rc, err := FromObject(req.Object)
	if err != nil {
		return helm.Result{}, err
	}
	f, err := k.gather(ctx, rc)
	if err != nil {
		return helm.Result{}, err
	}
	st := rc.Status.DeepCopy()
	if !computeStatus(st, f) {
		return helm.Result{}, nil
	}
	return helm.Result{}, WriteStatus(req.Object, st)
}

// gather reads the cluster's pods and head Service once.
func (k *StatusHook) gather(ctx context.Context, rc *rayv1.RayCluster) (statusFacts, error) {
	f := statusFacts{Spec: &rc.Spec, Generation: rc.Generation, Now: metav1.NewTime(k.Clock.Now()),
		ServiceName: HeadServiceName(rc)}
	var pods corev1.PodList
	if err := k.Reader.List(ctx, &pods, client.InNamespace(rc.Namespace), client.MatchingLabels{LabelCluster: rc.Name}); err != nil {
		return f, fmt.Errorf("listing pods of RayCluster %s/%s for status: %w", rc.Namespace, rc.Name, err)
	}
	s := &Scope{Cluster: types.NamespacedName{Namespace: rc.Namespace, Name: rc.Name}}
	s.sortPods(pods.Items)
	f.Head, f.Workers = s.HeadPod, s.Workers

	var sets appsv1.ReplicaSetList
	if err := k.Reader.List(ctx, &sets, client.InNamespace(rc.Namespace),
		client.MatchingLabels{LabelCluster: rc.Name, LabelNodeType: NodeTypeWork}); err != nil {
		return f, fmt.Errorf("listing worker ReplicaSets of RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	f.ReplicaSets = sets.Items

	var svc corev1.Service
	err := k.Reader.Get(ctx, types.NamespacedName{Namespace: rc.Namespace, Name: f.ServiceName}, &svc)
	switch {
	case err == nil:
		f.Service = &svc
	case !apierrors.IsNotFound(err):
		return f, fmt.Errorf("reading head Service %s/%s: %w", rc.Namespace, f.ServiceName, err)
	}
	return f, nil
}

// HeadServiceName is the head Service's name as the chart renders it:
// headGroupSpec.headService.metadata.name, else <name>-head-svc.
func HeadServiceName(rc *rayv1.RayCluster) string {
	if hs := rc.Spec.HeadGroupSpec.HeadService; hs != nil && hs.Name != "" {
		return hs.Name
	}
	return rc.Name + "-head-svc"
}
