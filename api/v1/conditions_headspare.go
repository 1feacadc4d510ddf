/*
Copyright 2026 The ray-ha-operator Authors.
*/

package v1

// HeadSpare reports the head's warm spare of a cluster that opted in with
// the annotation ray-ha.io/head-spare: enabled: True while a spare pod runs
// on another node than the head, holding the head's resource requests there
// (capacity that stays unused while the head is healthy); False with the
// reason while there is none. Absent when the cluster did not opt in.
// Writer: the head spare hook.
const HeadSpare RayClusterConditionType = "HeadSpare"

// Reasons of HeadSpare.
const (
	// ReasonHeadSpareReady: the spare runs, its images are on its node.
	ReasonHeadSpareReady = "SpareReady"
	// ReasonHeadSparePending: the spare pod exists but is not running yet
	// (no node with room, or its images are being pulled).
	ReasonHeadSparePending = "SparePending"
	// ReasonHeadSpareMissing: no spare pod exists (just after a preemption,
	// before its ReplicaSet made a new one, or while the cluster is
	// suspended).
	ReasonHeadSpareMissing = "SpareMissing"
	// ReasonHeadSparePriorityClassMissing: the spare's PriorityClass could
	// not be read or created, so no spare pod can be admitted.
	ReasonHeadSparePriorityClassMissing = "SparePriorityClassMissing"
)

// ReasonHeadSpareOnHeadNode: the spare shares the head's node (the head
// was placed there by hand or its anti-affinity was bypassed), so it holds
// nothing a moved head could use.
const ReasonHeadSpareOnHeadNode = "SpareOnHeadNode"
