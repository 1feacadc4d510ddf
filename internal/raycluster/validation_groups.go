/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"sort"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// resourceParams are the rayStartParams that a group's `resources` field
// sets; KubeRay refuses a group that sets both, and so do we: which one would
// win is not obvious to whoever reads the manifest.
var resourceParams = []string{"num-cpus", "num-gpus", "memory", "resources"}

// validateGroups checks KubeRay v1.5's group-level `resources` and `labels`
// of the head group and every worker group.
func validateGroups(spec *rayv1.RayClusterSpec) field.ErrorList {
	h := &spec.HeadGroupSpec
	errs := validateGroup(headPath, h.RayStartParams, h.Resources, h.Labels)
	for i := range spec.WorkerGroupSpecs {
		g := &spec.WorkerGroupSpecs[i]
		errs = append(errs, validateGroup(workersPath.Index(i), g.RayStartParams, g.Resources, g.Labels)...)
	}
	return errs
}

func validateGroup(path *field.Path, params, resources, labels map[string]string) field.ErrorList {
	var errs field.ErrorList
	if len(resources) > 0 {
		for _, p := range resourceParams {
			if _, ok := params[p]; ok {
				errs = append(errs, field.Forbidden(path.Child("rayStartParams").Key(p),
					"must not be set together with "+path.Child("resources").String()+": use one of them for the group's Ray resources"))
			}
		}
	}
	for _, name := range sortedKeys(resources) {
		if _, err := resource.ParseQuantity(resources[name]); err != nil {
			errs = append(errs, field.Invalid(path.Child("resources").Key(name), resources[name],
				"must be a Kubernetes quantity such as 2, 500m or 4Gi"))
		}
	}
	if _, ok := params["labels"]; ok {
		errs = append(errs, field.Forbidden(path.Child("rayStartParams").Key("labels"),
			"is not supported (as in KubeRay v1.5): use "+path.Child("labels").String()+", which also labels the pods"))
	}
	for _, k := range sortedKeys(labels) {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, field.Invalid(path.Child("labels"), k, "invalid label key: "+msg))
		}
		for _, msg := range validation.IsValidLabelValue(labels[k]) {
			errs = append(errs, field.Invalid(path.Child("labels").Key(k), labels[k], "invalid label value: "+msg))
		}
	}
	return errs
}

// sortedKeys gives a stable order, so a condition's message does not change
// between reconciles of the same spec.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
