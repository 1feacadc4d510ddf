/*
Copyright 2026 The ray-ha-operator Authors.
*/

// Package operator builds the RayCluster controller: the Helm release
// reconciler for the ray-cluster chart, the RayCluster hooks, and the extra
// watch on Ray pods. New builds the whole operator (manager and one
// reconciler per watches.yaml entry) from Options: main.go fills them from
// its flags, the tests that run the operator in their process
// (test/harness/simenv) from main.go's defaults, so the tests run what ships.
package operator
