/*
Copyright 2026 The ray-ha-operator Authors.
*/

package simenv

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
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

// DefaultOperatorOptions are main.go's defaults (its flags unset, the
// repository's watches.yaml) for an operator in the test process: no
// metrics or probe endpoints, metrics in a registry of its own, an empty
// environment, and a controller name that may be registered again (a
// restart in one process).
func DefaultOperatorOptions(t testing.TB) operator.Options {
	t.Helper()
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return operator.Options{
		Version:                "test",
		WatchesFile:            filepath.Join(root, "watches.yaml"),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		LeaderElection:         operator.DefaultLeaderElection(),
		HeadPolicy:             raycluster.DefaultPolicy(),
		Reachability:           raycluster.ReachabilityOptions{Interval: raycluster.DefaultRedisProbeInterval, Timeout: rayredis.DefaultProbeTimeout},
		Cleanup:                raycluster.CleanupOptions{Enabled: true, DefaultTimeout: raycluster.DefaultDeletionTimeout},
		Registerer:             prometheus.NewRegistry(),
		Logger:                 testr.NewWithInterface(t, testr.Options{Verbosity: 0}),
		Manager: func(o *ctrl.Options) {
			o.Controller = config.Controller{SkipNameValidation: ptr.To(true)}
		},
	}
}

// StartOperator builds the operator with operator.New, as main.go does,
// from opts (start from DefaultOperatorOptions), and runs it against cfg
// until the test ends or Stop.
func StartOperator(t testing.TB, cfg *rest.Config, opts operator.Options) *Operator {
	t.Helper()
	reg, ok := opts.Registerer.(*prometheus.Registry)
	if !ok || reg == nil {
		reg = prometheus.NewRegistry()
		opts.Registerer = reg
	}
	op, err := operator.New(cfg, opts)
	if err != nil {
		t.Fatalf("building the operator: %v", err)
	}
	ctx, cancel := context.WithCancel(log.IntoContext(context.Background(), op.Manager.GetLogger()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := op.Start(ctx); err != nil {
			t.Errorf("operator: %v", err)
		}
	}()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return &Operator{Operator: op, Registry: reg, stop: stop}
}
