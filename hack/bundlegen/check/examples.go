package check

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/operator-framework/api/pkg/manifests"
)

// examples runs the static part of the scorecard's basic and OLM suites:
// every owned CRD has an example, every example has a spec whose top-level
// fields have spec descriptors, every owned CRD with a status has status
// descriptors and lists the resources it creates.
func examples(r *Report, b *manifests.Bundle) {
	const c = "examples"
	var list []map[string]any
	if err := json.Unmarshal([]byte(b.CSV.Annotations["alm-examples"]), &list); err != nil {
		r.add(Error, c, "alm-examples is not a JSON array of objects: %v", err)
		return
	}
	for _, owned := range b.CSV.Spec.CustomResourceDefinitions.Owned {
		group := owned.Name[strings.Index(owned.Name, ".")+1:]
		apiVersion := group + "/" + owned.Version
		var paths []string
		for _, d := range owned.SpecDescriptors {
			paths = append(paths, d.Path)
		}
		found := 0
		for _, ex := range list {
			if ex["apiVersion"] != apiVersion || ex["kind"] != owned.Kind {
				continue
			}
			found++
			spec, ok := ex["spec"].(map[string]any)
			if !ok {
				r.add(Error, c, "example of %s has no spec", owned.Kind)
				continue
			}
			for field := range spec {
				if !slices.Contains(paths, field) {
					r.add(Error, c, "spec field %s of a %s example has no spec descriptor", field, owned.Kind)
				}
			}
		}
		if found == 0 {
			r.add(Error, c, "owned CRD %s %s has no example in alm-examples", owned.Name, owned.Version)
		}
		if len(owned.StatusDescriptors) == 0 {
			r.add(Error, c, "owned CRD %s has no status descriptors", owned.Name)
		}
		if len(owned.Resources) == 0 {
			r.add(Error, c, "owned CRD %s lists no resources", owned.Name)
		}
	}
}
