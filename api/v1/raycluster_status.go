package v1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ClusterState is KubeRay's coarse cluster state. KubeRay deprecates it in
// favour of conditions; it is kept so that KubeRay clients keep working.
type ClusterState string

const (
	// ClusterStateReady: the head and every desired worker ran and were
	// Ready at least once.
	ClusterStateReady ClusterState = "ready"
	// ClusterStateSuspended: spec.suspend is true and the pods are gone.
	ClusterStateSuspended ClusterState = "suspended"
	// ClusterStateFailed is kept for KubeRay compatibility only; use the
	// conditions for failures.
	ClusterStateFailed ClusterState = "failed"
)

// RayClusterStatus is the observed state of a RayCluster. The first group of
// fields is KubeRay's, with KubeRay's meaning; the rest is this operator's.
// Every writer patches only the fields it owns, so hooks and the Helm
// reconciler do not erase each other's fields.
type RayClusterStatus struct {
	// State is KubeRay's deprecated summary (ready, suspended).
	// +optional
	State ClusterState `json:"state,omitempty"`

	// Reason explains State when it is not self-explanatory.
	// +optional
	Reason string `json:"reason,omitempty"`

	// Conditions are the typed conditions listed in conditions.go: KubeRay's,
	// the Helm release reconciler's and this operator's.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Head locates the current head pod and Service.
	// +optional
	Head HeadInfo `json:"head,omitempty"`

	// Endpoints maps the head Service's port names to port numbers.
	// +optional
	Endpoints map[string]string `json:"endpoints,omitempty"`

	// ReadyWorkerReplicas counts worker pods that are Running and Ready.
	// +optional
	ReadyWorkerReplicas int32 `json:"readyWorkerReplicas,omitempty"`

	// AvailableWorkerReplicas counts worker pods that are Running.
	// +optional
	AvailableWorkerReplicas int32 `json:"availableWorkerReplicas,omitempty"`

	// DesiredWorkerReplicas is the sum over groups of replicas clamped to
	// [minReplicas, maxReplicas] (0 for a suspended group).
	// +optional
	DesiredWorkerReplicas int32 `json:"desiredWorkerReplicas,omitempty"`

	// MinWorkerReplicas is the sum of the groups' minReplicas.
	// +optional
	MinWorkerReplicas int32 `json:"minWorkerReplicas,omitempty"`

	// MaxWorkerReplicas is the sum of the groups' maxReplicas (saturating).
	// +optional
	MaxWorkerReplicas int32 `json:"maxWorkerReplicas,omitempty"`

	// DesiredCPU is the CPU the cluster asks for: the head's and the
	// desired workers' container limits (requests when no limit is set).
	// +optional
	DesiredCPU resource.Quantity `json:"desiredCPU,omitempty"`

	// DesiredMemory is the memory the cluster asks for, counted as DesiredCPU.
	// +optional
	DesiredMemory resource.Quantity `json:"desiredMemory,omitempty"`

	// DesiredGPU is the number of GPUs the cluster asks for.
	// +optional
	DesiredGPU resource.Quantity `json:"desiredGPU,omitempty"`

	// DesiredTPU is the number of TPUs the cluster asks for.
	// +optional
	DesiredTPU resource.Quantity `json:"desiredTPU,omitempty"`

	// ObservedGeneration is the spec generation that the last successful
	// reconcile applied.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// LastUpdateTime is when the status last changed.
	// +optional
	// +nullable
	LastUpdateTime *metav1.Time `json:"lastUpdateTime,omitempty"`

	// DeployedRelease identifies the Helm release that renders this cluster.
	// It never holds the rendered manifest, which may contain secrets.
	// +optional
	DeployedRelease *DeployedRelease `json:"deployedRelease,omitempty"`

	// Recovery records head failures and the operator's replacements. Its
	// counters are the inputs of the forced-replacement backoff, kept here
	// so that they survive operator restarts.
	// +optional
	Recovery *RecoveryStatus `json:"recovery,omitempty"`

	// Redis is the last reachability check of the GCS Redis (FT only).
	// +optional
	Redis *RedisStatus `json:"redis,omitempty"`
}

