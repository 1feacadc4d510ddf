/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// SteadyResult is the cost of reconciling one unchanged RayCluster.
type SteadyResult struct {
	// Path is "fast-path" (inputs unchanged: no Helm) or "full-check"
	// (a Helm dry-run every reconcile, FullCheckInterval tiny).
	Path       string `json:"path"`
	Reconciles int    `json:"reconciles"`
	// Per reconcile:
	Requests       float64        `json:"requestsPerReconcile"`
	Writes         float64        `json:"writesPerReconcile"`
	CPUMillis      float64        `json:"cpuMillisPerReconcile"`
	Allocs         float64        `json:"allocsPerReconcile"`
	AllocKiB       float64        `json:"allocKiBPerReconcile"`
	ByRequest      []RequestCount `json:"requests"`
	ClusterWritten bool           `json:"rayClusterWritten"`
}

// steadyPaths are the two ways an unchanged cluster is reconciled.
var steadyPaths = []struct {
	name              string
	fullCheckInterval time.Duration
}{
	{"fast-path", 0},
	// One nanosecond: every reconcile finds its last dry-run too old.
	{"full-check", time.Nanosecond},
}

// runSteady measures both paths, each with its own operator, on one
// RayCluster that is Ready and settled.
func runSteady(ctx context.Context, e *env, cfg Config, logDir string) ([]SteadyResult, error) {
	const ns, name = "bench-steady", "rc"
	if err := e.namespace(ctx, ns); err != nil {
		return nil, err
	}
	var out []SteadyResult
	for i, p := range steadyPaths {
		op, err := e.startLoggedOperator(ctx, operatorOptions{FullCheckInterval: p.fullCheckInterval}, logDir, "steady-"+p.name)
		if err != nil {
			return out, err
		}
		if i == 0 {
			rc := harness.NewRayCluster(ns, name, harness.ClusterOptions{RedisAddress: e.redis.Addr(), Workers: 2})
			if err := e.client.Create(ctx, rc); err != nil {
				op.stop()
				return out, fmt.Errorf("creating RayCluster %s/%s: %w", ns, name, err)
			}
		}
		res, err := measureSteady(ctx, e, op, ns, name, cfg.Reconciles)
		op.stop()
		if err != nil {
			return out, fmt.Errorf("steady-state %s: %w", p.name, err)
		}
		res.Path = p.name
		e.logf("steady %s: %.1f requests (%.1f writes), %.2f ms CPU, %.0f allocs per reconcile",
			p.name, res.Requests, res.Writes, res.CPUMillis, res.Allocs)
		out = append(out, res)
	}
	return out, nil
}

// measureSteady waits until the cluster is Ready and its object stops
// changing, then calls the operator's Reconcile n times in a row and
// divides what the process spent by n. The manager stays idle meanwhile
// (nothing changes), so the process's CPU and allocations are the
// reconciles'.
func measureSteady(ctx context.Context, e *env, op *runningOperator, ns, name string, n int) (SteadyResult, error) {
	if _, err := e.waitClusterReady(ctx, ns, name, readyTimeout); err != nil {
		return SteadyResult{}, err
	}
	rv, err := e.waitSettled(ctx, ns, name)
	if err != nil {
		return SteadyResult{}, err
	}
	req := ctrl.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: name}}
	reqBefore, before := op.requests.snapshot(), readUsage()
	for i := 0; i < n; i++ {
		if _, err := op.setup.Reconciler.Reconcile(ctx, req); err != nil {
			return SteadyResult{}, fmt.Errorf("reconciling %s: %w", req, err)
		}
	}
	after, rows := readUsage(), requestsSince(reqBefore, op.requests.snapshot())
	all, writes := totals(rows)
	now, err := e.resourceVersion(ctx, ns, name)
	if err != nil {
		return SteadyResult{}, err
	}
	f := float64(n)
	return SteadyResult{
		Reconciles: n, Requests: round3(float64(all) / f), Writes: round3(float64(writes) / f),
		CPUMillis: round3(float64((after.cpu - before.cpu).Microseconds()) / 1000 / f),
		Allocs:    round3(float64(after.mallocs-before.mallocs) / f),
		AllocKiB:  round3(float64(after.allocBytes-before.allocBytes) / 1024 / f),
		ByRequest: orEmpty(rows), ClusterWritten: now != rv,
	}, nil
}

// orEmpty keeps an empty table an empty JSON list (the rows are totals over
// all n reconciles).
func orEmpty(rows []RequestCount) []RequestCount {
	if rows == nil {
		return []RequestCount{}
	}
	return rows
}

// waitSettled waits until the RayCluster's resourceVersion holds for two
// seconds (status writes after Ready have landed) and returns it.
func (e *env) waitSettled(ctx context.Context, ns, name string) (string, error) {
	rv, err := e.resourceVersion(ctx, ns, name)
	if err != nil {
		return "", err
	}
	stable := time.Now()
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		now, err := e.resourceVersion(ctx, ns, name)
		if err != nil {
			return "", err
		}
		if now != rv {
			rv, stable = now, time.Now()
		}
		if time.Since(stable) >= 2*time.Second {
			return rv, nil
		}
	}
	return "", fmt.Errorf("RayCluster %s/%s kept changing for a minute", ns, name)
}

func (e *env) resourceVersion(ctx context.Context, ns, name string) (string, error) {
	rc := &rayv1.RayCluster{}
	if err := e.client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, rc); err != nil {
		return "", fmt.Errorf("reading RayCluster %s/%s: %w", ns, name, err)
	}
	return rc.ResourceVersion, nil
}

// startLoggedOperator starts an operator that logs to logDir/<name>.log.
func (e *env) startLoggedOperator(ctx context.Context, o operatorOptions, logDir, name string) (*runningOperator, error) {
	path := filepath.Join(logDir, name+".log")
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating the operator log %s: %w", path, err)
	}
	o.Log, o.QPS, o.Burst = f, e.qps, e.burst
	op, err := e.startOperator(ctx, o)
	if err != nil {
		f.Close()
		return nil, err
	}
	stop := op.stop
	op.stop = func() { stop(); f.Close() }
	return op, nil
}
