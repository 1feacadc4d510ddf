package simcluster_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// testControlPlaneRestarted: kube-scheduler and kube-controller-manager
// that crash are started again, as a kubelet restarts static pods, and a
// Deployment created afterwards gets Ready pods (it needs both).
func testControlPlaneRestarted(t *testing.T, c *simcluster.Cluster) {
	components := []string{"kube-scheduler", "kube-controller-manager"}
	crashed := map[string]int{}
	for _, name := range components {
		crashed[name] = simcluster.CrashComponent(c, name)
	}
	took := harness.Eventually(t, 30*time.Second, "both running again", func(context.Context) (bool, string, error) {
		for _, name := range components {
			pid := simcluster.ComponentPID(c, name)
			if pid == 0 || pid == crashed[name] {
				return false, fmt.Sprintf("%s not running again", name), nil
			}
		}
		return true, "", nil
	})
	t.Logf("kube-scheduler and kube-controller-manager running again %s after the crash", took)
	cl := c.Client()
	ns := createNamespace(t, cl, "crash")
	if err := cl.Create(context.Background(), deployment(ns, "after-crash", 1, nil)); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, time.Minute, "a Running, Ready pod after the crash", func(ctx context.Context) (bool, string, error) {
		pods, err := listPods(ctx, cl, ns, "after-crash")
		if err != nil {
			return false, "", err
		}
		return len(pods) == 1 && podRunningReady(&pods[0]), describePods(pods), nil
	})
}
