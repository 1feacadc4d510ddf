package helm

import (
	"context"
	"fmt"

	"helm.sh/helm/v3/pkg/release"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// setDeployedRelease records which revision renders the resource: name,
// revision, chart version and input hash, never the manifest (it can hold
// Secrets' data).
func setDeployedRelease(obj *unstructured.Unstructured, rel *release.Release) error {
	if rel == nil {
		unstructured.RemoveNestedField(obj.Object, "status", "deployedRelease")
		return nil
	}
	dr := map[string]any{"name": rel.Name, "revision": int64(rel.Version)}
	if rel.Chart != nil && rel.Chart.Metadata != nil {
		dr["chartVersion"] = rel.Chart.Metadata.Version
	}
	if h := rel.Labels[InputHashLabel]; h != "" {
		dr["inputsHash"] = h
	}
	return unstructured.SetNestedMap(obj.Object, dr, "status", "deployedRelease")
}

// setObservedGeneration marks the spec generation as fully reconciled; only
// called after a successful reconcile.
func setObservedGeneration(obj *unstructured.Unstructured) error {
	return unstructured.SetNestedField(obj.Object, obj.GetGeneration(), "status", "observedGeneration")
}

// patchStatus writes the reconcile's status and remembers the version it
// replaced.
func (r *Reconciler) patchStatus(ctx context.Context, s *scope) error {
	before := s.obj.GetResourceVersion()
	if err := patchStatus(ctx, r.client.Status(), s.orig, s.obj); err != nil {
		return err
	}
	r.wrote(s.obj, before)
	return nil
}

// patchStatus writes the reconcile's one status update: a merge patch of
// what changed since orig (the copy taken when the reconcile started), so
// status fields this reconcile did not touch stay as other writers left them.
// Nothing is sent when the status is unchanged.
func patchStatus(ctx context.Context, w client.StatusWriter, orig, obj *unstructured.Unstructured) error {
	if equality.Semantic.DeepEqual(orig.Object["status"], obj.Object["status"]) {
		return nil
	}
	err := w.Patch(ctx, obj, client.MergeFrom(orig))
	if apierrors.IsNotFound(err) {
		return nil // deleted meanwhile: nothing left to report on
	}
	if err != nil {
		return fmt.Errorf("patching status of %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
	}
	return nil
}
