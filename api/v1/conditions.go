package v1

// RayClusterConditionType is the type of a condition in
// RayClusterStatus.Conditions. Each type has exactly one writer, named in
// its comment, so writers never fight over a condition.
type RayClusterConditionType string

// HeadFailureReason is a way the head can fail. It is the reason of the
// HeadRecovering condition and RecoveryStatus.LastFailureReason.
type HeadFailureReason string

// KubeRay's conditions, with KubeRay's meaning. Writer: the status
// projection (internal/raycluster), at the end of every reconcile.
const (
	// HeadPodReady mirrors the head pod's Ready condition. When the pod is
	// not Ready its reason is the pod's (the Ray container's waiting or
	// terminated reason, e.g. CrashLoopBackOff, when the pod says only
	// ContainersNotReady).
	HeadPodReady RayClusterConditionType = "HeadPodReady"

	// RayClusterProvisioned becomes True the first time the head and all
	// desired workers are Running and Ready, and then stays True (a suspend
	// resets it), as in KubeRay.
	RayClusterProvisioned RayClusterConditionType = "RayClusterProvisioned"

	// ReplicaFailure is True while the head StatefulSet or a worker
	// ReplicaSet reports that it cannot create or delete pods (quota,
	// admission), or the operator's own delete of a head pod failed.
	// It is removed once the failure clears.
	ReplicaFailure RayClusterConditionType = "ReplicaFailure"
)

// Reasons of HeadPodReady. Other reasons are copied from the pod.
const (
	// ReasonHeadPodRunningAndReady: the head pod is Ready.
	ReasonHeadPodRunningAndReady = "HeadPodRunningAndReady"
	// ReasonHeadPodNotFound: no head pod exists.
	ReasonHeadPodNotFound = "HeadPodNotFound"
	// ReasonUnknown: the pod gives no reason for not being Ready.
	ReasonUnknown = "Unknown"
)

// Reasons of RayClusterProvisioned.
const (
	// ReasonAllPodRunningAndReadyFirstTime: every pod was Running and Ready
	// (True; KubeRay's spelling).
	ReasonAllPodRunningAndReadyFirstTime = "AllPodRunningAndReadyFirstTime"
	// ReasonRayClusterPodsProvisioning: pods are still starting (False).
	ReasonRayClusterPodsProvisioning = "RayClusterPodsProvisioning"
)

// Reasons of ReplicaFailure (KubeRay's names).
const (
	// ReasonFailedDeleteAllPods: deleting the pods of a suspended cluster failed.
	ReasonFailedDeleteAllPods = "FailedDeleteAllPods"
	// ReasonFailedDeleteHeadPod: the operator could not delete the head pod.
	ReasonFailedDeleteHeadPod = "FailedDeleteHeadPod"
	// ReasonFailedCreateHeadPod: the head StatefulSet cannot create its pod.
	ReasonFailedCreateHeadPod = "FailedCreateHeadPod"
	// ReasonFailedDeleteWorkerPod: a worker ReplicaSet cannot delete pods.
	ReasonFailedDeleteWorkerPod = "FailedDeleteWorkerPod"
	// ReasonFailedCreateWorkerPod: a worker ReplicaSet cannot create pods.
	ReasonFailedCreateWorkerPod = "FailedCreateWorkerPod"
)

// The Helm release reconciler's conditions, named as the Operator Framework
// names them so that existing dashboards and tools understand them.
// Writer: the Helm release reconciler.
const (
	// Initialized is True once the reconciler could look up the release.
	Initialized RayClusterConditionType = "Initialized"
	// Deployed is True while a release of the chart is deployed for the CR.
	Deployed RayClusterConditionType = "Deployed"
	// ReleaseFailed is True when the last install, upgrade or uninstall
	// failed; the message is Helm's error.
	ReleaseFailed RayClusterConditionType = "ReleaseFailed"
	// Irreconcilable is True when the last reconcile could not complete,
	// including when a pre-reconcile hook stopped it (e.g. invalid spec).
	Irreconcilable RayClusterConditionType = "Irreconcilable"
)

// Reasons of Initialized.
const (
	// ReasonInitialized: the release state is known (True).
	ReasonInitialized = "Initialized"
	// ReasonErrorGettingClient: no Helm action client (Unknown).
	ReasonErrorGettingClient = "ErrorGettingClient"
)

