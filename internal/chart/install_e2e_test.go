package chart

import (
	"context"
	"fmt"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// TestHelmInstallOnSimulatedCluster installs the chart alone (no operator)
// with helm's install action on a simulated cluster, into a namespace that
// enforces Pod Security "restricted": the head pod <name>-head-0 and the
// workers must be admitted and run; a deleted head must come back as a new
// <name>-head-0 behind the same Service.
func TestHelmInstallOnSimulatedCluster(t *testing.T) {
	c := simcluster.StartForTest(t, simcluster.Options{})
	ctx := context.Background()
	cl := c.Client()
	ns := "ray-restricted"
	createRestrictedNamespace(t, cl, ns)
	proveRestrictedEnforced(t, cl, ns)
	if err := cl.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "redis-auth"},
		StringData: map[string]string{"password": "not-used-by-kwok"},
	}); err != nil {
		t.Fatalf("creating secret: %v", err)
	}

	install := action.NewInstall(helmConfig(t, c, ns))
	install.ReleaseName = "raytest"
	install.Namespace = ns
	install.Timeout = time.Minute
	values := parseValues(t, `
gcsFaultToleranceOptions:
  redisAddress: redis.db.svc:6379
  redisPassword: {valueFrom: {secretKeyRef: {name: redis-auth, key: password}}}
workerGroupSpecs:
  - groupName: small
    replicas: 2
    template: {spec: {containers: [{name: ray-worker, image: "rayproject/ray:2.60.0"}]}}
`)
	start := time.Now()
	rel, err := install.RunWithContext(ctx, testChart(t), values)
	if err != nil {
		t.Fatalf("helm install: %v", err)
	}
	t.Logf("helm install of release %s (version %d) took %s", rel.Name, rel.Version, time.Since(start))

	headKey := client.ObjectKey{Namespace: ns, Name: "raytest-head-0"}
	firstUID := waitPodRunningReady(t, cl, headKey, "")
	waitWorkersRunning(t, cl, ns, "raytest", "small", 2)
	t.Logf("head and 2 workers Running and Ready %s after install", time.Since(start))
	waitServiceEndpoint(t, cl, ns, "raytest-head-svc", headKey.Name, firstUID)

	var head corev1.Pod
	if err := cl.Get(ctx, headKey, &head); err != nil {
		t.Fatal(err)
	}
	deleted := time.Now()
	if err := cl.Delete(ctx, &head); err != nil {
		t.Fatalf("deleting the head pod: %v", err)
	}
	secondUID := waitPodRunningReady(t, cl, headKey, firstUID)
	waitServiceEndpoint(t, cl, ns, "raytest-head-svc", headKey.Name, secondUID)
	t.Logf("new head %s (uid %s) Ready and behind raytest-head-svc %s after the delete", headKey.Name, secondUID, time.Since(deleted))

	uninstall := action.NewUninstall(helmConfig(t, c, ns))
	if _, err := uninstall.Run("raytest"); err != nil {
		t.Fatalf("helm uninstall: %v", err)
	}
}

func helmConfig(t *testing.T, c *simcluster.Cluster, ns string) *action.Configuration {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = ptr.To(c.Kubeconfig())
	flags.Namespace = ptr.To(ns)
	cfg := &action.Configuration{}
	if err := cfg.Init(flags, ns, "secret", t.Logf); err != nil {
		t.Fatalf("initialising helm: %v", err)
	}
	return cfg
}

func createRestrictedNamespace(t *testing.T, cl client.Client, ns string) {
	t.Helper()
	err := cl.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: ns,
		Labels: map[string]string{
			"pod-security.kubernetes.io/enforce":         "restricted",
			"pod-security.kubernetes.io/enforce-version": "latest",
		},
	}})
	if err != nil {
		t.Fatalf("creating namespace %s: %v", ns, err)
	}
}

// proveRestrictedEnforced shows the namespace really rejects a pod that is
// not restricted, so the chart's pods being admitted means something.
func proveRestrictedEnforced(t *testing.T, cl client.Client, ns string) {
	t.Helper()
	bad := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "not-restricted"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
	err := cl.Create(context.Background(), bad)
	if !apierrors.IsForbidden(err) {
		t.Fatalf("creating a non-restricted pod in %s: err = %v, want Forbidden by Pod Security", ns, err)
	}
}

func waitPodRunningReady(t *testing.T, cl client.Client, key client.ObjectKey, notUID types.UID) types.UID {
	t.Helper()
	var uid types.UID
	harness.Eventually(t, 60*time.Second, "pod "+key.Name+" Running and Ready", func(ctx context.Context) (bool, string, error) {
		var p corev1.Pod
		if err := cl.Get(ctx, key, &p); err != nil {
			return false, err.Error(), client.IgnoreNotFound(err)
		}
		uid = p.UID
		return p.UID != notUID && p.DeletionTimestamp == nil && harness.PodRunningReady(&p), fmt.Sprintf("phase %s uid %s", p.Status.Phase, p.UID), nil
	})
	return uid
}

func waitWorkersRunning(t *testing.T, cl client.Client, ns, cluster, group string, want int) {
	t.Helper()
	harness.Eventually(t, 60*time.Second, fmt.Sprintf("%d workers of group %s", want, group), func(ctx context.Context) (bool, string, error) {
		var pods corev1.PodList
		err := cl.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{
			"ray.io/cluster": cluster, "ray.io/node-type": "worker", "ray.io/group": group,
		})
		if err != nil {
			return false, "", err
		}
		ready := 0
		for i := range pods.Items {
			if harness.PodRunningReady(&pods.Items[i]) {
				ready++
			}
		}
		return ready == want && len(pods.Items) == want, fmt.Sprintf("%d pods, %d Running and Ready", len(pods.Items), ready), nil
	})
}

// waitServiceEndpoint waits until the Service's EndpointSlices list the pod
// (by UID) at its current IP: the Service name reaches that very pod.
func waitServiceEndpoint(t *testing.T, cl client.Client, ns, svc, pod string, uid types.UID) {
	t.Helper()
	harness.Eventually(t, 30*time.Second, "Service "+svc+" pointing at "+pod, func(ctx context.Context) (bool, string, error) {
		var p corev1.Pod
		if err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: pod}, &p); err != nil {
			return false, "", err
		}
		var slices discoveryv1.EndpointSliceList
		if err := cl.List(ctx, &slices, client.InNamespace(ns), client.MatchingLabels{discoveryv1.LabelServiceName: svc}); err != nil {
			return false, "", err
		}
		seen := []string{}
		for _, s := range slices.Items {
			for _, e := range s.Endpoints {
				if e.TargetRef == nil {
					continue
				}
				seen = append(seen, fmt.Sprintf("%s/%s@%v", e.TargetRef.Name, e.TargetRef.UID, e.Addresses))
				if e.TargetRef.UID == uid && len(e.Addresses) > 0 && e.Addresses[0] == p.Status.PodIP && p.Status.PodIP != "" {
					return true, "", nil
				}
			}
		}
		return false, fmt.Sprintf("endpoints %v, pod IP %q", seen, p.Status.PodIP), nil
	})
}
