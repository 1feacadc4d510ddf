/*
Copyright 2026 The ray-ha-operator Authors.
*/

// Package e2e runs the operator in-process, built by
// internal/operator.SetupRayCluster exactly as main.go builds it, against a
// simulated cluster (test/simcluster: real API server, controllers,
// scheduler, kwok nodes) and a real redis-server. The tests fail Ray heads
// in every way the operator handles and check what users see: pods, status,
// events and metrics. Everything here is skipped with -short.
package e2e
