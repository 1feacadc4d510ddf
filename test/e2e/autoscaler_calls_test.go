package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// TestAutoscalerCalls plays the API calls of Ray's autoscaler (its
// kuberay node provider's JSON patches of the RayCluster) with the
// identity the chart gives it: the head's ServiceAccount, bound to the
// rendered Role. A scale-up patch of replicas goes through and the group
// grows; a scale-down that names a pod in scaleStrategy.workersToDelete
// removes exactly that pod (the races are in TestWorkersToDeleteRaces).
// After each call the status reports the desired, ready, min and max
// workers KubeRay would.
func TestAutoscalerCalls(t *testing.T) {
	env := Start(t, Options{})
	ns := env.Namespace(t, "autoscaler-calls")
	const name = "rc"
	rc := harness.NewRayCluster(ns, name, harness.ClusterOptions{Workers: 0})
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
	harness.Eventually(t, time.Minute, "two workers after the scale-up", func(context.Context) (bool, string, error) {
		n := len(env.WorkerUIDs(t, ns, name))
		return n == 2, fmt.Sprintf("%d workers", n), nil
	})
	expectWorkerStatus(t, env, ns, name, workerStatus{desired: 2, ready: 2, min: 0, max: 5})

	workers := activeWorkers(t, env, ns)
	scaleDown := fmt.Sprintf(`[{"op": "replace", "path": "/spec/workerGroupSpecs/0/replicas", "value": 1},
		{"op": "replace", "path": "/spec/workerGroupSpecs/0/scaleStrategy", "value": {"workersToDelete": [%q]}}]`, workers[0].Name)
	if err := autoscaler.Patch(ctx, env.RayCluster(t, ns, name), client.RawPatch("application/json-patch+json", []byte(scaleDown))); err != nil {
		t.Fatalf("the autoscaler's scale-down patch naming %s: %v", workers[0].Name, err)
	}
	expectSettled(t, env, ns, workers[1])
	expectWorkerStatus(t, env, ns, name, workerStatus{desired: 1, ready: 1, min: 0, max: 5})
	if got := env.RayCluster(t, ns, name).Spec.WorkerGroupSpecs[0].ScaleStrategy; got == nil || len(got.WorkersToDelete) != 1 {
		t.Errorf("scaleStrategy after the scale-down = %+v, want the list left as KubeRay leaves it", got)
	}
}

// workerStatus is the part of KubeRay's status the autoscaler's calls move.
type workerStatus struct{ desired, ready, min, max int32 }

// expectWorkerStatus waits until the RayCluster's status reports exactly
// want: the status is written after the pods change, so it is waited for,
// and a wrong value that stays is what the failure shows.
func expectWorkerStatus(t *testing.T, env *Env, ns, name string, want workerStatus) {
	t.Helper()
	harness.Eventually(t, time.Minute, fmt.Sprintf("status %+v", want), func(context.Context) (bool, string, error) {
		st := env.RayCluster(t, ns, name).Status
		got := workerStatus{desired: st.DesiredWorkerReplicas, ready: st.ReadyWorkerReplicas,
			min: st.MinWorkerReplicas, max: st.MaxWorkerReplicas}
		return got == want, fmt.Sprintf("status %+v", got), nil
	})
}

// clientAs is a client of the test's API server acting as user (a
// ServiceAccount) through impersonation, with a ServiceAccount's groups.
func (e *Env) clientAs(t *testing.T, user, ns string) client.Client {
	t.Helper()
	cfg := rest.CopyConfig(e.Cluster.RESTConfig())
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}}
	c, err := client.New(cfg, client.Options{Scheme: harness.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
