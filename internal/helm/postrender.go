package helm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// keepPolicyAnnotation marks objects Helm leaves behind on uninstall; they
// get no owner reference, or Kubernetes would delete them with the resource.
const keepPolicyAnnotation = "helm.sh/resource-policy"

// ownerRefPostRenderer adds a controller owner reference to the resource to
// every rendered object in the resource's namespace. Kubernetes then collects
// them with the resource, and the dependent watches map their events back to
// it. Objects elsewhere (cluster-scoped, other namespaces) cannot carry such a
// reference; the uninstall finalizer removes them.
type ownerRefPostRenderer struct {
	owner  *unstructured.Unstructured
	mapper meta.RESTMapper
}

// Run implements Helm's postrender.PostRenderer. Its output is what Helm
// stores as the release manifest: one normalized YAML document per object.
func (p ownerRefPostRenderer) Run(rendered *bytes.Buffer) (*bytes.Buffer, error) {
	objs, err := decodeManifest(rendered)
	if err != nil {
		return nil, err
	}
	out := &bytes.Buffer{}
	for _, obj := range objs {
		if err := p.addOwner(obj); err != nil {
			return nil, err
		}
		b, err := yaml.Marshal(obj.Object)
		if err != nil {
			return nil, fmt.Errorf("encoding %s %s: %w", obj.GetKind(), obj.GetName(), err)
		}
		out.WriteString("---\n")
		out.Write(b)
	}
	return out, nil
}

func (p ownerRefPostRenderer) addOwner(obj *unstructured.Unstructured) error {
	if obj.GetAnnotations()[keepPolicyAnnotation] == "keep" {
		return nil
	}
	namespaced, err := isNamespaced(p.mapper, obj)
	if err != nil {
		return err
	}
	if !namespaced || (obj.GetNamespace() != "" && obj.GetNamespace() != p.owner.GetNamespace()) {
		return nil
	}
	refs := obj.GetOwnerReferences()
	for _, r := range refs {
		if r.UID == p.owner.GetUID() {
			return nil
		}
	}
	ref := metav1.NewControllerRef(p.owner, p.owner.GroupVersionKind())
	obj.SetOwnerReferences(append(refs, *ref))
	return nil
}

// isNamespaced asks the RESTMapper for the object's scope.
func isNamespaced(mapper meta.RESTMapper, obj *unstructured.Unstructured) (bool, error) {
	gvk := obj.GroupVersionKind()
	m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return false, fmt.Errorf("mapping %s of %s: %w", gvk, obj.GetName(), err)
	}
	return m.Scope.Name() == meta.RESTScopeNameNamespace, nil
}

// decodeManifest splits a multi-document YAML manifest into objects,
// skipping empty documents (templates that render nothing).
func decodeManifest(r io.Reader) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var out []*unstructured.Unstructured
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decoding rendered manifest: %w", err)
		}
		if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) || bytes.Equal(t, []byte("{}")) {
			continue
		}
		// Unstructured's own decoder keeps integers as int64, like objects
		// read from the API, so drift comparisons compare like with like.
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(raw); err != nil {
			return nil, fmt.Errorf("decoding rendered object: %w", err)
		}
		out = append(out, obj)
	}
}
