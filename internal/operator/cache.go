/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import "sigs.k8s.io/controller-runtime/pkg/cache"

// CacheOptions are the manager cache settings the operator runs with, for
// main and for the tests and benchmarks that stand in for it. Objects are
// cached without managedFields: nothing here reads them, and on pods and
// release Secrets they are a large share of the memory a cached object takes.
// namespaces limits the cache (nil: every namespace).
func CacheOptions(namespaces map[string]cache.Config) cache.Options {
	return cache.Options{
		DefaultNamespaces: namespaces,
		DefaultTransform:  cache.TransformStripManagedFields(),
	}
}
