package bundle

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// TestRealOLM installs the bundle with OLM v0's own olm operator, built
// from the module proxy, on the simulated cluster: for every install mode
// the CSV claims, an OperatorGroup and the CSV, and OLM must report the
// CSV Succeeded and create the Deployment. The operator then runs with
// exactly that Deployment's arguments and environment (what OLM injects
// included; listen addresses and the watches file path excepted, as the
// process runs outside a pod) and the token of its ServiceAccount, with
// the RBAC OLM copied into the target namespaces, and reconciles a
// RayCluster. The catalog operator's part (executing the InstallPlan) is
// emulated by InstallPlanSteps: it needs a catalog registry pod.
func TestRealOLM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs OLM: skipped with -short")
	}
	l := mustLayout(t)
	olmBin, olmDir, err := BuildOLM(l.Root)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("OLM %s cannot be built: %v", OLMVersion, err)
		}
		t.Skipf("OLM %s cannot be built here, so the bundle is checked with the OLM emulation only: %v", OLMVersion, err)
	}
	c := simcluster.StartForTest(t, simcluster.Options{Nodes: 2})
	admin := adminClient(t, c)
	ctx := context.Background()
	crds, err := OLMCRDs(olmDir)
	if err != nil || len(crds) == 0 {
		t.Fatalf("OLM's CRDs in %s: %v (found %d)", olmDir, err, len(crds))
	}
	for _, f := range crds {
		u, err := readObject(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := admin.Create(ctx, u); err != nil {
			t.Fatalf("creating OLM CRD %s: %v", u.GetName(), err)
		}
		harness.Eventually(t, 30*time.Second, "CRD "+u.GetName()+" established", func(ctx context.Context) (bool, string, error) {
			ok, err := crdEstablished(ctx, admin, u.GetName())
			return ok, "", err
		})
	}
	if err := InstallMonitoringCRDs(ctx, admin); err != nil {
		t.Fatal(err)
	}
	startOLM(t, olmBin, c.Kubeconfig(), filepath.Join(t.TempDir(), "olm.log"))

	for _, m := range installModes {
		t.Run(m.name, func(t *testing.T) { testInstalledByOLM(t, c, admin, l, olmMode(m)) })
	}
}

// olmMode is m in namespaces of its own, apart from the emulated installs.
func olmMode(m installMode) installMode {
	prefix := func(ns string) string { return "olm-" + ns }
	out := installMode{name: m.name, operatorNS: prefix(m.operatorNS), clusterNS: prefix(m.clusterNS)}
	for _, t := range m.targets {
		out.targets = append(out.targets, prefix(t))
	}
	return out
}

func startOLM(t *testing.T, bin, kubeconfig, logPath string) {
	t.Helper()
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--namespace=olm", "--writeStatusName=")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting OLM: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			data, _ := os.ReadFile(logPath)
			if len(data) > 6000 {
				data = data[len(data)-6000:]
			}
			t.Logf("OLM log (end):\n%s", data)
		}
	})
}

func testInstalledByOLM(t *testing.T, c *simcluster.Cluster, admin client.Client, l Layout, m installMode) {
	ctx := context.Background()
	for _, n := range append([]string{m.operatorNS, m.clusterNS}, m.targets...) {
		if err := admin.Get(ctx, client.ObjectKey{Name: n}, &corev1.Namespace{}); apierrors.IsNotFound(err) {
			createNamespace(t, admin, n, restrictedLabels)
		}
	}
	og := createOperatorGroup(t, admin, m)
	csv, err := InstallPlanSteps(ctx, admin, l.BundleDir, m.operatorNS)
	if err != nil {
		t.Fatal(err)
	}
	// OLM refuses a CSV whose OperatorGroup's namespaces intersect those of
	// another group providing the same APIs (InterOperatorGroupOwnerConflict):
	// each mode uninstalls before the next installs.
	t.Cleanup(func() { uninstallOLM(t, admin, og, csv) })
	harness.Eventually(t, 3*time.Minute, "OLM reports CSV "+csv.Name+" Succeeded", func(ctx context.Context) (bool, string, error) {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(csvGVK)
		if err := admin.Get(ctx, client.ObjectKey{Namespace: m.operatorNS, Name: csv.Name}, u); err != nil {
			return false, "", err
		}
		phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
		reason, _, _ := unstructured.NestedString(u.Object, "status", "reason")
		msg, _, _ := unstructured.NestedString(u.Object, "status", "message")
		return phase == "Succeeded", fmt.Sprintf("%s %s: %s", phase, reason, msg), nil
	})
	name := csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs[0].Name
	var dep appsv1.Deployment
	if err := admin.Get(ctx, client.ObjectKey{Namespace: m.operatorNS, Name: name}, &dep); err != nil {
		t.Fatalf("the Deployment OLM created: %v", err)
	}
	if got := dep.Spec.Template.Annotations["olm.targetNamespaces"]; got != m.watch() {
		t.Errorf("OLM set olm.targetNamespaces=%q, want %q", got, m.watch())
	}
	assertOLMGranted(t, admin, csv, m)
	args, env := deploymentProcess(t, &dep)
	// In a pod, leader election finds its namespace in the ServiceAccount
	// mount; a process outside one is told.
	args = append(args, "--leader-election-namespace="+m.operatorNS)

	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	sa := dep.Spec.Template.Spec.ServiceAccountName
	if _, err := ServiceAccountKubeconfig(ctx, c.RESTConfig(), m.operatorNS, sa, kubeconfig); err != nil {
		t.Fatal(err)
	}
	redis := redisserver.Start(t, redisserver.Options{Password: "olm-test-password"})
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: m.clusterNS, Name: "redis-password"},
		StringData: map[string]string{"password": "olm-test-password"},
	}
	if err := admin.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	operators := harness.NewBinaries(t, kubeconfig, args...)
	operators.Env = env
	p := operators.Start()
	rc := rayCluster(t, l, m.clusterNS, redis.Addr(), "olm-"+strings.ToLower(m.name))
	if err := admin.Create(ctx, rc); err != nil {
		t.Fatalf("creating RayCluster: %v", err)
	}
	harness.Eventually(t, 2*time.Minute, "RayCluster Deployed=True", func(ctx context.Context) (bool, string, error) {
		return conditionTrue(ctx, admin, m.clusterNS, rc.GetName(), "Deployed")
	})
	waitHeadRunning(t, admin, m.clusterNS, rc.GetName(), "")
	assertNoForbidden(t, p.Log())
	if err := admin.Delete(ctx, rc); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 2*time.Minute, "RayCluster gone", func(ctx context.Context) (bool, string, error) {
		err := admin.Get(ctx, client.ObjectKeyFromObject(rc), rc.DeepCopy())
		return apierrors.IsNotFound(err), "", client.IgnoreNotFound(err)
	})
	p.Stop()
}

// assertOLMGranted: the olm operator, not the test, made the CSV's
// `permissions` reach the watched namespaces: in every target namespace
// besides the operator's, a copy of each Role, owned by the CSV OLM copies
// there and labelled olm.copiedFrom; for AllNamespaces, a ClusterRole
// lifted from each Role, next to the clusterPermissions' own.
func assertOLMGranted(t *testing.T, admin client.Client, csv *operatorsv1alpha1.ClusterServiceVersion, m installMode) {
	t.Helper()
	spec := csv.Spec.InstallStrategy.StrategySpec
	if m.targets == nil {
		want := len(spec.Permissions) + len(spec.ClusterPermissions)
		owned := client.MatchingLabels{"olm.owner": csv.Name, "olm.owner.namespace": m.operatorNS}
		harness.Eventually(t, 30*time.Second, fmt.Sprintf("%d ClusterRoles owned by the CSV", want), func(ctx context.Context) (bool, string, error) {
			var roles rbacv1.ClusterRoleList
			err := admin.List(ctx, &roles, owned)
			return len(roles.Items) == want, fmt.Sprintf("%d", len(roles.Items)), err
		})
		return
	}
	for _, ns := range m.targets {
		if ns == m.operatorNS {
			continue
		}
		copied := client.MatchingLabels{"olm.owner": csv.Name, "olm.owner.namespace": ns, "olm.copiedFrom": m.operatorNS}
		harness.Eventually(t, 30*time.Second, "OLM's copies of the CSV's Roles in "+ns, func(ctx context.Context) (bool, string, error) {
			var roles rbacv1.RoleList
			err := admin.List(ctx, &roles, copied, client.InNamespace(ns))
			return len(roles.Items) == len(spec.Permissions), fmt.Sprintf("%d of %d", len(roles.Items), len(spec.Permissions)), err
		})
	}
}

var csvGVK = schema.GroupVersionKind{Group: "operators.coreos.com", Version: "v1alpha1", Kind: "ClusterServiceVersion"}

// uninstallOLM deletes the CSV and its OperatorGroup, as a user
// uninstalling does, and waits until OLM's Deployment is gone.
func uninstallOLM(t *testing.T, admin client.Client, og *unstructured.Unstructured, csv *operatorsv1alpha1.ClusterServiceVersion) {
	t.Helper()
	ctx := context.Background()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(csvGVK)
	u.SetNamespace(csv.Namespace)
	u.SetName(csv.Name)
	for _, o := range []client.Object{u, og} {
		if err := admin.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
			t.Errorf("deleting %s %s: %v", o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), err)
		}
	}
	name := csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs[0].Name
	harness.Eventually(t, time.Minute, "CSV, OperatorGroup and Deployment gone", func(ctx context.Context) (bool, string, error) {
		for _, o := range []client.Object{u.DeepCopy(), og.DeepCopy(), &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: csv.Namespace, Name: name}}} {
			if err := admin.Get(ctx, client.ObjectKeyFromObject(o), o); !apierrors.IsNotFound(err) {
				return false, fmt.Sprintf("%T %s still there (%v)", o, o.GetName(), err), client.IgnoreNotFound(err)
			}
		}
		return true, "", nil
	})
}

func createOperatorGroup(t *testing.T, admin client.Client, m installMode) *unstructured.Unstructured {
	t.Helper()
	og := &unstructured.Unstructured{}
	og.SetGroupVersionKind(schema.GroupVersionKind{Group: "operators.coreos.com", Version: "v1", Kind: "OperatorGroup"})
	og.SetNamespace(m.operatorNS)
	og.SetName("ray-ha-operator")
	spec := map[string]any{}
	if m.targets != nil {
		targets := make([]any, len(m.targets))
		for i, n := range m.targets {
			targets[i] = n
		}
		spec["targetNamespaces"] = targets
	}
	og.Object["spec"] = spec
	if err := admin.Create(context.Background(), og); err != nil {
		t.Fatalf("creating the OperatorGroup: %v", err)
	}
	return og
}

// processOnlyArgs are the Deployment's flags a process outside a pod must
// replace: listen addresses (operatorproc disables them, as ports are
// shared on this machine) and the watches file's path in the image
// (operatorproc points at the source tree's).
var processOnlyArgs = regexp.MustCompile(`^--(metrics-bind-address|health-probe-bind-address|watches-file)=`)

// deploymentProcess is the manager container's arguments and environment
// as the kubelet would give them, field references resolved from the pod
// template OLM wrote.
func deploymentProcess(t *testing.T, dep *appsv1.Deployment) (args, env []string) {
	t.Helper()
	container := dep.Spec.Template.Spec.Containers[0]
	for _, a := range container.Args {
		if !processOnlyArgs.MatchString(a) {
			args = append(args, a)
		}
	}
	annotationRef := regexp.MustCompile(`^metadata\.annotations\['(.+)'\]$`)
	for _, e := range container.Env {
		switch {
		case e.ValueFrom == nil:
			env = append(env, e.Name+"="+e.Value)
		case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace":
			env = append(env, e.Name+"="+dep.Namespace)
		case e.ValueFrom.FieldRef != nil && annotationRef.MatchString(e.ValueFrom.FieldRef.FieldPath):
			key := annotationRef.FindStringSubmatch(e.ValueFrom.FieldRef.FieldPath)[1]
			env = append(env, e.Name+"="+dep.Spec.Template.Annotations[key])
		default:
			t.Fatalf("env %s comes from %+v, which this test cannot resolve outside a pod", e.Name, e.ValueFrom)
		}
	}
	t.Logf("the Deployment OLM made runs %v with %v", args, env)
	return args, env
}

// TestOLMVersionPinned keeps the OLM release in hack/olm/go.mod, the
// Makefile's OLM_VERSION and OLMVersion equal: TestRealOLM reads CRDs from
// the one and runs the binary named after the other.
func TestOLMVersionPinned(t *testing.T) {
	l := mustLayout(t)
	sources := map[string]struct {
		file string
		re   *regexp.Regexp
	}{
		"hack/olm/go.mod": {"hack/olm/go.mod", regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(olmModule) + `\s+(v\S+)`)},
		"Makefile":        {"Makefile", regexp.MustCompile(`(?m)^OLM_VERSION\s*\?=\s*(\S+)`)},
	}
	for name, src := range sources {
		t.Run(name, func(t *testing.T) {
			m := src.re.FindSubmatch(mustRead(t, filepath.Join(l.Root, src.file)))
			if m == nil {
				t.Fatalf("no OLM version in %s", src.file)
			}
			if string(m[1]) != OLMVersion {
				t.Errorf("%s pins OLM %s, OLMVersion is %s", src.file, m[1], OLMVersion)
			}
		})
	}
}
