/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestMapValues(t *testing.T) {
	tests := map[string]struct {
		annotations map[string]string
		want        map[string]any
	}{
		"no annotations": {
			want: map[string]any{},
		},
		"only the annotations the chart reads are passed": {
			annotations: map[string]string{
				"ray.io/ft-enabled":                                "true",
				"ray.io/external-storage-namespace":                "ns1",
				"kubectl.kubernetes.io/last-applied-configuration": "{}",
				AnnotationNodeLostGrace:                            "10",
			},
			want: map[string]any{"ray.io/ft-enabled": "true", "ray.io/external-storage-namespace": "ns1"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			obj := &unstructured.Unstructured{Object: map[string]any{}}
			obj.SetName("rc")
			obj.SetUID("uid-1")
			obj.SetAnnotations(tc.annotations)
			got, err := MapValues(context.Background(), obj)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"cluster": map[string]any{"name": "rc", "uid": "uid-1", "annotations": tc.want}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("MapValues = %#v, want %#v", got, want)
			}
		})
	}
}
