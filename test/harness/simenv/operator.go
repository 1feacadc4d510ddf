/*
Copyright 2026 The ray-ha-operator Authors.
*/

package simenv

import (
	"context"
	"testing"

	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"

	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
)

// Operator is the operator running in the test process.
type Operator struct {
	*operator.Operator
	// Registry holds its metrics.
	Registry *prometheus.Registry
	stop     func()
}

// Stop stops the operator and waits until it has stopped.
func (o *Operator) Stop() { o.stop() }

// DefaultOperatorOptions are InProcessOptions for a test, logging to it.
func DefaultOperatorOptions(t testing.TB) operator.Options {
	t.Helper()
	opts, err := InProcessOptions(testr.NewWithInterface(t, testr.Options{Verbosity: 0}))
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

// StartOperator builds the operator with operator.New, as main.go does,
// from opts (start from DefaultOperatorOptions), and runs it against cfg
// until the test ends or Stop.
func StartOperator(t testing.TB, cfg *rest.Config, opts operator.Options) *Operator {
	t.Helper()
	op, err := launchOperator(context.Background(), cfg, opts, func(err error) { t.Errorf("operator: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(op.Stop)
	return op
}
