package v1

import (
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MaxNameLength is the longest RayCluster name the operator accepts. The
// head is a StatefulSet named <name>-head, and the StatefulSet controller
// labels its pods with controller-revision-hash=<statefulset>-<hash of up to
// 10 characters>; a label value holds at most 63 characters, so the
// StatefulSet name may have at most 52 and the cluster name at most 47.
// The same limit is written as a literal in the CEL rule on RayCluster.
const MaxNameLength = 47

// RayClusterSpec is the desired state of a Ray cluster. Field names and
// shapes are KubeRay's. KubeRay fields this operator does not implement are
// declared only so that the API server can reject them with a message that
// names them, instead of pruning them without a word.
//
// +kubebuilder:validation:XValidation:rule="!has(self.authOptions)",message="spec.authOptions is not supported by ray-ha-operator; see docs/compatibility.md",fieldPath=".authOptions",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(self.managedBy)",message="spec.managedBy is not supported by ray-ha-operator; see docs/compatibility.md",fieldPath=".managedBy",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(self.historyServerOptions)",message="spec.historyServerOptions is not supported by ray-ha-operator; see docs/compatibility.md",fieldPath=".historyServerOptions",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(self.networkPolicy)",message="spec.networkPolicy is not supported by ray-ha-operator; see docs/compatibility.md",fieldPath=".networkPolicy",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(self.tlsOptions)",message="spec.tlsOptions is not supported by ray-ha-operator; see docs/compatibility.md",fieldPath=".tlsOptions",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(self.workerGroupSpecs) || self.workerGroupSpecs.all(g, self.workerGroupSpecs.exists_one(h, h.groupName == g.groupName))",message="spec.workerGroupSpecs: groupName must be unique",fieldPath=".workerGroupSpecs",reason=FieldValueInvalid
type RayClusterSpec struct {
	// RayVersion is the Ray version of the cluster's image, e.g. "2.46.0".
	// The chart picks the probe style from it and the operator checks that
	// the version supports the requested GCS fault tolerance.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	RayVersion string `json:"rayVersion,omitempty"`

	// Suspend, when true, deletes the head and worker pods while keeping the
	// RayCluster object (and its GCS data in Redis).
	// +optional
	Suspend *bool `json:"suspend,omitempty"`

	// HeadServiceAnnotations are copied onto the head Service.
	// +optional
	HeadServiceAnnotations map[string]string `json:"headServiceAnnotations,omitempty"`

	// HeadGroupSpec describes the head pod.
	HeadGroupSpec HeadGroupSpec `json:"headGroupSpec"`

	// WorkerGroupSpecs describes the worker groups, one ReplicaSet each.
	// The 100-item bound keeps the uniqueness rule's CEL cost estimate
	// inside the API server's budget.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=100
	WorkerGroupSpecs []WorkerGroupSpec `json:"workerGroupSpecs,omitempty"`

	// GcsFaultToleranceOptions turns on GCS fault tolerance with an external
	// Redis: the GCS keeps its tables there, so a replaced head picks up the
	// cluster's state.
	// +optional
	GcsFaultToleranceOptions *GcsFaultToleranceOptions `json:"gcsFaultToleranceOptions,omitempty"`

	// UpgradeStrategy says what a change of a pod template does to running
	// Ray pods: nothing (None, the default, as in KubeRay), or replace them
	// (Recreate). Pods created later always use the current template.
	// +optional
	UpgradeStrategy *RayClusterUpgradeStrategy `json:"upgradeStrategy,omitempty"`

	// AuthOptions is KubeRay's; not supported.
	// +optional
	// +kubebuilder:validation:Type=object
	AuthOptions *apiextensionsv1.JSON `json:"authOptions,omitempty"`

	// ManagedBy is KubeRay's (used by MultiKueue); not supported: this
	// operator always manages the clusters it watches.
	// +optional
	ManagedBy *string `json:"managedBy,omitempty"`

	// AutoscalerOptions configures the Ray autoscaler sidecar of the head
	// pod (see autoscaler_types.go); read only with EnableInTreeAutoscaling.
	// +optional
	AutoscalerOptions *AutoscalerOptions `json:"autoscalerOptions,omitempty"`

	// EnableInTreeAutoscaling, true, runs Ray's autoscaler as a sidecar of
	// the head pod, as KubeRay does, with a ServiceAccount, Role and
	// RoleBinding that let it read the cluster's pods and patch the
	// RayCluster's worker counts.
	// +optional
	EnableInTreeAutoscaling *bool `json:"enableInTreeAutoscaling,omitempty"`

	// HistoryServerOptions is KubeRay's; not supported.
	// +optional
	// +kubebuilder:validation:Type=object
	HistoryServerOptions *apiextensionsv1.JSON `json:"historyServerOptions,omitempty"`

	// NetworkPolicy is KubeRay's; not supported.
	// +optional
	// +kubebuilder:validation:Type=object
	NetworkPolicy *apiextensionsv1.JSON `json:"networkPolicy,omitempty"`

	// TLSOptions is KubeRay's; not supported.
	// +optional
	// +kubebuilder:validation:Type=object
	TLSOptions *apiextensionsv1.JSON `json:"tlsOptions,omitempty"`
}

// HeadGroupSpec describes the head pod, run as a StatefulSet of one.
//
// +kubebuilder:validation:XValidation:rule="!has(self.template.spec) || !has(self.template.spec.restartPolicy) || self.template.spec.restartPolicy == 'Always'",message="template.spec.restartPolicy must be Always or unset: the head runs in a StatefulSet, which allows only Always",fieldPath=".template.spec.restartPolicy",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="!has(self.ingressOptions)",message="spec.headGroupSpec.ingressOptions is not supported by ray-ha-operator; see docs/compatibility.md",fieldPath=".ingressOptions",reason=FieldValueForbidden
type HeadGroupSpec struct {
	// RayStartParams are passed to `ray start --head` as --key=value.
	// +optional
	RayStartParams map[string]string `json:"rayStartParams,omitempty"`

	// Template is the head pod's template. The first container runs Ray.
	Template corev1.PodTemplateSpec `json:"template"`

	// ServiceType is the type of the head Service. Unset keeps the default
	// headless Service, which lets workers find a replaced head under the
	// same DNS name.
	// +optional
	// +kubebuilder:validation:Enum=ClusterIP;NodePort;LoadBalancer
	ServiceType corev1.ServiceType `json:"serviceType,omitempty"`

	// HeadService overrides fields of the head Service the chart renders.
	// +optional
	HeadService *corev1.Service `json:"headService,omitempty"`

	// EnableIngress, true, adds an Ingress <name>-head-ingress routing
	// /<name>/(.*) to the head's dashboard, as KubeRay makes it; the
	// RayCluster's annotations are copied onto it, and
	// kubernetes.io/ingress.class becomes its ingressClassName.
	// +optional
	EnableIngress *bool `json:"enableIngress,omitempty"`

	// IngressOptions is KubeRay's; not supported.
	// +optional
	// +kubebuilder:validation:Type=object
	IngressOptions *apiextensionsv1.JSON `json:"ingressOptions,omitempty"`

	// Resources are the group's Ray resources (KubeRay v1.5): cpu, memory
	// and GPUs (names ending in gpu) become ray start --num-cpus, --memory
	// and --num-gpus, any other name a custom Ray resource. Values are
	// Kubernetes quantities. They win over what the Ray container's
	// resources would give, and may not be combined with num-cpus,
	// num-gpus, memory or resources in rayStartParams.
	// +optional
	Resources map[string]string `json:"resources,omitempty"`

	// Labels are the group's Ray node labels (KubeRay v1.5), passed as ray
	// start --labels and added to the pods' labels. They replace
	// rayStartParams.labels, which is refused.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
}

// WorkerGroupSpec describes one group of identical worker pods, run as a
// ReplicaSet named <cluster>-<groupName>-worker.
//
// +kubebuilder:validation:XValidation:rule="!has(self.template.spec) || !has(self.template.spec.restartPolicy) || self.template.spec.restartPolicy == 'Always'",message="template.spec.restartPolicy must be Always or unset: workers run in a ReplicaSet, which allows only Always",fieldPath=".template.spec.restartPolicy",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas",message="minReplicas must not be greater than maxReplicas",fieldPath=".minReplicas",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="!has(self.priority) || self.priority == 0",message="spec.workerGroupSpecs[].priority is not supported by ray-ha-operator; see docs/compatibility.md",fieldPath=".priority",reason=FieldValueForbidden
type WorkerGroupSpec struct {
	// GroupName names the group; unique in the cluster and a DNS-1123 label,
	// since it becomes part of the ReplicaSet name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="groupName must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit"
	GroupName string `json:"groupName"`

	// Replicas is the number of worker pods. It is clamped to
	// [minReplicas, maxReplicas], as KubeRay does.
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	Replicas *int32 `json:"replicas,omitempty"`

	// MinReplicas is the lower bound of Replicas.
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	MinReplicas *int32 `json:"minReplicas,omitempty"`

	// MaxReplicas is the upper bound of Replicas.
	// +optional
	// +kubebuilder:default=2147483647
	// +kubebuilder:validation:Minimum=0
	MaxReplicas *int32 `json:"maxReplicas,omitempty"`

	// RayStartParams are passed to `ray start` as --key=value.
	// +optional
	RayStartParams map[string]string `json:"rayStartParams,omitempty"`

	// Template is the worker pods' template. The first container runs Ray.
	Template corev1.PodTemplateSpec `json:"template"`

	// Suspend, when true, scales this group to zero.
	// +optional
	Suspend *bool `json:"suspend,omitempty"`

	// NumOfHosts is the number of pods (hosts) per replica, as in KubeRay:
	// the group runs replicas × numOfHosts worker pods, and a cluster with
	// such a group gets the headless worker Service <cluster>-headless.
	// Values below 1 count as 1 for the pods, as KubeRay counts them.
	// Defaulted to 1 as in KubeRay, so objects read back look the same.
	// +optional
	// +kubebuilder:default=1
	NumOfHosts int32 `json:"numOfHosts,omitempty"`

	// IdleTimeoutSeconds is how long a worker of this group may sit idle
	// before Ray's autoscaler v2 removes it; unset, the autoscaler's
	// autoscalerOptions.idleTimeoutSeconds applies. The operator only passes
	// it on: the autoscaler reads it from the RayCluster.
	// +optional
	IdleTimeoutSeconds *int32 `json:"idleTimeoutSeconds,omitempty"`

	// Priority is KubeRay's scale-down priority; only 0 is accepted.
	// +optional
	Priority *int32 `json:"priority,omitempty"`

	// Resources are the group's Ray resources (KubeRay v1.5): cpu, memory
	// and GPUs (names ending in gpu) become ray start --num-cpus, --memory
	// and --num-gpus, any other name a custom Ray resource. Values are
	// Kubernetes quantities. They win over what the Ray container's
	// resources would give, and may not be combined with num-cpus,
	// num-gpus, memory or resources in rayStartParams.
	// +optional
	Resources map[string]string `json:"resources,omitempty"`

	// Labels are the group's Ray node labels (KubeRay v1.5), passed as ray
	// start --labels and added to the pods' labels. They replace
	// rayStartParams.labels, which is refused.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// ScaleStrategy is KubeRay's (written by the autoscaler): the pods of
	// this group to remove when it scales the group down.
	// +optional
	ScaleStrategy *ScaleStrategy `json:"scaleStrategy,omitempty"`
}

// ScaleStrategy is KubeRay's list of worker pods to remove. Ray's
// autoscaler writes it together with a lower replicas; the operator
// deletes exactly the named pods of the group and leaves the list as it
// is, as KubeRay does (the autoscaler clears it).
type ScaleStrategy struct {
	// WorkersToDelete names worker pods of this group to delete.
	// +optional
	// +listType=atomic
	WorkersToDelete []string `json:"workersToDelete,omitempty"`
}

// GcsFaultToleranceBackend is where the GCS keeps its state.
// +kubebuilder:validation:Enum=redis;rocksdb
type GcsFaultToleranceBackend string

const (
	// GcsBackendRedis is an external Redis, the only backend supported.
	GcsBackendRedis GcsFaultToleranceBackend = "redis"
	// GcsBackendRocksDB is KubeRay's embedded RocksDB on a volume; rejected.
	GcsBackendRocksDB GcsFaultToleranceBackend = "rocksdb"
)

// GcsFaultToleranceOptions configures GCS fault tolerance with an external
// Redis.
//
// +kubebuilder:validation:XValidation:rule="!has(self.backend) || self.backend == 'redis'",message="spec.gcsFaultToleranceOptions.backend: rocksdb is not supported by ray-ha-operator; see docs/compatibility.md",fieldPath=".backend",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(self.storage)",message="spec.gcsFaultToleranceOptions.storage is not supported by ray-ha-operator; see docs/compatibility.md",fieldPath=".storage",reason=FieldValueForbidden
type GcsFaultToleranceOptions struct {
	// RedisAddress is the Redis the GCS uses: host:port,
	// redis://[user:password@]host:port or rediss://… for TLS. In a
	// comma-separated list Ray uses the first entry.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	RedisAddress string `json:"redisAddress,omitempty"`

	// RedisPassword is the Redis password, literal or from a Secret.
	// +optional
	RedisPassword *RedisCredential `json:"redisPassword,omitempty"`

	// RedisUsername is the Redis ACL user (Ray 2.41 or newer).
	// +optional
	RedisUsername *RedisCredential `json:"redisUsername,omitempty"`

	// ExternalStorageNamespace isolates this cluster's keys in Redis;
	// default: the RayCluster's UID. Ray joins it to table names with '@',
	// so it must not contain one.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="!self.contains('@')",message="externalStorageNamespace must not contain '@' (Ray uses it as the separator in its Redis keys)"
	ExternalStorageNamespace string `json:"externalStorageNamespace,omitempty"`

	// Backend is KubeRay's storage choice; only redis (or unset) is accepted.
	// +optional
	Backend GcsFaultToleranceBackend `json:"backend,omitempty"`

	// Storage is KubeRay's RocksDB volume; not supported.
	// +optional
	// +kubebuilder:validation:Type=object
	Storage *apiextensionsv1.JSON `json:"storage,omitempty"`
}

// RedisCredential is a Redis user name or password: either a literal value
// or a reference (typically a secretKeyRef), as in an EnvVar.
//
// +kubebuilder:validation:XValidation:rule="(has(self.value) && size(self.value) > 0) != has(self.valueFrom)",message="exactly one of value and valueFrom must be set"
type RedisCredential struct {
	// Value is the literal credential. Prefer ValueFrom with a Secret.
	// +optional
	Value string `json:"value,omitempty"`

	// ValueFrom reads the credential from a Secret (or another env source).
	// +optional
	ValueFrom *corev1.EnvVarSource `json:"valueFrom,omitempty"`
}

// No short name: KubeRay defines none for RayCluster, and the obvious "rc"
// is kubectl's name for ReplicationControllers.

// RayCluster is a Ray cluster whose head is replaced when it fails, with its
// GCS state kept in an external Redis.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:categories=all
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 47",message="metadata.name must be at most 47 characters: the head StatefulSet <name>-head labels its pods with <name>-head-<revision hash>, which must fit in 63",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter): it names the head Service",reason=FieldValueInvalid
// +kubebuilder:printcolumn:name="status",type=string,JSONPath=".status.state"
// +kubebuilder:printcolumn:name="desired workers",type=integer,JSONPath=".status.desiredWorkerReplicas"
// +kubebuilder:printcolumn:name="ready workers",type=integer,JSONPath=".status.readyWorkerReplicas"
// +kubebuilder:printcolumn:name="head ready",type=string,JSONPath=".status.conditions[?(@.type==\"HeadPodReady\")].status"
// +kubebuilder:printcolumn:name="recoveries",type=integer,JSONPath=".status.recovery.count"
// +kubebuilder:printcolumn:name="head pod IP",type=string,JSONPath=".status.head.podIP",priority=1
// +kubebuilder:printcolumn:name="redis",type=string,JSONPath=".status.conditions[?(@.type==\"RedisReachable\")].status",priority=1
// +kubebuilder:printcolumn:name="age",type=date,JSONPath=".metadata.creationTimestamp"
type RayCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired cluster.
	Spec RayClusterSpec `json:"spec,omitempty"`
	// Status is what the operator observed and did.
	Status RayClusterStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// RayClusterList is a list of RayClusters.
type RayClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RayCluster `json:"items"`
}

func init() {
	SchemeBuilder.Register(&RayCluster{}, &RayClusterList{})
}

// RayClusterUpgradeType is what a pod template change does to running pods.
// +kubebuilder:validation:Enum=None;Recreate
type RayClusterUpgradeType string

const (
	// UpgradeNone leaves running Ray pods alone: pods created later (a
	// scale-up, the replacement of a failed pod or head) use the new
	// template. The default.
	UpgradeNone RayClusterUpgradeType = "None"
	// UpgradeRecreate deletes the Ray pods whose template changed; their
	// StatefulSet or ReplicaSet creates them again from the new template.
	UpgradeRecreate RayClusterUpgradeType = "Recreate"
)

// RayClusterUpgradeStrategy is KubeRay's spec.upgradeStrategy.
type RayClusterUpgradeStrategy struct {
	// Type is None (default) or Recreate.
	// +optional
	Type *RayClusterUpgradeType `json:"type,omitempty"`
}
