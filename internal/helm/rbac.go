package helm

// RBAC of the Helm release reconciler, for controller-gen (make manifests).
// The ClusterRole must cover what the reconciler itself touches and what the
// chart renders: Helm creates, patches and deletes those objects with the
// operator's own identity, and drift repair watches them through the
// manager's cache.

// The custom resource: watched, its finalizer added and removed, its status
// written once per reconcile.
// +kubebuilder:rbac:groups=ray.io,resources=rayclusters,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=ray.io,resources=rayclusters/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=ray.io,resources=rayclusters/finalizers,verbs=update

// What helm-charts/ray-cluster renders: the head StatefulSet, one ReplicaSet
// per worker group, the head Service and, when asked for, the head Ingress.
// +kubebuilder:rbac:groups=apps,resources=statefulsets;replicasets,verbs=get;list;watch;create;update;patch;delete

// Releases rendered by charts before the ReplicaSets hold one Deployment per
// worker group: the upgrade removes them (after the RayCluster hooks have
// orphaned their pods), and drift repair watches the kinds a release lists.
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;delete
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;update;patch;delete
// The head Ingress, with headGroupSpec.enableIngress.
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses,verbs=get;list;watch;create;update;patch;delete

// Helm's Secrets storage driver keeps each release's revisions as Secrets in
// the operator's own namespace (--release-namespace): writing them is the
// namespaced Role config/rbac/release_storage_role.yaml, not this
// ClusterRole. In the namespaces the operator serves it only reads Secrets:
// those a RayCluster names (the Redis password), and, once per resource,
// the release Secrets an earlier version kept there, to move them.
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch

// Install, upgrade, uninstall and their failures are reported as events; the
// manager's recorder writes events.k8s.io/v1, older helpers the core API.
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
