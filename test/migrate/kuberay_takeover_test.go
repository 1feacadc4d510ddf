/*
Copyright 2026 The ray-ha-operator Authors.
*/

package migrate

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// kubeRayNamespace is where KubeRay would be installed: its Lease is there.
const kubeRayNamespace = "kuberay-system"

// TestTakeoverFromKubeRay runs GCS-FT RayClusters under KubeRay v1.5.0 with
// a real Redis, stops KubeRay and hands them to this operator as
// docs/migrating.md says. "migrated" follows every step; "step-4-skipped"
// leaves KubeRay's pods, Service and the rest in place, to show what the
// operator does when a user forgets them.
func TestTakeoverFromKubeRay(t *testing.T) {
	if testing.Short() {
		t.Skip("runs KubeRay and the simulated cluster: skipped with -short")
	}
	harness.KubeRayBinary(t) // fails under CI=true when missing, before anything starts
	began := time.Now()
	redis := redisserver.Start(t, redisserver.Options{})
	c := simcluster.StartForTest(t, simcluster.Options{Nodes: 3})
	cl := installKubeRayCRDs(t, c)
	rdb := newRedisClient(t, redis.Addr())
	createNamespace(t, cl, kubeRayNamespace)
	t.Logf("simulated cluster, Redis and KubeRay's CRDs up in %s", since(began))

	clusters := map[string]*migration{
		"migrated":       {name: "gcs-ft", ns: "team-a", step4: allKinds()},
		"step-4-skipped": {name: "gcs-ft", ns: "team-b"},
		"pods-left":      {name: "gcs-ft", ns: "team-c", step4: allKinds("pod")},
	}
	for _, m := range clusters {
		createNamespace(t, cl, m.ns)
		m.heads = harness.WatchHeads(t, c.RESTConfig(), m.ns, m.name)
	}

	// KubeRay runs the clusters; kwok makes its pods Running and Ready.
	kr := harness.StartKubeRay(t, harness.KubeRayOptions{Kubeconfig: c.Kubeconfig(), Namespace: kubeRayNamespace})
	for _, m := range clusters {
		m.rc = harness.NewRayCluster(m.ns, m.name, harness.ClusterOptions{RedisAddress: redis.Addr(), Workers: 1})
		if err := cl.Create(context.Background(), m.rc); err != nil {
			t.Fatalf("creating RayCluster %s/%s: %v", m.ns, m.name, err)
		}
	}
	for _, m := range clusters {
		m.kubeRayHead = waitKubeRayReady(t, cl, kr, m)
		// Step 1: record the storage namespace the running head uses.
		m.storage = m.kubeRayHead.Annotations[rayv1.AnnotationExternalStorageNamespace]
		if m.storage != string(m.rc.UID) {
			t.Fatalf("%s: KubeRay's head stores under %q, want the RayCluster's UID %s (its default)", m.ns, m.storage, m.rc.UID)
		}
		m.keys = seedGCS(t, rdb, m.storage)
	}
	t.Logf("KubeRay ran %d clusters after %s", len(clusters), since(began))

	// Step 2: stop KubeRay as scaling its Deployment to zero does.
	kr.Stop()
	expectRefusedBesideKubeRay(t, c)
	waitLeaseExpired(t, cl)
	t.Logf("KubeRay stopped and its Lease expired after %s", since(began))

	for _, m := range clusters {
		pinStorageNamespace(t, cl, m) // step 3
		if len(m.step4) > 0 {
			deleteKubeRayObjects(t, cl, m, m.step4) // step 4, or the part of it the scenario does
		}
	}
	// Step 5: our CRD over KubeRay's, and the operator.
	simenv.InstallCRD(t, c)
	takeover := time.Now()
	simenv.StartOperator(t, c.RESTConfig(), simenv.DefaultOperatorOptions(t))

	t.Run("migrated", func(t *testing.T) { expectMigrated(t, cl, rdb, clusters["migrated"], takeover, "the operator started") })
	// Forgetting KubeRay's pods is harmless: no head of ours starts beside
	// KubeRay's, the condition and event say why, and the takeover ends as
	// soon as step 4 is done.
	for _, name := range []string{"step-4-skipped", "pods-left"} {
		t.Run(name, func(t *testing.T) {
			m := clusters[name]
			expectHeldBack(t, cl, rdb, m)
			deleteKubeRayObjects(t, cl, m, allKinds())
			expectMigrated(t, cl, rdb, m, time.Now(), "step 4 was completed")
		})
	}
	t.Logf("whole run %s", since(began))
}

// migration is one RayCluster moved from KubeRay.
type migration struct {
	name, ns string
	// step4 are the kinds of KubeRay's objects the scenario deletes in
	// step 4 (all of them when it is followed).
	step4       []string
	rc          *rayv1.RayCluster
	heads       *harness.HeadWatch
	kubeRayHead *corev1.Pod
	// storage is the recorded storage namespace, keys its Redis keys
	// with their values (DUMP) before the takeover.
	storage string
	keys    map[string]string
}

func (m *migration) key() types.NamespacedName {
	return types.NamespacedName{Namespace: m.ns, Name: m.name}
}

