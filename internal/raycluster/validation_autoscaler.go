package raycluster

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// envAutoscalerV2 is the head env variable that switches Ray to autoscaler
// v2; spec.autoscalerOptions.version is the field that sets it.
const envAutoscalerV2 = "RAY_enable_autoscaler_v2"

var (
	autoscalingPath = specPath.Child("enableInTreeAutoscaling")
	versionPath     = specPath.Child("autoscalerOptions", "version")
)

// validateAutoscaler refuses what KubeRay v1.5's controller refuses about
// the autoscaler, so a cluster that KubeRay would not run is not run here
// either: autoscaler v2 switched on by env without an autoscaler, a
// suspended group the autoscaler would scale back up, the version set twice,
// and, with v2, a restartPolicy other than unset (KubeRay sets Never, which
// the head's StatefulSet and the workers' ReplicaSets cannot have, so only
// unset is left). Per-group idleTimeoutSeconds is accepted with either
// version, as KubeRay accepts it: only autoscaler v2 reads it.
func validateAutoscaler(spec *rayv1.RayClusterSpec) field.ErrorList {
	envPath := headRayContainerPath().Child("env")
	i, env := findEnv(headRayContainer(spec), envAutoscalerV2)
	if !spec.AutoscalingEnabled() {
		if env != nil && (env.Value == "1" || env.Value == "true") {
			return field.ErrorList{field.Forbidden(envPath.Index(i),
				envAutoscalerV2+" must not switch on autoscaler v2 while "+autoscalingPath.String()+" is not true")}
		}
		return nil
	}
	var errs field.ErrorList
	for k := range spec.WorkerGroupSpecs {
		if s := spec.WorkerGroupSpecs[k].Suspend; s != nil && *s {
			errs = append(errs, field.Forbidden(workersPath.Index(k).Child("suspend"),
				"a worker group cannot be suspended while "+autoscalingPath.String()+" is true: the autoscaler owns its size"))
		}
	}
	if spec.AutoscalerOptions != nil && spec.AutoscalerOptions.Version != nil && env != nil {
		errs = append(errs, field.Forbidden(envPath.Index(i),
			envAutoscalerV2+" must not be set together with "+versionPath.String()+": set only the version"))
	}
	if spec.AutoscalerV2() {
		errs = append(errs, validateV2RestartPolicy(spec)...)
	}
	return errs
}

// validateV2RestartPolicy: autoscaler v2 wants Ray pods that are replaced,
// not restarted in place; KubeRay refuses any restartPolicy but Never
// there, and the workloads here refuse Never, so only unset passes.
func validateV2RestartPolicy(spec *rayv1.RayClusterSpec) field.ErrorList {
	var errs field.ErrorList
	check := func(path *field.Path, p corev1.RestartPolicy) {
		if p == corev1.RestartPolicyAlways {
			errs = append(errs, field.Invalid(path, p,
				"must be unset with autoscaler v2 ("+versionPath.String()+": v2), as KubeRay requires Never or unset"))
		}
	}
	check(headPath.Child("template", "spec", "restartPolicy"), spec.HeadGroupSpec.Template.Spec.RestartPolicy)
	for k := range spec.WorkerGroupSpecs {
		check(workersPath.Index(k).Child("template", "spec", "restartPolicy"), spec.WorkerGroupSpecs[k].Template.Spec.RestartPolicy)
	}
	return errs
}
