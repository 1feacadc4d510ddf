/*
Copyright 2026 The ray-ha-operator Authors.
*/

// Package operator builds the RayCluster controller: the Helm release
// reconciler for the ray-cluster chart, the RayCluster hooks, and the extra
// watch on Ray pods. main.go and the end-to-end tests build it the same way
// through SetupRayCluster, so the tests run what ships.
package operator
