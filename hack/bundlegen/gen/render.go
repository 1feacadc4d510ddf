package gen

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// renderKustomization runs kustomize on dir, in process: the same library
// (sigs.k8s.io/kustomize/api) the kustomize CLI of the Makefile is built on,
// so the bundle does not depend on which binaries happen to be installed.
func renderKustomization(dir string) ([]*unstructured.Unstructured, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	var objs []*unstructured.Unstructured
	for _, res := range resMap.Resources() {
		// Through JSON, so numbers are int64/float64 as in any object read
		// from the API (kyaml's own maps hold plain ints).
		data, err := res.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("reading %s from kustomize output: %w", res.CurId(), err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(data); err != nil {
			return nil, fmt.Errorf("decoding %s from kustomize output: %w", res.CurId(), err)
		}
		objs = append(objs, u)
	}
	return objs, nil
}