// Reasons of Deployed.
const (
	// ReasonInstallSuccessful: the first revision was installed (True).
	ReasonInstallSuccessful = "InstallSuccessful"
	// ReasonUpgradeSuccessful: a later revision was applied (True).
	ReasonUpgradeSuccessful = "UpgradeSuccessful"
	// ReasonUninstallSuccessful: the release was removed (False).
	ReasonUninstallSuccessful = "UninstallSuccessful"
	// ReasonReleaseNotFound: no release exists yet (False).
	ReasonReleaseNotFound = "ReleaseNotFound"
)

// Reasons of ReleaseFailed.
const (
	// ReasonInstallError: helm install failed (True).
	ReasonInstallError = "InstallError"
	// ReasonUpgradeError: helm upgrade failed (True).
	ReasonUpgradeError = "UpgradeError"
	// ReasonUninstallError: helm uninstall failed (True).
	ReasonUninstallError = "UninstallError"
	// ReasonPendingReleaseRecovered: a release left pending-install,
	// pending-upgrade or pending-rollback by a crashed operator was marked
	// failed or rolled back so that the next apply can proceed (True until
	// the next successful apply).
	ReasonPendingReleaseRecovered = "PendingReleaseRecovered"
	// ReasonReleaseSucceeded: the last release action succeeded (False).
	ReasonReleaseSucceeded = "ReleaseSucceeded"
)

// Reasons of Irreconcilable.
const (
	// ReasonErrorGettingValues: the values could not be built (True).
	ReasonErrorGettingValues = "ErrorGettingValues"
	// ReasonErrorGettingReleaseState: the release state could not be read (True).
	ReasonErrorGettingReleaseState = "ErrorGettingReleaseState"
	// ReasonReconcileError: install, upgrade, drift repair or uninstall
	// failed (True).
	ReasonReconcileError = "ReconcileError"
	// ReasonPreReconcileHookFailed: a pre-reconcile hook stopped the apply
	// (True); the message is the hook's.
	ReasonPreReconcileHookFailed = "PreReconcileHookFailed"
	// ReasonReconcileSuccessful: the last reconcile completed (False).
	ReasonReconcileSuccessful = "ReconcileSuccessful"
)

// This operator's own conditions.
const (
	// HeadRecovering is True from the detection of a head failure until a
	// head is Ready again; its reason is the failure mode (a
	// HeadFailureReason) and its message what the operator is doing about
	// it. False/HeadReady otherwise. Writer: the head health hook.
	HeadRecovering RayClusterConditionType = "HeadRecovering"

	// RedisReachable reports whether the operator could connect and
	// authenticate to the GCS Redis. Replacing a head does not help while
	// Redis is down, so this explains a head that does not recover.
	// Absent when GCS fault tolerance is off. Writer: the Redis hook.
	RedisReachable RayClusterConditionType = "RedisReachable"

	// SpecValid reports the semantic checks the CRD schema cannot express
	// (internal/raycluster.Validate). While False the chart is not applied,
	// and nothing already running is changed or deleted. Writer: the
	// validation hook.
	SpecValid RayClusterConditionType = "SpecValid"

	// FleetBrake is True while the fleet brake holds back this cluster's
	// head force-delete: too much of the cluster is disrupted (or too many
	// heads were force-deleted lately) for a lost node to be told from a
	// partition. Its reason says which limit holds; the condition is
	// removed once the force-delete is no longer held. Writer: the head
	// health hook.
	FleetBrake RayClusterConditionType = "FleetBrake"
)

// Reasons of FleetBrake (True).
const (
	// ReasonZoneDisrupted: the head's zone (or the whole cluster, when
	// nodes carry no zone label) has more NotReady nodes than the
	// unhealthy-zone limits allow.
	ReasonZoneDisrupted = "ZoneDisrupted"
	// ReasonDisruptionSettling: the zone was disrupted a moment ago; the
	// brake stays on for the release delay while nodes come back.
	ReasonDisruptionSettling = "DisruptionSettling"
	// ReasonForcedReplacementBudgetExhausted: the operator force-deleted
	// as many heads across the fleet as the window allows.
	ReasonForcedReplacementBudgetExhausted = "ForcedReplacementBudgetExhausted"
)

