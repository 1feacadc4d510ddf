package raycluster

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// The Helm reconciler is generic and hands hooks the resource as
// unstructured; these two functions are the only bridge to the typed API.

// FromObject returns a typed copy of the RayCluster a hook was given.
func FromObject(obj *unstructured.Unstructured) (*rayv1.RayCluster, error) {
	rc := &rayv1.RayCluster{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, rc); err != nil {
		return nil, fmt.Errorf("reading RayCluster %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
	}
	return rc, nil
}

// WriteStatus replaces obj's status with st. The reconciler persists it in
// its single status patch. Hooks read the status from obj first (FromObject),
// change their fields and write it back, so conditions set earlier in the
// same reconcile, the reconciler's included, are kept.
func WriteStatus(obj *unstructured.Unstructured, st *rayv1.RayClusterStatus) error {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(st)
	if err != nil {
		return fmt.Errorf("encoding status of RayCluster %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
	}
	return unstructured.SetNestedField(obj.Object, m, "status")
}
