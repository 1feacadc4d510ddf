/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"testing"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
)

// Env is the simulated cluster with the operator (simenv.Env), with the
// e2e scenarios' own methods.
type Env struct{ *simenv.Env }

// Options is simenv.Options.
type Options = simenv.Options

// Start brings up a simenv.Env (see there).
func Start(t *testing.T, opts Options) *Env { return &Env{simenv.Start(t, opts)} }
