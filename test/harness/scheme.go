/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// Scheme knows the built-in kinds, CRDs and RayCluster: what a test's own
// client reads and writes.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, rayv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}
