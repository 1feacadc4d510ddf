// Package v1 contains the ray.io/v1 API served by ray-ha-operator: the
// RayCluster kind, wire-compatible with KubeRay's for the fields this
// operator implements (see docs/compatibility.md).
//
// +kubebuilder:object:generate=true
// +groupName=ray.io
package v1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of the RayCluster API. It is
	// KubeRay's, so manifests and clients written for KubeRay work unchanged.
	GroupVersion = schema.GroupVersion{Group: "ray.io", Version: "v1"}

	// SchemeBuilder registers the API's Go types with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the API's types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
