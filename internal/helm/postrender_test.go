package helm

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

func testMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, meta.RESTScopeRoot)
	return m
}

func TestOwnerRefPostRenderer(t *testing.T) {
	owner := &unstructured.Unstructured{}
	owner.SetGroupVersionKind(widgetGVK)
	owner.SetNamespace("ns")
	owner.SetName("w")
	owner.SetUID(types.UID("uid-1"))
	tests := map[string]struct {
		manifest string
		wantRef  bool
		wantErr  bool
	}{
		"namespaced, no namespace set": {
			manifest: "# Source: x\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
			wantRef:  true,
		},
		"namespaced, same namespace": {
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns\n",
			wantRef:  true,
		},
		"other namespace: no owner ref possible": {
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: other\n",
		},
		"cluster-scoped: no owner ref possible": {
			manifest: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
		},
		"resource-policy keep: left to the finalizer": {
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    helm.sh/resource-policy: keep\n",
		},
		"unknown kind": {
			manifest: "apiVersion: v9\nkind: Nope\nmetadata:\n  name: a\n",
			wantErr:  true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			in := bytes.NewBufferString("---\n" + tc.manifest + "---\n# empty template\n")
			out, err := ownerRefPostRenderer{owner: owner, mapper: testMapper()}.Run(in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			objs, err := decodeManifest(strings.NewReader(out.String()))
			if err != nil || len(objs) != 1 {
				t.Fatalf("decoded %d objects (%v) from %q", len(objs), err, out.String())
			}
			refs := objs[0].GetOwnerReferences()
			if got := len(refs) == 1 && refs[0].UID == "uid-1" && *refs[0].Controller && *refs[0].BlockOwnerDeletion; got != tc.wantRef {
				t.Errorf("controller owner ref present = %v, want %v (%+v)", got, tc.wantRef, refs)
			}
			if strings.Contains(out.String(), "# Source") {
				t.Error("output keeps template comments; the stored manifest should be normalized")
			}
		})
	}
}
