/*
Copyright 2026 The ray-ha-operator Authors.
*/

// Package bench measures the operator on the simulated cluster: how fast a
// Ray head comes back per failure mode, what a steady-state reconcile of an
// unchanged RayCluster costs, and how time, memory, CPU and API requests
// grow with the number of RayClusters. `make bench` runs it through
// cmd/bench, which prints tables and writes docs/benchmarks.md (the
// operator sections) and docs/benchmarks.json.
//
// The operator runs in the bench's own process, built by operator.New
// from main.go's defaults and the repository's watches.yaml
// (simenv.RunOperator), with a transport that counts its API requests by
// verb and resource. Its memory and CPU are
// therefore the process's, which also holds the bench's driver (a client
// and a few watches); the report says so.
//
// Benchmarks measure, they never fail on slow numbers: Run returns an error
// only when a scenario cannot complete (a head never comes back, say).
package bench
