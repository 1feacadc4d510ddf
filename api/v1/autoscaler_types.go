package v1

import (
	corev1 "k8s.io/api/core/v1"
)

// AutoscalerOptions shapes the Ray autoscaler container the chart adds to
// the head pod when spec.enableInTreeAutoscaling is true. Field names and
// shapes are KubeRay v1.5's, so a KubeRay manifest means the same here.
// IdleTimeoutSeconds, UpscalingMode and Version are read by Ray's
// autoscaler itself (from the RayCluster); the operator renders only what
// Version changes in the pods.
type AutoscalerOptions struct {
	// Resources replace the container's default requests and limits
	// (500m CPU and 512Mi memory, both).
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`

	// Image is the autoscaler's image; unset, the head's Ray image, so the
	// autoscaler and the cluster run the same Ray.
	// +optional
	Image *string `json:"image,omitempty"`

	// ImagePullPolicy of the autoscaler container; unset, IfNotPresent.
	// +optional
	ImagePullPolicy *corev1.PullPolicy `json:"imagePullPolicy,omitempty"`

	// SecurityContext of the autoscaler container. Fields left unset get
	// the chart's restricted defaults, as every container of a Ray pod.
	// +optional
	SecurityContext *corev1.SecurityContext `json:"securityContext,omitempty"`

	// IdleTimeoutSeconds is how long a worker may sit idle before the
	// autoscaler removes it (Ray's default: 60).
	// +optional
	IdleTimeoutSeconds *int32 `json:"idleTimeoutSeconds,omitempty"`

	// UpscalingMode is how fast the autoscaler adds workers: Conservative
	// caps pending workers at the cluster's size; Default and Aggressive
	// do not cap them.
	// +optional
	UpscalingMode *UpscalingMode `json:"upscalingMode,omitempty"`

	// Version picks autoscaler v1 or v2; unset, Ray's own default for its
	// version. v2 also sets RAY_enable_autoscaler_v2 on the head's Ray
	// container.
	// +optional
	Version *AutoscalerVersion `json:"version,omitempty"`

	// Env is added to the autoscaler container's env, after the entries
	// the chart sets.
	// +optional
	Env []corev1.EnvVar `json:"env,omitempty"`

	// EnvFrom fills the autoscaler container's env from ConfigMaps or
	// Secrets.
	// +optional
	EnvFrom []corev1.EnvFromSource `json:"envFrom,omitempty"`

	// VolumeMounts are added to the autoscaler container (TLS material,
	// for instance); the volumes come from the head's pod template.
	// +optional
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts,omitempty"`
}

// UpscalingMode is the autoscaler's upscaling speed.
// +kubebuilder:validation:Enum=Default;Aggressive;Conservative
type UpscalingMode string

// AutoscalerVersion is the Ray autoscaler generation.
// +kubebuilder:validation:Enum=v1;v2
type AutoscalerVersion string

const (
	// AutoscalerVersionV1 is Ray's original autoscaler.
	AutoscalerVersionV1 AutoscalerVersion = "v1"
	// AutoscalerVersionV2 is Ray's rewritten autoscaler, which tracks
	// workers by pod and removes them per group after idleTimeoutSeconds.
	AutoscalerVersionV2 AutoscalerVersion = "v2"
)

// AutoscalingEnabled says whether the head runs Ray's autoscaler.
func (s *RayClusterSpec) AutoscalingEnabled() bool {
	return s.EnableInTreeAutoscaling != nil && *s.EnableInTreeAutoscaling
}

// AutoscalerV2 says whether that autoscaler is v2, as the spec asks.
func (s *RayClusterSpec) AutoscalerV2() bool {
	return s.AutoscalingEnabled() && s.AutoscalerOptions != nil &&
		s.AutoscalerOptions.Version != nil && *s.AutoscalerOptions.Version == AutoscalerVersionV2
}