// installKubeRayCRDs installs KubeRay's three CRDs (its manager watches all
// of them) from the module cache and returns a client.
func installKubeRayCRDs(t *testing.T, c *simcluster.Cluster) client.Client {
	t.Helper()
	crds, err := envtest.InstallCRDs(c.RESTConfig(), envtest.CRDInstallOptions{
		Paths: []string{harness.KubeRayCRDDir(t)}, ErrorIfPathMissing: true,
	})
	if err != nil {
		t.Fatalf("installing KubeRay's CRDs: %v", err)
	}
	if len(crds) != 3 {
		t.Fatalf("installed %d KubeRay CRDs, want 3 (RayCluster, RayJob, RayService)", len(crds))
	}
	cl, err := client.New(c.RESTConfig(), client.Options{Scheme: harness.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func createNamespace(t *testing.T, cl client.Client, name string) {
	t.Helper()
	if err := cl.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
}

// waitKubeRayReady waits until KubeRay reports the cluster ready with one
// Ready head pod of its own, and returns that pod.
func waitKubeRayReady(t *testing.T, cl client.Client, kr *harness.KubeRay, m *migration) *corev1.Pod {
	t.Helper()
	var head *corev1.Pod
	took := harness.Eventually(t, 90*time.Second, "KubeRay's cluster "+m.key().String()+" ready", kr.While(func(ctx context.Context) (bool, string, error) {
		heads, err := headPods(ctx, cl, m)
		if err != nil {
			return false, "", err
		}
		if err := cl.Get(ctx, m.key(), m.rc); err != nil {
			return false, "", err
		}
		if len(heads) != 1 || !harness.PodReady(&heads[0]) || m.rc.Status.State != rayv1.ClusterStateReady {
			return false, fmt.Sprintf("%d head pods, state %q", len(heads), m.rc.Status.State), nil
		}
		head = &heads[0]
		return true, "", nil
	}))
	if head.Labels["app.kubernetes.io/created-by"] != "kuberay-operator" {
		t.Fatalf("head pod %s is not KubeRay's: labels %v", head.Name, head.Labels)
	}
	t.Logf("KubeRay: %s ready after %s, head %s", m.key(), took.Round(time.Millisecond), head.Name)
	return head
}

// headPods lists the cluster's head pods, whoever made them.
func headPods(ctx context.Context, cl client.Client, m *migration) ([]corev1.Pod, error) {
	var pods corev1.PodList
	err := cl.List(ctx, &pods, client.InNamespace(m.ns),
		client.MatchingLabels{raycluster.LabelCluster: m.name, raycluster.LabelNodeType: raycluster.NodeTypeHead})
	return pods.Items, err
}

// expectRefusedBesideKubeRay starts the operator as main.go does while
// KubeRay's Lease is still live (it expires 15 s after the last renewal):
// it must refuse, naming the Lease.
func expectRefusedBesideKubeRay(t *testing.T, c *simcluster.Cluster) {
	t.Helper()
	op, err := operator.New(c.RESTConfig(), simenv.DefaultOperatorOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = op.Start(ctx)
	var l coordinationv1.Lease
	if err := c.Client().Get(ctx, types.NamespacedName{Namespace: kubeRayNamespace, Name: operator.KubeRayLeaseName}, &l); err != nil {
		t.Fatalf("reading KubeRay's Lease: %v", err)
	}
	want := regexp.MustCompile(`^KubeRay is reconciling RayClusters \(Lease ` + kubeRayNamespace + `/` + operator.KubeRayLeaseName +
		` held by "` + regexp.QuoteMeta(ptr.Deref(l.Spec.HolderIdentity, "")) + `", renewed \d+s ago\): ` +
		`two operators on one RayCluster fight over its pods; stop the KubeRay operator first \(docs/migrating.md\), ` +
		`or start with --allow-running-kuberay if it reconciles other RayClusters than this operator does$`)
	if err == nil || !want.MatchString(err.Error()) {
		t.Fatalf("operator start beside a just stopped KubeRay: %v, want an error matching %s", err, want)
	}
	t.Logf("refused as it should: %v", err)
}

// waitLeaseExpired waits until KubeRay's Lease no longer counts as live.
func waitLeaseExpired(t *testing.T, cl client.Client) {
	t.Helper()
	harness.Eventually(t, 40*time.Second, "KubeRay's Lease expired", func(ctx context.Context) (bool, string, error) {
		var l coordinationv1.Lease
		if err := cl.Get(ctx, types.NamespacedName{Namespace: kubeRayNamespace, Name: operator.KubeRayLeaseName}, &l); err != nil {
			return false, "", err
		}
		live := operator.LiveKubeRayLeases([]coordinationv1.Lease{l}, time.Now())
		return len(live) == 0, strings.Join(live, "; "), nil
	})
}

// pinStorageNamespace is step 3, the merge patch docs/migrating.md gives.
func pinStorageNamespace(t *testing.T, cl client.Client, m *migration) {
	t.Helper()
	patch := fmt.Sprintf(`{"spec":{"gcsFaultToleranceOptions":{"externalStorageNamespace":%q}}}`, m.storage)
	if err := cl.Patch(context.Background(), m.rc, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		t.Fatalf("step 3 on %s: %v", m.key(), err)
	}
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }
