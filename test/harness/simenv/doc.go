/*
Copyright 2026 The ray-ha-operator Authors.
*/

// Package simenv runs the operator against a simulated cluster
// (test/simcluster) for the e2e, reliability, bench and demo tiers.
//
//   - StartOperator runs the operator in the test process, built by
//     internal/operator.New from the repository's watches.yaml exactly as
//     main.go builds it; DefaultOperatorOptions are main.go's flag defaults
//     with the endpoints off and a registry of the test's own. Programs
//     that are not tests (the bench) use RunOperator and InProcessOptions,
//     the same without a testing.TB. The binary is harness.Binaries.
//   - Start brings up an Env: a simulated cluster, the RayCluster CRD
//     (InstallCRD), the test's client and the operator with test timings.
//     Its methods create, read, edit and wait for RayClusters and scrape
//     the operator's metrics.
//   - The convergence checks (Converged, AllConverged, Gone, Leftovers,
//     NodeReady, Recovering, ...) say where the operator must bring a
//     cluster, as harness.Conditions or plain reads.
//
// It imports internal/operator, so it serves tests outside internal/ (the
// tests inside use package harness).
package simenv
