/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// The Secret watch holds Secrets' metadata only, never their data.
// +kubebuilder:rbac:groups="",resources=secrets,verbs=list;watch

// SecretWatch is an event source for the RayCluster controller: when a
// Secret is created or changed, the RayClusters whose Redis settings read
// it are reconciled at once, and their next reconcile checks Redis again
// (a missing Secret that appears, a rotated password). It watches Secrets'
// metadata only, so no credential is kept in memory; c must be the
// manager's cache, which also serves the RayClusters (as unstructured, like
// the Helm reconciler reads them).
func (h *RedisReachability) SecretWatch(c cache.Cache) source.TypedSource[reconcile.Request] {
	secret := &metav1.PartialObjectMetadata{}
	secret.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	return source.Kind[client.Object](c, secret,
		handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, obj client.Object) []reconcile.Request {
			return h.clustersReading(ctx, c, obj.GetNamespace(), obj.GetName())
		}),
		secretChanged())
}

// secretChanged passes creations and updates that may change the data; a
// deleted Secret is noticed by the next check, like any other failure.
// Helm's release Secrets are left out: every install and upgrade writes
// them, and each event would match every RayCluster of the namespace
// (make bench measured this as a third of the operator's CPU while 200
// clusters were created in one namespace, growing with its square).
func secretChanged() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(e event.CreateEvent) bool { return !helmReleaseSecret(e.Object) },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectOld.GetResourceVersion() != e.ObjectNew.GetResourceVersion() && !helmReleaseSecret(e.ObjectNew)
		},
	}
}

// helmReleaseSecret reports a Secret of Helm's release storage, by the
// labels Helm's Secret driver sets on it (owner=helm plus the release's
// status); it never holds a Redis credential.
func helmReleaseSecret(obj client.Object) bool {
	l := obj.GetLabels()
	_, hasStatus := l["status"]
	return l["owner"] == "helm" && hasStatus
}

// clustersReading lists the fault-tolerant RayClusters of namespace ns whose
// Redis settings read Secret name, and makes their next check due.
func (h *RedisReachability) clustersReading(ctx context.Context, r client.Reader, ns, name string) []reconcile.Request {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(rayv1.GroupVersion.WithKind("RayClusterList"))
	if err := r.List(ctx, list, client.InNamespace(ns)); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing RayClusters for a changed Secret", "namespace", ns)
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		rc, err := FromObject(&list.Items[i])
		if err != nil || !FaultToleranceEnabled(rc) || !slices.Contains(SecretNamesOf(rc), name) {
			continue
		}
		h.forget(rc.UID)
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: rc.Name}})
	}
	return out
}
