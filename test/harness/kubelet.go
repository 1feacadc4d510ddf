/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// RunKubelet plays the kubelet, until ctx ends, for the pods of ns that kwok
// leaves to the test (simcluster.DisregardStatusAnnotation): every bound,
// pending pod is made Running and Ready, as a healthy kubelet would. It
// never touches a pod that runs or is being deleted, so failures a scenario
// writes with the Set* functions stay. logf, when set, hears of writes that
// failed (a conflict: the next pass retries). It returns when ctx ends.
func RunKubelet(ctx context.Context, c client.Client, ns string, logf func(format string, args ...any)) {
	for ctx.Err() == nil {
		startPending(ctx, c, ns, logf)
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// StartKubelet runs RunKubelet until the test ends, logging to the test.
func StartKubelet(t testing.TB, c client.Client, ns string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		RunKubelet(ctx, c, ns, t.Logf)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func startPending(ctx context.Context, c client.Client, ns string, logf func(string, ...any)) {
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(ns)); err != nil {
		return
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Annotations[simcluster.DisregardStatusAnnotation] != "true" || p.Spec.NodeName == "" ||
			p.DeletionTimestamp != nil || (p.Status.Phase != "" && p.Status.Phase != corev1.PodPending) {
			continue
		}
		if err := SetRunningReady(ctx, c, p); err != nil && ctx.Err() == nil && logf != nil {
			logf("kubelet: starting %s: %v", p.Name, err)
		}
	}
}
