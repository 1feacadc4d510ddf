package simcluster

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ResyncPods does, for a node that came back, what its kubelet does on
// return and kwok does not: it reports the pods it still runs Ready again.
// While a node is lost, the node lifecycle controller marks its pods
// Ready=False; kwok plays its pod-ready stage only for Pending pods, so a
// Running pod left on a returned node would stay not Ready for ever. Pods
// that are Terminating, finished or marked by DisregardStatusAnnotation
// are left alone (kwok finishes the deletions itself). It returns how
// many pods it reported Ready.
func (c *Cluster) ResyncPods(ctx context.Context, node string) (int, error) {
	var pods corev1.PodList
	if err := c.client.List(ctx, &pods, client.MatchingFields{"spec.nodeName": node}); err != nil {
		return 0, fmt.Errorf("listing the pods of node %s: %w", node, err)
	}
	n := 0
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning || p.Annotations[DisregardStatusAnnotation] == "true" {
			continue
		}
		if !markPodReady(p) {
			continue
		}
		if err := c.client.Status().Update(ctx, p); err != nil {
			return n, fmt.Errorf("reporting pod %s/%s Ready on node %s: %w", p.Namespace, p.Name, node, err)
		}
		n++
	}
	if n > 0 {
		c.opts.Log("simcluster: node %s: reported %d of its pods Ready again, as its kubelet would", node, n)
	}
	return n, nil
}

// markPodReady sets the pod's Ready and ContainersReady conditions True;
// false when they already are.
func markPodReady(p *corev1.Pod) bool {
	changed := false
	now := metav1.Now()
	for _, t := range []corev1.PodConditionType{corev1.PodReady, corev1.ContainersReady} {
		for i := range p.Status.Conditions {
			c := &p.Status.Conditions[i]
			if c.Type == t && c.Status != corev1.ConditionTrue {
				c.Status, c.LastTransitionTime, c.Reason, c.Message = corev1.ConditionTrue, now, "", ""
				changed = true
			}
		}
	}
	return changed
}
