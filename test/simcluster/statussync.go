package simcluster

import (
	"context"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	// statusSyncPeriod is how often a node's status is checked; a kubelet
	// syncs its node status every 10 s.
	statusSyncPeriod = 5 * time.Second
	// StatusSyncAnnotation is the annotation touched to make kwok look at a
	// node again.
	StatusSyncAnnotation = "simcluster.ray-ha-operator.io/status-sync"
)

// syncStatus stands in for the kubelet's periodic node status sync, which
// kwok lacks. kwok reports its node Ready when it takes over the node's
// lease and whenever it sees the node change; it gives up on a report for
// good on an API error it does not retry (it retries only refused
// connections, timeouts, 503 and 429), and then nothing makes it look at
// the node again until the node changes. A kubelet posts its status again
// every 10 s. So, for as long as one kwok process runs: when it keeps the
// node's lease renewed (it manages the node) and the node is not Ready,
// the node gets an annotation touched, and kwok, seeing the change, plays
// its stages again. A node whose lease has stopped is left alone: that is
// a lost node. Every touch is logged, so a test log shows when the
// simulation needed one.
func (c *Cluster) syncStatus(name string, kwok *process, started time.Time) {
	ticker := time.NewTicker(statusSyncPeriod)
	defer ticker.Stop()
	for {
		select {
		case <-c.stopping:
			return
		case <-kwok.done:
			return
		case <-ticker.C:
		}
		ready, managed, err := c.nodeStatusState(name, started)
		if err != nil || !managed || ready {
			continue
		}
		if err := c.touchNode(name); err != nil {
			c.logUnlessStopping("simcluster: node %s: touching it for kwok: %v", name, err)
			continue
		}
		c.logUnlessStopping("simcluster: node %s not Ready although its kwok renews the lease; "+
			"touched it so kwok plays its stages again (a kubelet re-posts its status every 10 s)", name)
	}
}

// nodeStatusState tells whether the node is Ready and whether its lease
// was renewed since the given kwok process started and is still fresh,
// that is whether that process manages the node.
func (c *Cluster) nodeStatusState(name string, started time.Time) (ready, managed bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), statusSyncPeriod)
	defer cancel()
	var node corev1.Node
	if err := c.client.Get(ctx, client.ObjectKey{Name: name}, &node); err != nil {
		return false, false, err
	}
	var lease coordinationv1.Lease
	if err := c.client.Get(ctx, client.ObjectKey{Namespace: corev1.NamespaceNodeLease, Name: name}, &lease); err != nil {
		return false, false, err
	}
	return NodeReady(&node), leaseRenewedSince(&lease, started, c.opts.NodeLeaseDuration), nil
}

// leaseRenewedSince: renewed after the given time and within one duration.
func leaseRenewedSince(lease *coordinationv1.Lease, since time.Time, duration time.Duration) bool {
	if lease.Spec.RenewTime == nil {
		return false
	}
	renewed := lease.Spec.RenewTime.Time
	return renewed.After(since) && time.Since(renewed) < duration
}

// touchNode sets the status-sync annotation to the current time.
func (c *Cluster) touchNode(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), statusSyncPeriod)
	defer cancel()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, StatusSyncAnnotation, time.Now().UTC().Format(time.RFC3339Nano))
	node := &corev1.Node{}
	node.Name = name
	return c.client.Patch(ctx, node, client.RawPatch(types.MergePatchType, []byte(patch)))
}