// HeadInfo locates the head. For a headless Service, KubeRay reports the
// head pod IP as ServiceIP; this operator does the same.
type HeadInfo struct {
	// PodName is the head pod's name (<cluster>-head-0).
	// +optional
	PodName string `json:"podName,omitempty"`
	// PodIP is the head pod's IP.
	// +optional
	PodIP string `json:"podIP,omitempty"`
	// ServiceName is the head Service's name (<cluster>-head-svc).
	// +optional
	ServiceName string `json:"serviceName,omitempty"`
	// ServiceIP is the head Service's cluster IP, or the head pod IP when
	// the Service is headless.
	// +optional
	ServiceIP string `json:"serviceIP,omitempty"`
}

// DeployedRelease is the Helm release last applied for the cluster.
type DeployedRelease struct {
	// Name is the release name.
	Name string `json:"name"`
	// Revision is the release revision Helm recorded.
	// +optional
	Revision int `json:"revision,omitempty"`
	// ChartVersion is the version of the chart the release was made from.
	// +optional
	ChartVersion string `json:"chartVersion,omitempty"`
	// InputsHash is a digest of everything that produced this revision
	// (spec, override values, chart version, operator version). While it
	// matches and the release is deployed, a reconcile can skip Helm's
	// dry-run upgrade.
	// +optional
	InputsHash string `json:"inputsHash,omitempty"`
}

// RecoveryStatus records the head's failures and recoveries.
type RecoveryStatus struct {
	// Count is the number of head failures the operator has seen recover
	// (the head Ready again after a failure).
	// +optional
	Count int32 `json:"count,omitempty"`

	// LastFailureTime is when the last head failure was detected.
	// +optional
	LastFailureTime *metav1.Time `json:"lastFailureTime,omitempty"`

	// LastFailureReason is the last failure mode seen.
	// +optional
	LastFailureReason HeadFailureReason `json:"lastFailureReason,omitempty"`

	// LastFailureMessage describes the last failure for humans.
	// +optional
	LastFailureMessage string `json:"lastFailureMessage,omitempty"`

	// LastRecoveryStartTime is when the operator started recovering from
	// the last failure (normally LastFailureTime).
	// +optional
	LastRecoveryStartTime *metav1.Time `json:"lastRecoveryStartTime,omitempty"`

	// LastRecoveryDuration is how long the last recovery took, from
	// LastRecoveryStartTime until a head was Ready again.
	// +optional
	LastRecoveryDuration *metav1.Duration `json:"lastRecoveryDuration,omitempty"`

	// LastForcedReplacementTime is when the operator last deleted (or
	// force-deleted) the head pod to get a new one.
	// +optional
	LastForcedReplacementTime *metav1.Time `json:"lastForcedReplacementTime,omitempty"`

	// ConsecutiveForcedReplacements counts forced replacements since the
	// head was last Ready for a full backoff period; the backoff before the
	// next replacement grows with it.
	// +optional
	ConsecutiveForcedReplacements int32 `json:"consecutiveForcedReplacements,omitempty"`

	// LastReadyHeadPodUID is the UID of the head pod last seen Ready. A
	// Ready head with another UID, seen with no recovery under way, was
	// deleted and replaced between two looks of the operator; that is
	// counted as a recovery too.
	// +optional
	LastReadyHeadPodUID types.UID `json:"lastReadyHeadPodUID,omitempty"`
}

// RedisStatus is the result of the last Redis reachability check.
type RedisStatus struct {
	// Reachable is true when the last check connected and authenticated.
	Reachable bool `json:"reachable"`
	// LastCheckTime is when the last check ran.
	// +optional
	LastCheckTime *metav1.Time `json:"lastCheckTime,omitempty"`
	// Message describes the result; it never contains credentials.
	// +optional
	Message string `json:"message,omitempty"`
}