// Reasons of HeadRecovering: the failure modes (True) and the healthy state
// (False). They are the head health classifier's reasons, so the condition,
// RecoveryStatus.LastFailureReason, events and metric labels share one
// vocabulary.
const (
	// HeadFailurePodMissing: the head pod is gone (deleted or evicted and
	// removed); the StatefulSet recreates it.
	HeadFailurePodMissing HeadFailureReason = "PodMissing"
	// HeadFailurePodFailed: the head pod's phase is Failed.
	HeadFailurePodFailed HeadFailureReason = "PodFailed"
	// HeadFailurePodEvicted: the head pod was evicted (phase Failed, reason Evicted).
	HeadFailurePodEvicted HeadFailureReason = "PodEvicted"
	// HeadFailurePodSucceeded: Ray exited with status 0 and the pod completed.
	HeadFailurePodSucceeded HeadFailureReason = "PodSucceeded"
	// HeadFailureContainerTerminated: the Ray container exited and will not
	// be restarted in place.
	HeadFailureContainerTerminated HeadFailureReason = "ContainerTerminated"
	// HeadFailureContainerRestarting: the Ray container exited and the
	// kubelet is restarting it in place.
	HeadFailureContainerRestarting HeadFailureReason = "ContainerRestarting"
	// HeadFailureCrashLoopBackOff: the Ray container is in CrashLoopBackOff.
	HeadFailureCrashLoopBackOff HeadFailureReason = "CrashLoopBackOff"
	// HeadFailureNotReady: the head runs but is not Ready (e.g. GCS hung).
	HeadFailureNotReady HeadFailureReason = "HeadNotReady"
	// HeadFailurePodPhaseUnknown: the pod's phase is Unknown.
	HeadFailurePodPhaseUnknown HeadFailureReason = "PodPhaseUnknown"
	// HeadFailureNodeNotReady: the head's node reports NotReady.
	HeadFailureNodeNotReady HeadFailureReason = "NodeNotReady"
	// HeadFailureNodeUnreachable: the head's node stopped sending heartbeats.
	HeadFailureNodeUnreachable HeadFailureReason = "NodeUnreachable"
	// HeadFailureNodeOutOfService: the node is tainted out-of-service.
	HeadFailureNodeOutOfService HeadFailureReason = "NodeOutOfService"
	// HeadFailureNodeMissing: the head's Node object is gone.
	HeadFailureNodeMissing HeadFailureReason = "NodeMissing"
	// HeadFailureStuckTerminating: the head pod is Terminating past its grace.
	HeadFailureStuckTerminating HeadFailureReason = "StuckTerminating"
	// HeadReady: the head is Ready; no recovery is in progress (False).
	HeadReady HeadFailureReason = "HeadReady"
)

// Reasons of RedisReachable.
const (
	// ReasonRedisPingSucceeded: connected, authenticated, PING answered (True).
	ReasonRedisPingSucceeded = "RedisPingSucceeded"
	// ReasonRedisUnreachable: no connection or no answer in time (False).
	ReasonRedisUnreachable = "RedisUnreachable"
	// ReasonRedisAuthFailed: Redis refused the credentials (False).
	ReasonRedisAuthFailed = "RedisAuthFailed"
	// ReasonRedisTLSFailed: the TLS handshake or certificate check failed (False).
	ReasonRedisTLSFailed = "RedisTLSFailed"
	// ReasonRedisCredentialsUnavailable: a referenced Secret or key does not
	// exist (False); checked again when the Secret appears.
	ReasonRedisCredentialsUnavailable = "RedisCredentialsUnavailable"
	// ReasonRedisConfigInvalid: the Redis settings cannot be used as given
	// (e.g. a malformed address, contradictory TLS annotations) (False);
	// only a change of the RayCluster fixes it.
	ReasonRedisConfigInvalid = "RedisConfigInvalid"
)

// Reasons of SpecValid.
const (
	// ReasonSpecValid: every semantic check passed (True).
	ReasonSpecValid = "SpecValid"
	// ReasonInvalidSpec: at least one check failed (False); the message
	// lists them, each naming its field.
	ReasonInvalidSpec = "InvalidSpec"
)
