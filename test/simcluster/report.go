package simcluster

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// nodeReportErrorLines bounds how many of kwok's error lines a report keeps.
const nodeReportErrorLines = 5

// NodeReport says in a few lines why a node may not be Ready: whether its
// kwok process runs, who holds its lease and when it was last renewed, its
// Ready condition and taints, and kwok's last error lines. Tests put it in
// the message of a failed wait, so a failure on a loaded CI machine explains
// itself without the full component logs.
func (c *Cluster) NodeReport(ctx context.Context, name string) string {
	var b strings.Builder
	n, err := c.node(name)
	if err != nil {
		return err.Error()
	}
	c.mu.Lock()
	p := n.kwok
	c.mu.Unlock()
	fmt.Fprintf(&b, "node %s: %s", name, kwokState(p))
	fmt.Fprintf(&b, "; %s", c.leaseState(ctx, name))
	fmt.Fprintf(&b, "; %s", c.nodeState(ctx, name))
	if lines := errorLines(tailFile(filepath.Join(c.dir, "logs", "kwok-"+name+".log"), 200), nodeReportErrorLines); lines != "" {
		fmt.Fprintf(&b, "\nkwok's last errors for %s:\n%s", name, lines)
	}
	return b.String()
}

func kwokState(p *process) string {
	switch {
	case p == nil:
		return "kwok never started"
	case p.exited():
		return fmt.Sprintf("kwok (pid %d) exited: %v", p.pid(), p.err)
	default:
		return fmt.Sprintf("kwok running (pid %d)", p.pid())
	}
}

func (c *Cluster) leaseState(ctx context.Context, name string) string {
	var lease coordinationv1.Lease
	if err := c.client.Get(ctx, client.ObjectKey{Namespace: corev1.NamespaceNodeLease, Name: name}, &lease); err != nil {
		return fmt.Sprintf("lease: %v", err)
	}
	holder, renewed := "none", "never"
	if lease.Spec.HolderIdentity != nil {
		holder = *lease.Spec.HolderIdentity
	}
	if lease.Spec.RenewTime != nil {
		renewed = time.Since(lease.Spec.RenewTime.Time).Round(100*time.Millisecond).String() + " ago"
	}
	return fmt.Sprintf("lease held by %s, renewed %s", holder, renewed)
}

func (c *Cluster) nodeState(ctx context.Context, name string) string {
	var node corev1.Node
	if err := c.client.Get(ctx, client.ObjectKey{Name: name}, &node); err != nil {
		return fmt.Sprintf("node: %v", err)
	}
	ready := "no Ready condition"
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			ready = fmt.Sprintf("Ready=%s (%s, heartbeat %s ago)", cond.Status, cond.Reason,
				time.Since(cond.LastHeartbeatTime.Time).Round(time.Second))
		}
	}
	taints := make([]string, 0, len(node.Spec.Taints))
	for _, t := range node.Spec.Taints {
		taints = append(taints, t.Key+":"+string(t.Effect))
	}
	return fmt.Sprintf("%s, taints [%s]", ready, strings.Join(taints, " "))
}

// errorLines keeps the last n lines of a kwok log that report an error.
func errorLines(log string, n int) string {
	var kept []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, `"level":"WARN"`) || strings.HasPrefix(line, "panic") {
			kept = append(kept, line)
		}
	}
	if len(kept) > n {
		kept = kept[len(kept)-n:]
	}
	return strings.Join(kept, "\n")
}
