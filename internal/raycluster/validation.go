/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"regexp"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// Validate checks the semantic rules of a RayCluster that its CRD schema
// cannot express (or that an older installed CRD may not enforce): names
// that must fit Kubernetes limits, the Ray version, and the GCS
// fault-tolerance settings. It is a pure function; an empty list means the
// chart may be applied. Every error names its field, and no error message
// repeats a credential or a Redis address that may carry one.
func Validate(rc *rayv1.RayCluster) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateNames(rc)...)
	errs = append(errs, validateTemplates(&rc.Spec)...)
	errs = append(errs, validateRayStartParams(&rc.Spec)...)
	errs = append(errs, validateGroups(&rc.Spec)...)
	errs = append(errs, validateAutoscaler(&rc.Spec)...)
	errs = append(errs, validateRayVersion(rc)...)
	errs = append(errs, validateFaultTolerance(rc)...)
	return errs
}

// Field paths used by several rules.
var (
	specPath       = field.NewPath("spec")
	headPath       = specPath.Child("headGroupSpec")
	workersPath    = specPath.Child("workerGroupSpecs")
	ftOptionsPath  = specPath.Child("gcsFaultToleranceOptions")
	annotationPath = field.NewPath("metadata", "annotations")
)

// headRayContainerPath is the path of the head's Ray container, the first one.
func headRayContainerPath() *field.Path {
	return headPath.Child("template", "spec", "containers").Index(0)
}

// validateTemplates requires a container in every pod template (the first
// container of each runs Ray, and the chart wires Ray's settings into it) and
// refuses a restartPolicy that the head StatefulSet and the worker
// ReplicaSets cannot have: they allow only Always.
func validateTemplates(spec *rayv1.RayClusterSpec) field.ErrorList {
	errs := validateTemplate(headPath.Child("template", "spec"), &spec.HeadGroupSpec.Template.Spec, "head", "StatefulSet")
	for i := range spec.WorkerGroupSpecs {
		errs = append(errs, validateTemplate(workersPath.Index(i).Child("template", "spec"),
			&spec.WorkerGroupSpecs[i].Template.Spec, "worker", "ReplicaSet")...)
	}
	return errs
}

func validateTemplate(path *field.Path, pod *corev1.PodSpec, role, workload string) field.ErrorList {
	var errs field.ErrorList
	if len(pod.Containers) == 0 {
		errs = append(errs, field.Required(path.Child("containers"),
			"the "+role+" pod template needs at least one container; the first one runs Ray"))
	}
	if pod.RestartPolicy != "" && pod.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.Invalid(path.Child("restartPolicy"), pod.RestartPolicy,
			"must be Always or unset: the "+role+" runs in a "+workload+", which allows only Always"))
	}
	return errs
}

// rayStartParamName is what a rayStartParams key must look like: a `ray
// start` flag without its leading dashes. The chart's values schema has the
// same rule; checking it here says so in SpecValid before anything is
// rendered, instead of a failed release.
var rayStartParamName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// validateRayStartParams refuses keys that are no flag name. The key is
// named in the path only, never echoed as a value.
func validateRayStartParams(spec *rayv1.RayClusterSpec) field.ErrorList {
	errs := validateParamNames(headPath.Child("rayStartParams"), spec.HeadGroupSpec.RayStartParams)
	for i := range spec.WorkerGroupSpecs {
		errs = append(errs, validateParamNames(workersPath.Index(i).Child("rayStartParams"), spec.WorkerGroupSpecs[i].RayStartParams)...)
	}
	return errs
}

func validateParamNames(path *field.Path, params map[string]string) field.ErrorList {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a stable message for a stable condition
	var errs field.ErrorList
	for _, k := range keys {
		if !rayStartParamName.MatchString(k) {
			errs = append(errs, field.Forbidden(path.Key(k),
				"must be a ray start flag name without its leading dashes: lower-case letters, digits and '-', e.g. num-cpus"))
		}
	}
	return errs
}

// headRayContainer returns the head's Ray container, nil when there is none.
func headRayContainer(spec *rayv1.RayClusterSpec) *corev1.Container {
	containers := spec.HeadGroupSpec.Template.Spec.Containers
	if len(containers) == 0 {
		return nil
	}
	return &containers[0]
}

// findEnv returns the index and the variable named name in c's env, or -1.
func findEnv(c *corev1.Container, name string) (int, *corev1.EnvVar) {
	if c == nil {
		return -1, nil
	}
	for i := range c.Env {
		if c.Env[i].Name == name {
			return i, &c.Env[i]
		}
	}
	return -1, nil
}

// ftAnnotation reports the legacy ray.io/ft-enabled annotation: whether it
// is present and whether it turns fault tolerance on ("true" in any case,
// as KubeRay reads it).
func ftAnnotation(rc *rayv1.RayCluster) (present, on bool) {
	v, ok := rc.Annotations[rayv1.AnnotationFTEnabled]
	return ok, ok && strings.EqualFold(v, "true")
}

// FaultToleranceEnabled reports whether GCS fault tolerance is on, either
// through spec.gcsFaultToleranceOptions or the legacy annotation.
func FaultToleranceEnabled(rc *rayv1.RayCluster) bool {
	_, legacy := ftAnnotation(rc)
	return rc.Spec.GcsFaultToleranceOptions != nil || legacy
}
