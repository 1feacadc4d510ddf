// Package kuberay is the differential test tier: KubeRay v1.5.0's own pod
// builder (the oracle, a Go module of its own under oracle/) and our chart
// render the same RayCluster specs, and the Ray-relevant parts of the pods
// they make are compared. KubeRay is never a dependency of the root module;
// this package only runs the oracle as a program and reads KubeRay's module
// files (its samples) from the module cache.
package kuberay
