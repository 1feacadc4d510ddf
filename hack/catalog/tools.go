//go:build tools

// The catalog image's binaries, built from the module proxy at the versions
// this module pins: opm serves the catalog, grpc_health_probe is what OLM's
// registry pod probes run.
package main

import (
	_ "github.com/grpc-ecosystem/grpc-health-probe"
	_ "github.com/operator-framework/operator-registry/cmd/opm"
)
