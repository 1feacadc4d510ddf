package simcluster_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// TestStatusSyncTouchesANodeLeftNotReady: a node left not Ready while its
// kwok renews the lease is touched by the simulation's status sync, as a
// kubelet would post its status again. kwok is told to disregard the node
// and its Ready condition is set to Unknown, as the node lifecycle
// controller writes it: kwok leaves it so, the status sync must notice and
// touch the node. Then kwok is let back (itself a change of the node, the
// same kind of event the touch gives kwok) and must report the node Ready.
func TestStatusSyncTouchesANodeLeftNotReady(t *testing.T) {
	c := simcluster.StartForTest(t, simcluster.Options{Nodes: 1, DisregardStatusSelector: true})
	cl := c.Client()
	ctx := context.Background()
	name := c.NodeNames()[0]

	annotate(t, cl, name, simcluster.DisregardStatusAnnotation, "true")
	var node corev1.Node
	if err := cl.Get(ctx, client.ObjectKey{Name: name}, &node); err != nil {
		t.Fatal(err)
	}
	before := node.DeepCopy()
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == corev1.NodeReady {
			node.Status.Conditions[i].Status = corev1.ConditionUnknown
			node.Status.Conditions[i].Reason = "NodeStatusUnknown"
		}
	}
	if err := cl.Status().Patch(ctx, &node, client.MergeFrom(before)); err != nil {
		t.Fatalf("setting %s Ready=Unknown: %v", name, err)
	}

	took := harness.Eventually(t, 30*time.Second, "the status sync touched "+name, func(ctx context.Context) (bool, string, error) {
		var n corev1.Node
		if err := cl.Get(ctx, client.ObjectKey{Name: name}, &n); err != nil {
			return false, "", err
		}
		_, touched := n.Annotations[simcluster.StatusSyncAnnotation]
		return touched, fmt.Sprintf("ready=%t annotations=%v", simcluster.NodeReady(&n), n.Annotations), nil
	})
	t.Logf("node left Ready=Unknown touched after %s", took.Round(time.Millisecond))
	if status, _, err := nodeCondition(ctx, cl, name); err != nil || status != corev1.ConditionUnknown {
		t.Fatalf("kwok disregards %s, so it must still be Ready=Unknown: got %q (%v)", name, status, err)
	}
	// The report a failed wait would print tells this state apart from a
	// lost node: kwok runs and renews the lease, the node is not Ready.
	report := c.NodeReport(ctx, name)
	for _, want := range []string{"kwok running", "lease held by", "Ready=Unknown (NodeStatusUnknown", "taints ["} {
		if !strings.Contains(report, want) {
			t.Errorf("NodeReport = %q, want it to contain %q", report, want)
		}
	}
	t.Logf("NodeReport: %s", report)

	annotate(t, cl, name, simcluster.DisregardStatusAnnotation, "false")
	harness.Eventually(t, 30*time.Second, name+" Ready again", func(ctx context.Context) (bool, string, error) {
		status, _, err := nodeCondition(ctx, cl, name)
		return status == corev1.ConditionTrue, "Ready=" + string(status), err
	})
}

func annotate(t *testing.T, cl client.Client, node, key, value string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, key, value)
	n := &corev1.Node{}
	n.Name = node
	if err := cl.Patch(context.Background(), n, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		t.Fatalf("annotating node %s: %v", node, err)
	}
}
