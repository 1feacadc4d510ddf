/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"testing"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
)

// Env is the simulated cluster with the operator (simenv.Env), with the
// e2e scenarios' own methods.
type Env struct{ *simenv.Env }

// Start brings up a simenv.Env (see there).
func Start(t *testing.T, opts Options) *Env { return &Env{simenv.Start(t, opts)} }

// The names test/bench and test/ray still import from here; the code is
// test/harness and test/harness/simenv (they move to those directly).
type (
	// Options is simenv.Options.
	Options = simenv.Options
	// ClusterOptions is harness.ClusterOptions.
	ClusterOptions = harness.ClusterOptions
)

var (
	// Scheme is harness.Scheme.
	Scheme = harness.Scheme
	// NewRayCluster is harness.NewRayCluster.
	NewRayCluster = harness.NewRayCluster
	// SetRunningReady, SetContainerExited and SetFailed are harness's.
	SetRunningReady    = harness.SetRunningReady
	SetContainerExited = harness.SetContainerExited
	SetFailed          = harness.SetFailed
)
