package simcluster_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// testLostNode kills one node's kwok process and checks what the operator
// will face: the node turns NotReady and is tainted NoExecute, its pods are
// evicted but stay Terminating, the other nodes stay Ready. Restarting the
// node then clears the stuck pods.
func testLostNode(t *testing.T, c *simcluster.Cluster) {
	ctx := context.Background()
	cl := c.Client()
	victim := "sim-node-2"
	ns := createNamespace(t, cl, "lost")
	pinned := map[string]string{corev1.LabelHostname: victim}
	if err := cl.Create(ctx, deployment(ns, "pinned", 2, pinned)); err != nil {
		t.Fatalf("creating deployment: %v", err)
	}
	harness.Eventually(t, 30*time.Second, "2 pods Running on "+victim, func(ctx context.Context) (bool, string, error) {
		pods, err := listPods(ctx, cl, ns, "pinned")
		return err == nil && len(pods) == 2 && podRunningReady(&pods[0]) && podRunningReady(&pods[1]), describePods(pods), err
	})
	pods, err := listPods(ctx, cl, ns, "pinned")
	if err != nil {
		t.Fatal(err)
	}

	killed := time.Now()
	if err := c.KillNode(victim); err != nil {
		t.Fatalf("KillNode: %v", err)
	}
	notReady := harness.Eventually(t, 20*time.Second, victim+" NotReady and tainted NoExecute", func(ctx context.Context) (bool, string, error) {
		if err := othersReady(ctx, c, victim); err != nil {
			return false, "", err
		}
		status, node, err := nodeCondition(ctx, cl, victim)
		if err != nil {
			return false, "", err
		}
		return status != corev1.ConditionTrue && hasNoExecuteTaint(node), fmt.Sprintf("Ready=%s taints=%v", status, node.Spec.Taints), nil
	})
	harness.Eventually(t, 20*time.Second, "pods on "+victim+" Terminating", func(ctx context.Context) (bool, string, error) {
		if err := othersReady(ctx, c, victim); err != nil {
			return false, "", err
		}
		return allTerminating(ctx, c, pods)
	})
	t.Logf("after kill: node NotReady+tainted in %s, pods Terminating in %s", notReady, time.Since(killed))

	// No kubelet confirms the deletion: the pods must stay, Terminating.
	time.Sleep(3 * time.Second)
	if ok, seen, err := allTerminating(ctx, c, pods); err != nil || !ok {
		t.Fatalf("pods of the lost node should stay Terminating: %s %v", seen, err)
	}
	if err := othersReady(ctx, c, victim); err != nil {
		t.Fatal(err)
	}

	if err := c.RestartNode(victim); err != nil {
		t.Fatalf("RestartNode: %v", err)
	}
	back := harness.Eventually(t, 30*time.Second, victim+" Ready again and stuck pods gone", func(ctx context.Context) (bool, string, error) {
		status, _, err := nodeCondition(ctx, cl, victim)
		if err != nil {
			return false, "", err
		}
		gone, seen, err := allGone(ctx, c, pods)
		return status == corev1.ConditionTrue && gone, fmt.Sprintf("Ready=%s pods: %s", status, seen), err
	})
	t.Logf("after restart: node Ready and Terminating pods removed in %s", back)
}

func hasNoExecuteTaint(n *corev1.Node) bool {
	for _, taint := range n.Spec.Taints {
		if taint.Effect == corev1.TaintEffectNoExecute &&
			(taint.Key == corev1.TaintNodeUnreachable || taint.Key == corev1.TaintNodeNotReady) {
			return true
		}
	}
	return false
}

// othersReady fails when any node but the victim is not Ready: the
// timings must never make healthy nodes flap.
func othersReady(ctx context.Context, c *simcluster.Cluster, victim string) error {
	for _, name := range c.NodeNames() {
		if name == victim {
			continue
		}
		status, _, err := nodeCondition(ctx, c.Client(), name)
		if err != nil {
			return err
		}
		if status != corev1.ConditionTrue {
			return fmt.Errorf("healthy node %s turned Ready=%s", name, status)
		}
	}
	return nil
}

// allTerminating reports whether every given pod still exists, bound to its
// node, with a deletionTimestamp.
func allTerminating(ctx context.Context, c *simcluster.Cluster, pods []corev1.Pod) (bool, string, error) {
	var seen string
	ok := true
	for _, p := range pods {
		var cur corev1.Pod
		if err := c.Client().Get(ctx, client.ObjectKeyFromObject(&p), &cur); err != nil {
			return false, "", fmt.Errorf("pod %s vanished instead of staying Terminating: %w", p.Name, err)
		}
		seen += describePods([]corev1.Pod{cur})
		if cur.UID != p.UID || cur.DeletionTimestamp == nil || cur.Spec.NodeName != p.Spec.NodeName {
			ok = false
		}
	}
	return ok, seen, nil
}

func allGone(ctx context.Context, c *simcluster.Cluster, pods []corev1.Pod) (bool, string, error) {
	var seen string
	for _, p := range pods {
		var cur corev1.Pod
		err := c.Client().Get(ctx, client.ObjectKeyFromObject(&p), &cur)
		if err == nil && cur.UID == p.UID {
			seen += describePods([]corev1.Pod{cur})
		} else if client.IgnoreNotFound(err) != nil {
			return false, "", err
		}
	}
	return seen == "", seen, nil
}
