//go:build tools

// Package olm pins OLM v0's olm operator, built from the module proxy in a
// module of its own: its Kubernetes libraries differ from the operator's.
package olm

import _ "github.com/operator-framework/operator-lifecycle-manager/cmd/olm"
