//go:build tools

// Package kuberay pins KubeRay's ray-operator v1.5.0 as a program, built from
// the module proxy in a module of its own: its Kubernetes and
// controller-runtime versions differ from the operator's. The benchmark runs
// it beside ours on identical simulated clusters, and the migration test
// hands a running cluster from it to ours.
package kuberay

import _ "github.com/ray-project/kuberay/ray-operator"
