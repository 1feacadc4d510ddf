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
		ingress     bool
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
		"the overwrite-command switch is passed": {
			annotations: map[string]string{"ray.io/overwrite-container-cmd": "true", "team": "a"},
			want:        map[string]any{"ray.io/overwrite-container-cmd": "true"},
		},
		"with a head Ingress every annotation is passed": {
			annotations: map[string]string{"nginx.ingress.kubernetes.io/rewrite-target": "/$1", "ray.io/ft-enabled": "true"},
			ingress:     true,
			want:        map[string]any{"nginx.ingress.kubernetes.io/rewrite-target": "/$1", "ray.io/ft-enabled": "true"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			obj := &unstructured.Unstructured{Object: map[string]any{}}
			if tc.ingress {
				obj.Object["spec"] = map[string]any{"headGroupSpec": map[string]any{"enableIngress": true}}
			}
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
