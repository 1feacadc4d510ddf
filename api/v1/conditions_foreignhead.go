/*
Copyright 2026 The ray-ha-operator Authors.
*/

package v1

// ReasonForeignHeadPod is the reason of the Warning event (and the
// Irreconcilable condition's message) of a cluster whose chart is not
// applied because a head pod of the cluster exists that the chart's head
// StatefulSet did not make: KubeRay's head, left after a migration
// (docs/migrating.md, step 4). Starting a head of our own beside it would
// run two GCS on one Redis namespace.
const ReasonForeignHeadPod = "ForeignHeadPod"
