package helm

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestUserValuesPrecedence(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{
		"message": "spec", "image": "spec-image", "cluster": map[string]any{"uid": "forged"},
	}}}
	mapper := func(context.Context, *unstructured.Unstructured) (map[string]any, error) {
		return map[string]any{"cluster": map[string]any{"uid": "real"}}, nil
	}
	tests := map[string]struct {
		overrides map[string]string
		mapper    ValuesMapper
		want      map[string]any
		wantErr   bool
	}{
		"spec only": {
			want: map[string]any{"message": "spec", "image": "spec-image", "cluster": map[string]any{"uid": "forged"}},
		},
		"override wins over spec, typed like --set": {
			overrides: map[string]string{"image": "override", "replicas": "3"},
			want:      map[string]any{"message": "spec", "image": "override", "replicas": int64(3), "cluster": map[string]any{"uid": "forged"}},
		},
		"mapped values win over spec and overrides": {
			overrides: map[string]string{"cluster.uid": "override"},
			mapper:    mapper,
			want:      map[string]any{"message": "spec", "image": "spec-image", "cluster": map[string]any{"uid": "real"}},
		},
		"mapper error": {
			mapper: func(context.Context, *unstructured.Unstructured) (map[string]any, error) {
				return nil, errors.New("boom")
			},
			wantErr: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := userValues(context.Background(), obj, tc.overrides, tc.mapper)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !tc.wantErr && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("values = %#v, want %#v", got, tc.want)
			}
		})
	}
	if obj.Object["spec"].(map[string]any)["image"] != "spec-image" {
		t.Error("userValues modified the resource's spec")
	}
}

func TestInputHash(t *testing.T) {
	base := func() hashInputs {
		return hashInputs{
			UID: "u1", Values: map[string]any{"a": int64(1), "b": map[string]any{"c": "d"}},
			Overrides: map[string]string{"x": "y"}, ChartVersion: "0.1.0", ChartDigest: "digest",
			OperatorVersion: "v1", Options: map[string]string{},
		}
	}
	ref, err := inputHash(base())
	if err != nil {
		t.Fatal(err)
	}
	if len(ref) != inputHashLength {
		t.Fatalf("hash %q has length %d, want %d (a label value)", ref, len(ref), inputHashLength)
	}
	tests := map[string]struct {
		mutate func(*hashInputs)
		same   bool
	}{
		"unchanged":            {mutate: func(*hashInputs) {}, same: true},
		"same values rebuilt":  {mutate: func(h *hashInputs) { h.Values = map[string]any{"b": map[string]any{"c": "d"}, "a": int64(1)} }, same: true},
		"spec value":           {mutate: func(h *hashInputs) { h.Values["a"] = int64(2) }},
		"nested spec value":    {mutate: func(h *hashInputs) { h.Values["b"] = map[string]any{"c": "e"} }},
		"override":             {mutate: func(h *hashInputs) { h.Overrides["x"] = "z" }},
		"chart version":        {mutate: func(h *hashInputs) { h.ChartVersion = "0.2.0" }},
		"chart digest":         {mutate: func(h *hashInputs) { h.ChartDigest = "other" }},
		"operator version":     {mutate: func(h *hashInputs) { h.OperatorVersion = "v2" }},
		"resource recreated":   {mutate: func(h *hashInputs) { h.UID = "u2" }},
		"helm action settings": {mutate: func(h *hashInputs) { h.Options[AnnotationUpgradeForce] = "true" }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			in := base()
			tc.mutate(&in)
			got, err := inputHash(in)
			if err != nil {
				t.Fatal(err)
			}
			if (got == ref) != tc.same {
				t.Errorf("hash %s vs reference %s: same = %v, want %v", got, ref, got == ref, tc.same)
			}
		})
	}
}

func TestHashedAnnotations(t *testing.T) {
	tests := map[string]struct {
		in   map[string]string
		want map[string]string
	}{
		"none":       {in: nil, want: map[string]string{}},
		"irrelevant": {in: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{}"}, want: map[string]string{}},
		"helm action setting": {
			in:   map[string]string{AnnotationUpgradeForce: "true", "other": "x"},
			want: map[string]string{AnnotationUpgradeForce: "true"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := hashedAnnotations(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("hashedAnnotations = %v, want %v", got, tc.want)
			}
		})
	}
}
