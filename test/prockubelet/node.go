package prockubelet

import (
	"context"
	"fmt"
	"maps"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// leaseNamespace holds the node Leases the node lifecycle controller reads.
const leaseNamespace = corev1.NamespaceNodeLease

// registerNode creates the Node (or takes over one of that name) and writes
// a Ready status.
func (k *Kubelet) registerNode(ctx context.Context) error {
	labels := map[string]string{
		corev1.LabelHostname:   k.cfg.NodeName,
		corev1.LabelOSStable:   "linux",
		corev1.LabelArchStable: "amd64",
	}
	maps.Copy(labels, k.cfg.Labels)
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName, Labels: labels}}
	nodes := k.cs.CoreV1().Nodes()
	_, err := nodes.Create(ctx, node, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		var old *corev1.Node
		old, err = nodes.Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
		if err == nil {
			maps.Copy(old.Labels, labels)
			_, err = nodes.Update(ctx, old, metav1.UpdateOptions{})
		}
	}
	if err != nil {
		return fmt.Errorf("prockubelet: registering node %s: %w", k.cfg.NodeName, err)
	}
	// Controllers write the new Node too (pod CIDR, taints): retry.
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error { return k.postReady(ctx) }); err != nil {
		return fmt.Errorf("prockubelet: node %s status: %w", k.cfg.NodeName, err)
	}
	return k.renewLease(ctx)
}

// setNodeStatus fills what a kubelet reports: capacity, address, and a
// Ready condition with a fresh heartbeat.
func (k *Kubelet) setNodeStatus(n *corev1.Node, now time.Time) {
	n.Status.Capacity = k.cfg.Capacity.DeepCopy()
	n.Status.Allocatable = k.cfg.Capacity.DeepCopy()
	n.Status.Addresses = []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: NodeIP(k.cfg.NodeName)},
		{Type: corev1.NodeHostName, Address: k.cfg.NodeName},
	}
	n.Status.NodeInfo.KubeletVersion = "prockubelet"
	n.Status.NodeInfo.OperatingSystem, n.Status.NodeInfo.Architecture = "linux", "amd64"
	ready := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
		Reason: "KubeletReady", Message: "process kubelet is posting ready status",
		LastHeartbeatTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)}
	for i, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			if c.Status == corev1.ConditionTrue {
				ready.LastTransitionTime = c.LastTransitionTime
			}
			n.Status.Conditions[i] = ready
			return
		}
	}
	n.Status.Conditions = append(n.Status.Conditions, ready)
}

// heartbeat renews the Lease every LeaseRenewInterval and the Ready
// condition every StatusInterval, until the node is killed.
func (k *Kubelet) heartbeat() {
	lease := time.NewTicker(k.cfg.LeaseRenewInterval)
	defer lease.Stop()
	status := time.NewTicker(k.cfg.StatusInterval)
	defer status.Stop()
	for {
		var err error
		select {
		case <-k.ctx.Done():
			return
		case <-lease.C:
			err = k.write(k.renewLease)
		case <-status.C:
			err = k.write(k.postReady)
		}
		if err != nil && k.ctx.Err() == nil {
			k.cfg.Log("prockubelet: node %s heartbeat: %v", k.cfg.NodeName, err)
		}
	}
}

func (k *Kubelet) postReady(ctx context.Context) error {
	n, err := k.cs.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	k.setNodeStatus(n, time.Now())
	_, err = k.cs.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
	return err
}

// renewLease creates or renews the node's Lease, owned by the Node as the
// kubelet's is.
func (k *Kubelet) renewLease(ctx context.Context) error {
	leases := k.cs.CoordinationV1().Leases(leaseNamespace)
	now := metav1.NewMicroTime(time.Now())
	l, err := leases.Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		l, err = k.newLease(ctx, now)
		if err == nil {
			_, err = leases.Create(ctx, l, metav1.CreateOptions{})
		}
		return err
	}
	if err != nil {
		return err
	}
	l.Spec.HolderIdentity = ptr.To(k.cfg.NodeName)
	l.Spec.RenewTime = &now
	_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
	return err
}

func (k *Kubelet) newLease(ctx context.Context, now metav1.MicroTime) (*coordinationv1.Lease, error) {
	n, err := k.cs.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName, Namespace: leaseNamespace,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: n.UID}}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(k.cfg.NodeName),
			LeaseDurationSeconds: ptr.To[int32](40), RenewTime: &now},
	}, nil
}
