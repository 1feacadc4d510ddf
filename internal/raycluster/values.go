/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// chartAnnotations are the RayCluster annotations the chart reads (see the
// chart README, value cluster.annotations). Only these are passed: every
// value is part of the release's input hash, and an annotation the chart
// ignores (kubectl's last-applied configuration, say) must not make the
// reconciler re-render the release. The one exception is a cluster with
// a head Ingress, which carries them all.
var chartAnnotations = []string{
	rayv1.AnnotationFTEnabled,
	rayv1.AnnotationExternalStorageNamespace,
	rayv1.AnnotationOverwriteContainerCmd,
	// The Redis CA Ray's own client trusts for rediss:// (the head mounts it).
	AnnotationRedisCASecret,
	AnnotationRedisCAConfigMap,
	AnnotationRedisCAKey,
	AnnotationRedisTLSServerName,
	// The head's warm spare (head-spare.yaml).
	AnnotationHeadSpare,
}

// MapValues is the Helm reconciler's ValuesMapper for RayCluster with no
// batch scheduler: the values only the operator knows, under the chart's
// `cluster` key. They win over the spec, so a spec cannot rename the
// cluster or pick another UID.
func MapValues(ctx context.Context, obj *unstructured.Unstructured) (map[string]any, error) {
	return MapValuesFor(NoBatchScheduler)(ctx, obj)
}

// MapValuesFor is MapValues for an operator with a batch scheduler: it also
// passes the scheduler as operator.batchScheduler and the RayCluster labels
// and annotations that scheduler's KubeRay plugin reads. With none, the
// values are exactly MapValues' (no empty keys), so releases rendered
// before batch scheduler support keep their input hash.
func MapValuesFor(scheduler BatchScheduler) helm.ValuesMapper {
	return func(_ context.Context, obj *unstructured.Unstructured) (map[string]any, error) {
		vals := clusterValues(obj, scheduler)
		if scheduler != NoBatchScheduler {
			vals["operator"] = map[string]any{"batchScheduler": string(scheduler)}
		}
		return vals, nil
	}
}

func clusterValues(obj *unstructured.Unstructured, scheduler BatchScheduler) map[string]any {
	annotations := map[string]any{}
	for _, k := range slices.Concat(chartAnnotations, schedulerAnnotations[scheduler]) {
		if v, ok := obj.GetAnnotations()[k]; ok {
			annotations[k] = v
		}
	}
	// The head Ingress carries every annotation of the RayCluster, as
	// KubeRay's does: users put their ingress controller's settings there.
	if ingress, _, _ := unstructured.NestedBool(obj.Object, "spec", "headGroupSpec", "enableIngress"); ingress {
		for k, v := range obj.GetAnnotations() {
			annotations[k] = v
		}
	}
	cluster := map[string]any{
		"name":        obj.GetName(),
		"uid":         string(obj.GetUID()),
		"annotations": annotations,
	}
	// A label present with an empty value counts: KubeRay turns gang
	// scheduling on by the key alone.
	labels := map[string]any{}
	for _, k := range schedulerLabels[scheduler] {
		if v, ok := obj.GetLabels()[k]; ok {
			labels[k] = v
		}
	}
	if len(labels) > 0 {
		cluster["labels"] = labels
	}
	return map[string]any{"cluster": cluster}
}
