/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/e2e"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// startKubelet plays the kubelet for the pods of ns that kwok leaves to the
// bench (the heads of the modes that write pod status): a bound, pending
// pod becomes Running and Ready, as quickly as kwok's fast stage makes the
// others. It runs until ctx ends.
func startKubelet(ctx context.Context, c client.Client, ns string) {
	go func() {
		for ctx.Err() == nil {
			startPending(ctx, c, ns)
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
}

func startPending(ctx context.Context, c client.Client, ns string) {
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
		// A conflict means someone else wrote it first; the next pass retries.
		_ = e2e.SetRunningReady(ctx, c, p)
	}
}
