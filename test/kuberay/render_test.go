package kuberay

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestDroppedFields(t *testing.T) {
	tests := map[string]struct {
		spec map[string]any
		want []string
	}{
		"fields our API keeps": {
			spec: map[string]any{"rayVersion": "2.46.0", "headGroupSpec": map[string]any{
				"rayStartParams": map[string]any{"num-cpus": "1"},
				"template":       map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "ray-head", "image": "i"}}}},
			}},
		},
		"a field our API does not know": {
			spec: map[string]any{"rayVersion": "2.46.0", "noSuchField": "x", "headGroupSpec": map[string]any{
				"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "ray-head", "image": "i"}}}},
			}},
			want: []string{"spec.noSuchField"},
		},
		"empty and zero values are no loss": {
			spec: map[string]any{"noSuchMap": map[string]any{}, "noSuchFlag": false, "headGroupSpec": map[string]any{
				"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "ray-head", "image": "i"}}}},
			}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			obj := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": map[string]any{"name": "c"}, "spec": tc.spec,
			}}
			rc, err := toOurCluster(obj)
			if err != nil {
				t.Fatal(err)
			}
			if got := droppedFields(tc.spec, rc); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
