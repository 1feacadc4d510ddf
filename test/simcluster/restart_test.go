package simcluster_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// testAPIServerRestart: objects survive a kube-apiserver restart (etcd is
// kept), the same admin client works again, and the controllers reconnect:
// a Deployment created after the restart gets Ready pods.
func testAPIServerRestart(t *testing.T, c *simcluster.Cluster) {
	cl := c.Client()
	ns := createNamespace(t, cl, "apiserver-restart")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.RestartAPIServer(ctx, time.Second); err != nil {
		t.Fatal(err)
	}
	var got corev1.Namespace
	if err := cl.Get(ctx, client.ObjectKey{Name: ns}, &got); err != nil {
		t.Fatalf("namespace %s after the restart: %v", ns, err)
	}
	if err := cl.Create(ctx, deployment(ns, "after", 1, nil)); err != nil {
		t.Fatalf("creating a deployment after the restart: %v", err)
	}
	took := harness.Eventually(t, 60*time.Second, "a Ready pod after the restart", func(ctx context.Context) (bool, string, error) {
		pods, err := listPods(ctx, cl, ns, "after")
		if err != nil {
			return false, "", err
		}
		return len(pods) == 1 && podRunningReady(&pods[0]), describePods(pods), nil
	})
	t.Logf("controllers and kwok served a new deployment %s after the restart", took)
}
