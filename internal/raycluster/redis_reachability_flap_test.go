/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
)

// TestRedisReachabilityVaryingErrorText: one outage gives a different error
// text from probe to probe (a dead backend behind a proxy closes some
// connections with EOF, resets others). The verdict is unchanged, so the
// status is not rewritten at each interval; only the refresh writes it.
func TestRedisReachabilityVaryingErrorText(t *testing.T) {
	texts := []string{"AUTH and PING: EOF", "AUTH and PING: read: connection reset by peer"}
	probes := 0
	probe := func(context.Context, rayredis.Options) rayredis.ProbeResult {
		probes++
		return rayredis.ProbeResult{Reason: rayredis.ReasonUnreachable, Message: texts[probes%2]}
	}
	clk := clocktesting.NewFakeClock(t0())
	h := NewRedisReachability(nil, events.NewFakeRecorder(10), clk, probe,
		ReachabilityOptions{Interval: 30 * time.Second, Timeout: time.Second, StatusRefresh: 10 * time.Minute})
	rc := ftCluster()
	rc.Spec.GcsFaultToleranceOptions.RedisPassword = nil
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rc)
	if err != nil {
		t.Fatal(err)
	}
	req := &helm.Request{Object: &unstructured.Unstructured{Object: m}}

	first := flapRun(t, h, req)
	for i := 1; i <= 5; i++ {
		clk.Step(31 * time.Second)
		got := flapRun(t, h, req)
		if got.Message != first.Message || !got.LastCheckTime.Equal(first.LastCheckTime) {
			t.Fatalf("check %d rewrote an unchanged verdict: %+v, first %+v", i, got, first)
		}
	}
	if probes != 6 {
		t.Errorf("%d probes over six intervals, want 6", probes)
	}
	clk.Step(10 * time.Minute)
	if got := flapRun(t, h, req); !got.LastCheckTime.Time.Equal(clk.Now()) {
		t.Errorf("status.redis %+v not refreshed after StatusRefresh", got)
	}
}

// flapRun runs the hook and returns status.redis, which must agree with an
// Unreachable condition.
func flapRun(t *testing.T, h *RedisReachability, req *helm.Request) rayv1.RedisStatus {
	t.Helper()
	if _, err := h.PreReconcile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	rc, err := FromObject(req.Object)
	if err != nil {
		t.Fatal(err)
	}
	c := meta.FindStatusCondition(rc.Status.Conditions, string(rayv1.RedisReachable))
	if c == nil || c.Reason != rayv1.ReasonRedisUnreachable || rc.Status.Redis == nil || rc.Status.Redis.Message != c.Message {
		t.Fatalf("condition %+v, status.redis %+v", c, rc.Status.Redis)
	}
	return *rc.Status.Redis
}
