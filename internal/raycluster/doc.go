/*
Copyright 2026 The ray-ha-operator Authors.
*/

// Package raycluster holds the Go hooks that run around each Helm reconcile
// of a RayCluster: validation, head health, forced head replacement, Redis
// clean-up and status.
//
// The hooks follow observe, decide, act:
//
//   - observe: the Observer reads everything a reconcile needs once, from
//     the manager's cache, into an Observation (observation.go, scope.go)
//     that the reconciler hands to every hook and to the status projection;
//   - decide: ClassifyHead (health.go) turns the head pod and its node into a
//     HeadHealth, and Decide (policy.go) applies the operator's Policy,
//     backoff and cap to it. Both are pure functions of their inputs and of an
//     injected "now", so every edge case is one table-test row;
//   - act: only the act functions call the API server or Redis.
//
// The head runs as a StatefulSet of one replica, so Kubernetes already
// recreates a deleted or Failed head pod. The operator only steps in where
// Kubernetes does not: a head whose node is lost (its pod stays Terminating
// forever), a head stuck Terminating, and, when the user opts in, a head that
// crash-loops or stays not Ready for too long.
package raycluster
