/*
Copyright 2026 The ray-ha-operator Authors.
*/

package simenv

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/go-logr/logr"
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

// InProcessOptions are main.go's defaults (its flags unset, the
// repository's watches.yaml) for an operator run inside another process,
// logging to logger: no metrics or probe endpoints, metrics in a registry
// of its own, an empty environment, and a controller name that may be
// registered again (a restart in one process). DefaultOperatorOptions are
// these for a test; programs that are not tests (the bench) start here.
func InProcessOptions(logger logr.Logger) (operator.Options, error) {
	root, err := testbin.ModuleRoot()
	if err != nil {
		return operator.Options{}, fmt.Errorf("finding the module root: %w", err)
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
		Logger:                 logger,
		Manager: func(o *ctrl.Options) {
			o.Controller = config.Controller{SkipNameValidation: ptr.To(true)}
		},
	}, nil
}

// RunOperator is StartOperator for programs that are not tests (the
// bench): it builds the operator with operator.New, as main.go does, from
// opts (start from InProcessOptions), runs it against cfg until ctx ends or
// Stop, and returns once the operator's cache has synced, so what the
// caller does next is seen. An error the operator stops with goes to
// stopped (when set) on Stop.
func RunOperator(ctx context.Context, cfg *rest.Config, opts operator.Options, stopped func(error)) (*Operator, error) {
	op, err := launchOperator(ctx, cfg, opts, stopped)
	if err != nil {
		return nil, err
	}
	if !op.Manager.GetCache().WaitForCacheSync(ctx) {
		op.Stop()
		return nil, fmt.Errorf("the operator's cache did not sync: %w", context.Cause(ctx))
	}
	return op, nil
}

// launchOperator builds the operator and starts it in a goroutine until
// ctx ends or Stop; stopped hears of the error it stops with.
func launchOperator(ctx context.Context, cfg *rest.Config, opts operator.Options, stopped func(error)) (*Operator, error) {
	reg, ok := opts.Registerer.(*prometheus.Registry)
	if !ok || reg == nil {
		reg = prometheus.NewRegistry()
		opts.Registerer = reg
	}
	op, err := operator.New(cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("building the operator: %w", err)
	}
	runCtx, cancel := context.WithCancel(log.IntoContext(ctx, op.Manager.GetLogger()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := op.Start(runCtx); err != nil && stopped != nil {
			stopped(err)
		}
	}()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	return &Operator{Operator: op, Registry: reg, stop: stop}, nil
}
