package helm

// RBAC for what the chart renders for a RayCluster with
// enableInTreeAutoscaling: the autoscaler's ServiceAccount, Role and
// RoleBinding (helm-charts/ray-cluster/templates/autoscaler-rbac.yaml).
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles;rolebindings,verbs=get;list;watch;create;update;patch;delete

// The API server lets the operator create that Role, and bind it, only if
// the operator holds every permission the Role grants (RBAC's escalation
// check); the operator never uses these itself. The rest of the Role's
// rules (pods get/list/watch, rayclusters get/patch) the operator already
// holds for its own work.
// +kubebuilder:rbac:groups="",resources=pods,verbs=patch
// +kubebuilder:rbac:groups="",resources=pods/resize,verbs=patch
