/*
Copyright 2026 The ray-ha-operator Authors.
*/

// Package migrate tests the move of a running RayCluster from KubeRay's
// real operator (v1.5.0, built by `make kuberay`) to this operator on the
// simulated cluster with a real redis-server, step by step as
// docs/migrating.md gives it. KubeRay runs as a process with its own CRDs,
// read from the module cache; the tests fail instead of skipping under
// CI=true when its binary is missing.
package migrate
