package helm

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestOnlyStatusChanged(t *testing.T) {
	base := func() *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"metadata": map[string]any{"name": "d", "resourceVersion": "1", "annotations": map[string]any{"a": "1"},
				"managedFields": []any{map[string]any{"manager": "x"}}},
			"spec":   map[string]any{"replicas": int64(1)},
			"status": map[string]any{"readyReplicas": int64(0)},
		}}
	}
	tests := map[string]struct {
		change func(u *unstructured.Unstructured)
		only   bool
	}{
		"status only": {change: func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, int64(1), "status", "readyReplicas")
			u.SetResourceVersion("2")
		}, only: true},
		"managed fields only": {change: func(u *unstructured.Unstructured) {
			u.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "y"}})
		}, only: true},
		"spec changed": {change: func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, int64(5), "spec", "replicas")
		}},
		"annotation changed": {change: func(u *unstructured.Unstructured) { u.SetAnnotations(map[string]string{"a": "2"}) }},
		"labels changed":     {change: func(u *unstructured.Unstructured) { u.SetLabels(map[string]string{"l": "x"}) }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			old, cur := base(), base()
			tc.change(cur)
			if got := onlyStatusChanged(old, cur); got != tc.only {
				t.Errorf("onlyStatusChanged = %v, want %v", got, tc.only)
			}
		})
	}
}

func TestOwnedBy(t *testing.T) {
	yes, no := true, false
	tests := map[string]struct {
		refs []metav1.OwnerReference
		want bool
	}{
		"no refs":              {},
		"controller ref to us": {refs: []metav1.OwnerReference{{APIVersion: "test.ray-ha-operator.dev/v1", Kind: "Widget", Name: "w", Controller: &yes}}, want: true},
		"non-controller ref":   {refs: []metav1.OwnerReference{{APIVersion: "test.ray-ha-operator.dev/v1", Kind: "Widget", Name: "w", Controller: &no}}},
		"other kind":           {refs: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "r", Controller: &yes}}},
		"other version":        {refs: []metav1.OwnerReference{{APIVersion: "test.ray-ha-operator.dev/v2", Kind: "Widget", Name: "w", Controller: &yes}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			u := &unstructured.Unstructured{Object: map[string]any{}}
			u.SetOwnerReferences(tc.refs)
			if got := ownedBy(u, widgetGVK); got != tc.want {
				t.Errorf("ownedBy = %v, want %v", got, tc.want)
			}
		})
	}
}
