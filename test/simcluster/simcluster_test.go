package simcluster_test

import (
	"context"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// TestSimulatedCluster shares one cluster across the workload scenarios;
// the lost-node scenario runs last because it takes a node away (and brings
// it back).
func TestSimulatedCluster(t *testing.T) {
	c := simcluster.StartForTest(t, simcluster.Options{DisregardStatusSelector: true})
	t.Logf("cluster started in %s", c.StartedIn())
	if got := c.NodeNames(); !slices.Equal(got, []string{"sim-node-1", "sim-node-2", "sim-node-3"}) {
		t.Fatalf("NodeNames() = %v, want sim-node-1..3", got)
	}
	t.Run("deployment pods run and turn ready on kwok nodes", func(t *testing.T) { testDeployment(t, c) })
	t.Run("statefulset recreates a deleted pod", func(t *testing.T) { testStatefulSetRecreates(t, c) })
	t.Run("kwok leaves annotated pods to the test", func(t *testing.T) { testDisregardStatus(t, c) })
	t.Run("service account token works under RBAC", func(t *testing.T) { testServiceAccountToken(t, c) })
	t.Run("added node turns ready", func(t *testing.T) { testAddNode(t, c) })
	t.Run("kube-apiserver restart keeps objects and clients", func(t *testing.T) { testAPIServerRestart(t, c) })
	t.Run("crashed scheduler and controller manager are restarted", func(t *testing.T) { testControlPlaneRestarted(t, c) })
	t.Run("killed node goes NotReady and its pods stay Terminating", func(t *testing.T) { testLostNode(t, c) })
}

func testDeployment(t *testing.T, c *simcluster.Cluster) {
	cl := c.Client()
	ns := createNamespace(t, cl, "deploy")
	if err := cl.Create(context.Background(), deployment(ns, "web", 2, nil)); err != nil {
		t.Fatalf("creating deployment: %v", err)
	}
	took := harness.Eventually(t, 30*time.Second, "2 Running, Ready pods", func(ctx context.Context) (bool, string, error) {
		pods, err := listPods(ctx, cl, ns, "web")
		if err != nil {
			return false, "", err
		}
		ready := 0
		for i := range pods {
			if podRunningReady(&pods[i]) {
				ready++
			}
		}
		return ready == 2 && len(pods) == 2, describePods(pods), nil
	})
	t.Logf("deployment ready in %s", took)

	pods, err := listPods(context.Background(), cl, ns, "web")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods {
		var node corev1.Node
		if err := cl.Get(context.Background(), client.ObjectKey{Name: p.Spec.NodeName}, &node); err != nil {
			t.Fatalf("pod %s: reading node %q: %v", p.Name, p.Spec.NodeName, err)
		}
		if node.Labels[simcluster.NodeTypeLabel] != "kwok" {
			t.Errorf("pod %s runs on %s, which is not a kwok node (labels %v)", p.Name, node.Name, node.Labels)
		}
		if p.Status.PodIP == "" {
			t.Errorf("pod %s has no pod IP", p.Name)
		}
	}
	harness.Eventually(t, 10*time.Second, "deployment status readyReplicas=2", func(ctx context.Context) (bool, string, error) {
		var d appsv1.Deployment
		err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &d)
		return err == nil && d.Status.ReadyReplicas == 2, "", err
	})
}

func testStatefulSetRecreates(t *testing.T, c *simcluster.Cluster) {
	ctx := context.Background()
	cl := c.Client()
	ns := createNamespace(t, cl, "sts")
	replicas := int32(1)
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "head"},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    &replicas,
			ServiceName: "head-svc",
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": "head"}},
			Template:    podTemplate("head", nil),
		},
	}
	if err := cl.Create(ctx, sts); err != nil {
		t.Fatalf("creating statefulset: %v", err)
	}
	key := client.ObjectKey{Namespace: ns, Name: "head-0"}
	firstUID := waitPodReady(t, cl, key, "")
	var pod corev1.Pod
	if err := cl.Get(ctx, key, &pod); err != nil {
		t.Fatal(err)
	}
	if err := cl.Delete(ctx, &pod); err != nil {
		t.Fatalf("deleting pod head-0: %v", err)
	}
	start := time.Now()
	secondUID := waitPodReady(t, cl, key, firstUID)
	t.Logf("head-0 recreated (uid %s -> %s) and Ready in %s", firstUID, secondUID, time.Since(start))
}

// waitPodReady waits for the named pod to be Running and Ready with a UID
// other than notUID, and returns its UID.
func waitPodReady(t *testing.T, cl client.Client, key client.ObjectKey, notUID types.UID) types.UID {
	t.Helper()
	var uid types.UID
	harness.Eventually(t, 30*time.Second, "pod "+key.Name+" Running and Ready", func(ctx context.Context) (bool, string, error) {
		var p corev1.Pod
		if err := cl.Get(ctx, key, &p); err != nil {
			return false, err.Error(), client.IgnoreNotFound(err)
		}
		uid = p.UID
		return p.UID != notUID && podRunningReady(&p), describePods([]corev1.Pod{p}), nil
	})
	return uid
}

func testAddNode(t *testing.T, c *simcluster.Cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name, err := c.AddNode(ctx)
	if err != nil {
		t.Fatalf("AddNode: %v", err)
	}
	if name != "sim-node-4" {
		t.Errorf("AddNode() = %q, want sim-node-4", name)
	}
	status, node, err := nodeCondition(ctx, c.Client(), name)
	if err != nil {
		t.Fatal(err)
	}
	if status != corev1.ConditionTrue || len(node.Spec.Taints) != 0 {
		t.Errorf("node %s: Ready=%s taints=%v, want Ready=True and no taint", name, status, node.Spec.Taints)
	}
}
