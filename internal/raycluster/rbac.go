package raycluster

// RBAC of the RayCluster hooks beyond the pod and node rules next to the code
// that reads and deletes them (scope.go, replace.go).

// The Redis clean-up and reachability probe read the password, ACL user and
// CA the spec points to: from Secrets (covered by the reconciler's rule for
// release Secrets) and, for a CA bundle, from ConfigMaps. Read-only.
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch
