package bundle

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	goredis "github.com/redis/go-redis/v9"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/operatorproc"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// restrictedLabels make a namespace enforce the restricted Pod Security
// Standard: the API server rejects any pod that does not pass it.
var restrictedLabels = map[string]string{
	"pod-security.kubernetes.io/enforce":         "restricted",
	"pod-security.kubernetes.io/enforce-version": "latest",
}

// TestOnSimulatedCluster installs the bundle the way OLM does and runs the
// operator with its ServiceAccount's token, in namespaces that enforce the
// restricted Pod Security Standard.
func TestOnSimulatedCluster(t *testing.T) {
	c := simcluster.StartForTest(t, simcluster.Options{Nodes: 2})
	admin := adminClient(t, c)
	l := mustLayout(t)

	// First, while the Prometheus Operator's CRDs are not served (the
	// lifecycle subtests install them).
	t.Run("Kubernetes bundle installs without the Prometheus Operator", func(t *testing.T) {
		testKubernetesVariantInstalls(t, admin, l)
	})
	t.Run("manager pod admitted under restricted", func(t *testing.T) {
		testManagerAdmitted(t, admin, l)
	})
	for _, m := range installModes {
		t.Run("lifecycle with the bundle's RBAC only/"+m.name, func(t *testing.T) {
			testLifecycleWithBundleRBAC(t, c, admin, l, m, operatorBinary{})
		})
	}
	t.Run("upgrade moves release history out of the served namespace", func(t *testing.T) {
		testUpgradeMovesRelease(t, c, admin, l)
	})
}

// testManagerAdmitted creates the operator Deployment and PDB of
// config/default in a restricted namespace and waits for its pods: the API
// server rejects the ReplicaSet's pods if they violate the policy, and kwok
// runs them otherwise. The scheduler puts the two replicas on the two
// nodes, and the disruption controller lets one of them be evicted.
func testManagerAdmitted(t *testing.T, admin client.Client, l Layout) {
	ctx := context.Background()
	ns := createNamespace(t, admin, "manager-restricted", restrictedLabels)
	dep := managerDeployment(t, l)
	pdb := &policyv1.PodDisruptionBudget{}
	renderDefault(t, l, "PodDisruptionBudget", pdb)
	dep.Namespace, pdb.Namespace = ns, ns
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: dep.Spec.Template.Spec.ServiceAccountName}}
	for _, o := range []client.Object{sa, dep, pdb} {
		if err := admin.Create(ctx, o); err != nil {
			t.Fatalf("creating %T %s: %v", o, o.GetName(), err)
		}
	}
	replicas := int(ptr.Deref(dep.Spec.Replicas, 1))
	harness.Eventually(t, time.Minute, "manager pods running on distinct nodes", func(ctx context.Context) (bool, string, error) {
		var pods corev1.PodList
		if err := admin.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels(dep.Spec.Selector.MatchLabels)); err != nil {
			return false, "", err
		}
		nodes := map[string]bool{}
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				nodes[p.Spec.NodeName] = true
			}
		}
		if len(nodes) == replicas {
			return true, "", nil
		}
		return false, fmt.Sprintf("%d pods, running on nodes %v; %s", len(pods.Items), nodes, replicaSetFailures(ctx, admin, ns)), nil
	})
	harness.Eventually(t, time.Minute, "the PDB allows one disruption", func(ctx context.Context) (bool, string, error) {
		if err := admin.Get(ctx, client.ObjectKeyFromObject(pdb), pdb); err != nil {
			return false, "", err
		}
		st := pdb.Status
		return st.ExpectedPods == int32(replicas) && st.CurrentHealthy == int32(replicas) && st.DisruptionsAllowed == 1,
			fmt.Sprintf("expected %d, healthy %d, disruptions allowed %d", st.ExpectedPods, st.CurrentHealthy, st.DisruptionsAllowed), nil
	})
}

// replicaSetFailures returns why a ReplicaSet could not create its pods
// (a PodSecurity rejection shows up there).
func replicaSetFailures(ctx context.Context, admin client.Client, ns string) string {
	var rss appsv1.ReplicaSetList
	if err := admin.List(ctx, &rss, client.InNamespace(ns)); err != nil {
		return err.Error()
	}
	var msgs []string
	for _, rs := range rss.Items {
		for _, c := range rs.Status.Conditions {
			msgs = append(msgs, c.Message)
		}
	}
	return strings.Join(msgs, "; ")
}

// managerDeployment is the operator Deployment of config/default.
func managerDeployment(t *testing.T, l Layout) *appsv1.Deployment {
	t.Helper()
	dep := &appsv1.Deployment{}
	renderDefault(t, l, "Deployment", dep)
	return dep
}

// renderDefault renders config/default, as `make deploy` does, and decodes
// its only object of kind into obj.
func renderDefault(t *testing.T, l Layout, kind string, obj runtime.Object) {
	t.Helper()
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(l.Root, "config", "default"))
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range resMap.Resources() {
		if res.GetKind() != kind {
			continue
		}
		data, err := res.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if err := runtime.DecodeInto(clientgoscheme.Codecs.UniversalDecoder(), data, obj); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("config/default renders no %s", kind)
}

// installMode is how OLM would install the operator: into operatorNS, for
// an OperatorGroup targeting targets (nil: all namespaces), which OLM
// passes on as WATCH_NAMESPACE. The RayCluster goes to clusterNS, which
// enforces the restricted Pod Security Standard, so the Ray pods the
// operator creates must pass it.
type installMode struct {
	name, operatorNS, clusterNS string
	targets                     []string
}

// installModes are every install mode the CSV claims; TestInstallModesTested
// keeps the two lists equal.
var installModes = []installMode{
	{name: "OwnNamespace", operatorNS: "rays", clusterNS: "rays", targets: []string{"rays"}},
	{name: "SingleNamespace", operatorNS: "ray-op-single", clusterNS: "rays-single", targets: []string{"rays-single"}},
	{name: "MultiNamespace", operatorNS: "ray-op-multi", clusterNS: "rays-multi-b", targets: []string{"rays-multi-a", "rays-multi-b"}},
	{name: "AllNamespaces", operatorNS: "ray-ha-operator-system", clusterNS: "rays-all"},
}

// watch is WATCH_NAMESPACE as OLM sets it for the mode ("" for all).
func (m installMode) watch() string { return strings.Join(m.targets, ",") }

// testLifecycleWithBundleRBAC is the proof: with only the bundle's
// permissions, granted as OLM grants them in the install mode, the operator
// installs a RayCluster, sees its head replaced, and on delete uninstalls it
// and cleans its GCS data from Redis. Any "forbidden" in its log fails; in
// a namespace-scoped mode its token must not reach other namespaces' Secrets.
func testLifecycleWithBundleRBAC(t *testing.T, c *simcluster.Cluster, admin client.Client, l Layout, m installMode, op operatorBinary) {
	ctx := context.Background()
	ns := m.clusterNS
	for _, n := range append([]string{m.operatorNS, ns}, m.targets...) {
		if err := admin.Get(ctx, client.ObjectKey{Name: n}, &corev1.Namespace{}); apierrors.IsNotFound(err) {
			createNamespace(t, admin, n, restrictedLabels)
		}
	}
	// The bundle carries a ServiceMonitor and a PrometheusRule: OLM
	// installs it only where the Prometheus Operator's CRDs are served
	// (always on OpenShift).
	if err := InstallMonitoringCRDs(ctx, admin); err != nil {
		t.Fatal(err)
	}
	csv, err := Install(ctx, admin, l.BundleDir, m.operatorNS, m.targets)
	if err != nil {
		t.Fatal(err)
	}
	for _, owned := range csv.Spec.CustomResourceDefinitions.Owned {
		harness.Eventually(t, 30*time.Second, "CRD "+owned.Name+" established", func(ctx context.Context) (bool, string, error) {
			ok, err := crdEstablished(ctx, admin, owned.Name)
			return ok, "", err
		})
	}
	sa := csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs[0].Spec.Template.Spec.ServiceAccountName
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	saConfig, err := ServiceAccountKubeconfig(ctx, c.RESTConfig(), m.operatorNS, sa, kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if m.targets != nil {
		assertNoSecretsElsewhere(t, admin, saConfig)
	}
	assertSecretWrites(t, saConfig, m)

	redis := redisserver.Start(t, redisserver.Options{Password: "bundle-test-password"})
	storageNS := "bundle-sim-" + strings.ToLower(m.name)
	seedGCS(t, redis, storageNS)
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "redis-password"},
		StringData: map[string]string{"password": "bundle-test-password"},
	}
	if err := admin.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}

	// The RBAC authorizer learns of the new Roles and bindings from its
	// own watch and may lag behind their creation: start the operator only
	// once they are in force, so that a "forbidden" in its log still means
	// a permission the bundle lacks.
	waitGranted(t, admin, csv, m)

	proc := startOperator(t, kubeconfig, m, op)
	// A missing permission usually shows up first as a wait that times out;
	// name the denied request too.
	t.Cleanup(func() {
		if t.Failed() {
			assertNoForbidden(t, proc.Log())
		}
	})

	rc := rayCluster(t, l, ns, redis.Addr(), storageNS)
	if err := admin.Create(ctx, rc); err != nil {
		t.Fatalf("creating RayCluster: %v", err)
	}
	name := rc.GetName()
	harness.Eventually(t, 2*time.Minute, "RayCluster Deployed=True", func(ctx context.Context) (bool, string, error) {
		return conditionTrue(ctx, admin, ns, name, "Deployed")
	})
	assertReleaseInOperatorNamespace(ctx, t, admin, m, name)
	head := waitHeadRunning(t, admin, ns, name, "")
	waitWorkersRunning(t, admin, ns, name)
	assertAutoscalerRBAC(ctx, t, admin, ns, name)
	cleansRedis := hasFinalizer(ctx, t, admin, rc, raycluster.RedisCleanupFinalizer)

	if err := admin.Delete(ctx, head); err != nil {
		t.Fatalf("deleting the head pod: %v", err)
	}
	waitHeadRunning(t, admin, ns, name, head.UID)

	if err := admin.Delete(ctx, rc); err != nil {
		t.Fatalf("deleting the RayCluster: %v", err)
	}
	harness.Eventually(t, 2*time.Minute, "RayCluster gone", func(ctx context.Context) (bool, string, error) {
		cur := rc.DeepCopy()
		err := admin.Get(ctx, client.ObjectKeyFromObject(rc), cur)
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		return false, fmt.Sprintf("finalizers %v", cur.GetFinalizers()), client.IgnoreNotFound(err)
	})
	harness.Eventually(t, 30*time.Second, "head StatefulSet uninstalled", func(ctx context.Context) (bool, string, error) {
		err := admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: name + "-head"}, &appsv1.StatefulSet{})
		return apierrors.IsNotFound(err), "", client.IgnoreNotFound(err)
	})
	assertNoForbidden(t, proc.Log())
	// The clean-up is the RayCluster hooks' job; an operator build without
	// them never adds their finalizer, and then there is nothing to verify.
	if !cleansRedis {
		t.Skipf("Redis clean-up not verified: the operator never put finalizer %s on the RayCluster "+
			"(main.go does not register the RayCluster hooks)", raycluster.RedisCleanupFinalizer)
	}
	if keys := gcsKeys(t, redis, storageNS); len(keys) != 0 {
		t.Errorf("GCS keys left in Redis after delete: %v", keys)
	}
}

// waitGranted waits until the API server authorizes every request the
// CSV grants the operator's ServiceAccounts, as Install bound them for
// install mode m: `permissions` in the operator's namespace (across all
// namespaces in AllNamespaces mode, and in the target namespaces too
// otherwise), `clusterPermissions` cluster-wide.
func waitGranted(t *testing.T, admin client.Client, csv *operatorsv1alpha1.ClusterServiceVersion, m installMode) {
	t.Helper()
	type grant struct {
		sa, ns string
		rules  []rbacv1.PolicyRule
	}
	spec := csv.Spec.InstallStrategy.StrategySpec
	var grants []grant
	for _, p := range spec.Permissions {
		if m.targets == nil {
			grants = append(grants, grant{p.ServiceAccountName, "", p.Rules})
			continue
		}
		for _, ns := range GrantedNamespaces(m.operatorNS, m.targets) {
			grants = append(grants, grant{p.ServiceAccountName, ns, p.Rules})
		}
	}
	for _, p := range spec.ClusterPermissions {
		grants = append(grants, grant{p.ServiceAccountName, "", p.Rules})
	}
	var reviews []*authorizationv1.SubjectAccessReview
	for _, g := range grants {
		for _, r := range g.rules {
			for _, attrs := range accessAttributes(g.ns, r) {
				reviews = append(reviews, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
					User:                  "system:serviceaccount:" + m.operatorNS + ":" + g.sa,
					Groups:                []string{"system:serviceaccounts", "system:serviceaccounts:" + m.operatorNS, "system:authenticated"},
					ResourceAttributes:    attrs.res,
					NonResourceAttributes: attrs.nonRes,
				}})
			}
		}
	}
	if len(reviews) == 0 {
		t.Fatal("the CSV grants its ServiceAccounts nothing")
	}
	harness.Eventually(t, 30*time.Second, fmt.Sprintf("the bundle's %d granted requests authorized", len(reviews)), func(ctx context.Context) (bool, string, error) {
		for _, r := range reviews {
			sar := r.DeepCopy()
			if err := admin.Create(ctx, sar); err != nil {
				return false, "", err
			}
			if !sar.Status.Allowed {
				var what any = sar.Spec.NonResourceAttributes
				if a := sar.Spec.ResourceAttributes; a != nil {
					what = *a
				}
				return false, fmt.Sprintf("%+v not allowed yet: %s", what, sar.Status.Reason), nil
			}
		}
		return true, "", nil
	})
}

type accessAttrs struct {
	res    *authorizationv1.ResourceAttributes
	nonRes *authorizationv1.NonResourceAttributes
}

// accessAttributes lists the requests one policy rule allows, in namespace
// ns ("" for cluster-wide).
func accessAttributes(ns string, r rbacv1.PolicyRule) []accessAttrs {
	var out []accessAttrs
	for _, verb := range r.Verbs {
		for _, url := range r.NonResourceURLs {
			out = append(out, accessAttrs{nonRes: &authorizationv1.NonResourceAttributes{Path: url, Verb: verb}})
		}
		names := r.ResourceNames
		if len(names) == 0 {
			names = []string{""}
		}
		for _, group := range r.APIGroups {
			for _, res := range r.Resources {
				resource, sub, _ := strings.Cut(res, "/")
				for _, name := range names {
					out = append(out, accessAttrs{res: &authorizationv1.ResourceAttributes{
						Namespace: ns, Verb: verb, Group: group, Resource: resource, Subresource: sub, Name: name}})
				}
			}
		}
	}
	return out
}

// assertNoSecretsElsewhere checks the point of namespaced permissions: the
// operator's token cannot read Secrets outside the namespaces it serves.
func assertNoSecretsElsewhere(t *testing.T, admin client.Client, saConfig *rest.Config) {
	t.Helper()
	other := createNamespace(t, admin, "not-served-"+strconv.FormatInt(time.Now().UnixNano(), 36), nil)
	saClient, err := client.New(saConfig, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var secrets corev1.SecretList
	if err := saClient.List(context.Background(), &secrets, client.InNamespace(other)); !apierrors.IsForbidden(err) {
		t.Errorf("listing Secrets in a namespace the operator does not serve: err = %v, want Forbidden", err)
	}
}

func hasFinalizer(ctx context.Context, t *testing.T, c client.Client, obj *unstructured.Unstructured, finalizer string) bool {
	t.Helper()
	cur := obj.DeepCopy()
	if err := c.Get(ctx, client.ObjectKeyFromObject(obj), cur); err != nil {
		t.Fatal(err)
	}
	return slices.Contains(cur.GetFinalizers(), finalizer)
}

// seedGCS writes keys the way Ray's GCS stores its tables, so the clean-up
// on delete has something to remove.
func seedGCS(t *testing.T, srv *redisserver.Server, storageNS string) {
	t.Helper()
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), Password: "bundle-test-password"})
	defer rdb.Close()
	for _, table := range []string{"NODE", "JOB", "ACTOR"} {
		if err := rdb.HSet(context.Background(), "RAY"+storageNS+"@"+table, "k", "v").Err(); err != nil {
			t.Fatalf("seeding Redis: %v", err)
		}
	}
}

func gcsKeys(t *testing.T, srv *redisserver.Server, storageNS string) []string {
	t.Helper()
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), Password: "bundle-test-password"})
	defer rdb.Close()
	keys, err := rdb.Keys(context.Background(), "RAY"+storageNS+"@*").Result()
	if err != nil {
		t.Fatalf("listing GCS keys: %v", err)
	}
	return keys
}

// rayCluster is the minimal sample with GCS fault tolerance pointed at the
// test's Redis, its password read from a Secret, and the Ray autoscaler on.
func rayCluster(t *testing.T, l Layout, ns, redisAddr, storageNS string) *unstructured.Unstructured {
	t.Helper()
	u, err := readObject(filepath.Join(l.Root, "config", "samples", "ray_v1_raycluster_minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	u.SetNamespace(ns)
	ft := map[string]any{
		"redisAddress":             redisAddr,
		"externalStorageNamespace": storageNS,
		"redisPassword": map[string]any{"valueFrom": map[string]any{
			"secretKeyRef": map[string]any{"name": "redis-password", "key": "password"},
		}},
	}
	if err := unstructured.SetNestedMap(u.Object, ft, "spec", "gcsFaultToleranceOptions"); err != nil {
		t.Fatal(err)
	}
	// With the autoscaler the chart also renders a ServiceAccount, Role and
	// RoleBinding: the API server lets the operator create that Role only
	// if the bundle grants the operator every permission in it.
	if err := unstructured.SetNestedField(u.Object, true, "spec", "enableInTreeAutoscaling"); err != nil {
		t.Fatal(err)
	}
	return u
}

// assertAutoscalerRBAC: the operator, with the bundle's permissions only,
// created the autoscaler's ServiceAccount, Role and RoleBinding.
func assertAutoscalerRBAC(ctx context.Context, t *testing.T, admin client.Client, ns, name string) {
	t.Helper()
	for _, obj := range []client.Object{&corev1.ServiceAccount{}, &rbacv1.Role{}, &rbacv1.RoleBinding{}} {
		if err := admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj); err != nil {
			t.Errorf("the autoscaler's %T %s/%s: %v", obj, ns, name, err)
		}
	}
}

func conditionTrue(ctx context.Context, c client.Client, ns, name, cond string) (bool, string, error) {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("ray.io/v1")
	u.SetKind("RayCluster")
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u); err != nil {
		return false, "", client.IgnoreNotFound(err)
	}
	raw, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	var conds []metav1.Condition
	for _, r := range raw {
		m, _ := r.(map[string]any)
		var mc metav1.Condition
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &mc); err == nil {
			conds = append(conds, mc)
		}
	}
	got := meta.FindStatusCondition(conds, cond)
	if got == nil {
		return false, "no condition yet", nil
	}
	return got.Status == metav1.ConditionTrue, got.Reason + ": " + got.Message, nil
}

// waitHeadRunning waits for a running head pod other than the one with UID
// old (none when old is empty).
func waitHeadRunning(t *testing.T, c client.Client, ns, cluster string, oldUID types.UID) *corev1.Pod {
	t.Helper()
	var head corev1.Pod
	harness.Eventually(t, time.Minute, "head pod running", func(ctx context.Context) (bool, string, error) {
		err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: cluster + "-head-0"}, &head)
		if err != nil {
			return false, "", client.IgnoreNotFound(err)
		}
		ok := head.UID != oldUID && head.DeletionTimestamp == nil && head.Status.Phase == corev1.PodRunning
		return ok, string(head.Status.Phase), nil
	})
	return &head
}

func waitWorkersRunning(t *testing.T, c client.Client, ns, cluster string) {
	t.Helper()
	harness.Eventually(t, time.Minute, "worker pods running", func(ctx context.Context) (bool, string, error) {
		var sets appsv1.ReplicaSetList
		if err := c.List(ctx, &sets, client.InNamespace(ns), client.MatchingLabels{"ray.io/cluster": cluster}); err != nil {
			return false, "", err
		}
		if len(sets.Items) == 0 {
			return false, "no worker ReplicaSet", nil
		}
		for _, rs := range sets.Items {
			if rs.Status.ReadyReplicas < *rs.Spec.Replicas {
				return false, fmt.Sprintf("%s: %d/%d ready; %s", rs.Name, rs.Status.ReadyReplicas, *rs.Spec.Replicas, replicaSetFailures(ctx, c, ns)), nil
			}
		}
		return true, "", nil
	})
}

// forbiddenRe finds RBAC denials in the operator's log.
var forbiddenRe = regexp.MustCompile(`(?i)forbidden`)

func assertNoForbidden(t *testing.T, log string) {
	t.Helper()
	for _, line := range strings.Split(log, "\n") {
		if forbiddenRe.MatchString(line) {
			t.Errorf("operator hit a missing permission: %s", line)
		}
	}
}

// operatorBinary is the operator a lifecycle test runs: bin from dir (where
// watches.yaml and the chart are), or, when zero, the operator built from
// the source tree and run from the module root.
type operatorBinary struct{ bin, dir string }

// startOperator runs the operator binary with the ServiceAccount kubeconfig
// and leader election on, as the bundle's Deployment does, with
// WATCH_NAMESPACE set as OLM sets it for the install mode.
func startOperator(t *testing.T, kubeconfig string, m installMode, op operatorBinary) *operatorproc.Process {
	t.Helper()
	operators := harness.NewBinaries(t, kubeconfig, "--leader-elect", "--leader-election-namespace="+m.operatorNS)
	// As the CSV's Deployment sets them: WATCH_NAMESPACE from the
	// OperatorGroup, POD_NAMESPACE from the downward API.
	operators.Env = []string{"WATCH_NAMESPACE=" + m.watch(), "POD_NAMESPACE=" + m.operatorNS}
	operators.Bin, operators.Dir = op.bin, op.dir
	return operators.Start()
}

func adminClient(t *testing.T, c *simcluster.Cluster) client.Client {
	t.Helper()
	cl, err := client.New(c.RESTConfig(), client.Options{Scheme: harness.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func createNamespace(t *testing.T, c client.Client, name string, labels map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if err := c.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	return name
}
