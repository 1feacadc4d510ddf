/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Event reasons of the RayCluster hooks. Events are user interface: one per
// transition (a failure seen, a head deleted, a recovery done, a replacement
// held back), never one per reconcile.
const (
	EventHeadFailureDetected        = "HeadFailureDetected"
	EventHeadReplaced               = "HeadReplaced"
	EventHeadForceDeleted           = "HeadForceDeleted"
	EventHeadReplaceFailed          = "HeadReplaceFailed"
	EventHeadRecovered              = "HeadRecovered"
	EventHeadReplacementBackoff     = "HeadReplacementBackoff"
	EventHeadReplacementCapReached  = "HeadReplacementCapReached"
	EventHeadReplacementHeld        = "HeadReplacementHeld"
	EventHeadPolicyAnnotationsWrong = "InvalidHeadPolicyAnnotations"
	// EventWorkerDeploymentOrphaned: a worker Deployment of an earlier chart
	// was deleted with its pods left running, for the group's ReplicaSet.
	EventWorkerDeploymentOrphaned = "WorkerDeploymentOrphaned"
	// EventPodsRecreated: under upgradeStrategy Recreate, Ray pods whose
	// template changed were deleted, to be created again from it.
	EventPodsRecreated = "PodsRecreated"
	// EventWorkersDeleted: worker pods named in scaleStrategy.workersToDelete
	// were deleted; EventWorkerToDeleteNotFound: a name no pod of the group
	// has (ignored, as in KubeRay).
	EventWorkersDeleted         = "WorkersDeleted"
	EventWorkerToDeleteNotFound = "WorkerToDeleteNotFound"
)

// Event actions (the events.k8s.io "action" field).
const (
	actionObserveHead    = "ObserveHead"
	actionReplaceHead    = "ReplaceHead"
	actionMigrateWorkers = "MigrateWorkers"
	actionRecreatePods   = "RecreatePods"
	actionScaleDown      = "ScaleDownWorkers"
)

// EventRecorder is the part of client-go's events.EventRecorder the hooks
// use; the manager's GetEventRecorder returns one.
type EventRecorder interface {
	Eventf(regarding runtime.Object, related runtime.Object, eventtype, reason, action, note string, args ...any)
}

// eventType maps a warning flag to the event type.
func eventType(warning bool) string {
	if warning {
		return corev1.EventTypeWarning
	}
	return corev1.EventTypeNormal
}
