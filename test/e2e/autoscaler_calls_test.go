package e2e

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// TestAutoscalerCalls plays the API calls of Ray's autoscaler (its
// kuberay node provider's JSON patches of the RayCluster) with the
// identity the chart gives it: the head's ServiceAccount, bound to the
// rendered Role. A scale-up patch of replicas goes through and the group
// grows; a scale-down that names pods in scaleStrategy.workersToDelete is
// refused by the CRD, naming the field, until the operator removes exactly
// the named pods (pending, see docs/autoscaling.md), and nothing is scaled.
func TestAutoscalerCalls(t *testing.T) {
	env := Start(t, Options{})
	ns := env.Namespace(t, "autoscaler-calls")
	const name = "as"
	rc := NewRayCluster(ns, name, ClusterOptions{Workers: 0})
	rc.Spec.EnableInTreeAutoscaling = ptr.To(true)
	rc.Spec.AutoscalerOptions = &rayv1.AutoscalerOptions{Version: ptr.To(rayv1.AutoscalerVersionV2)}
	env.Create(t, rc)
	env.WaitReady(t, ns, name, 2*time.Minute)

	autoscaler := env.clientAs(t, fmt.Sprintf("system:serviceaccount:%s:%s", ns, name), ns)
	ctx := context.Background()
	scaleUp := `[{"op": "replace", "path": "/spec/workerGroupSpecs/0/replicas", "value": 2}]`
	if err := autoscaler.Patch(ctx, env.RayCluster(t, ns, name), client.RawPatch("application/json-patch+json", []byte(scaleUp))); err != nil {
		t.Fatalf("the autoscaler's scale-up patch: %v", err)
	}
	Eventually(t, time.Minute, "two workers after the scale-up", func() (bool, error) {
		n := len(env.WorkerUIDs(t, ns, name))
		return n == 2, errorf("%d workers", n)
	})

	worker := env.workerPods(t, ns, name)[0]
	scaleDown := fmt.Sprintf(`[{"op": "replace", "path": "/spec/workerGroupSpecs/0/replicas", "value": 1},
		{"op": "replace", "path": "/spec/workerGroupSpecs/0/scaleStrategy", "value": {"workersToDelete": [%q]}}]`, worker)
	err := autoscaler.Patch(ctx, env.RayCluster(t, ns, name), client.RawPatch("application/json-patch+json", []byte(scaleDown)))
	if !apierrors.IsInvalid(err) || !hasCause(err, "spec.workerGroupSpecs[0].scaleStrategy") {
		t.Fatalf("scale-down naming %s: got %v, want Invalid on spec.workerGroupSpecs[0].scaleStrategy", worker, err)
	}
	if got := env.RayCluster(t, ns, name).Spec.WorkerGroupSpecs[0].Replicas; ptr.Deref(got, -1) != 2 {
		t.Errorf("replicas after the refused scale-down = %v, want 2", ptr.Deref(got, -1))
	}
}

// clientAs is a client of the test's API server acting as user (a
// ServiceAccount) through impersonation, with a ServiceAccount's groups.
func (e *Env) clientAs(t *testing.T, user, ns string) client.Client {
	t.Helper()
	cfg := rest.CopyConfig(e.Cluster.RESTConfig())
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}}
	c, err := client.New(cfg, client.Options{Scheme: Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// workerPods names the cluster's worker pods.
func (e *Env) workerPods(t *testing.T, ns, cluster string) []string {
	t.Helper()
	var pods corev1.PodList
	if err := e.Client.List(context.Background(), &pods, client.InNamespace(ns),
		client.MatchingLabels{raycluster.LabelCluster: cluster, raycluster.LabelNodeType: raycluster.NodeTypeWork}); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(pods.Items))
	for _, p := range pods.Items {
		names = append(names, p.Name)
	}
	return names
}

// hasCause says whether an API error names field among its causes.
func hasCause(err error, field string) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return false
	}
	for _, c := range status.Status().Details.Causes {
		if c.Field == field {
			return true
		}
	}
	return false
}
