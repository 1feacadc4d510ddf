package bundle

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// upgradeMode installs the bundle for one target namespace, as
// SingleNamespace does, in namespaces of its own.
var upgradeMode = installMode{name: "Upgrade", operatorNS: "ray-op-upgrade", clusterNS: "rays-upgrade", targets: []string{"rays-upgrade"}}

// testUpgradeMovesRelease is the upgrade from a version that kept release
// history in the RayCluster's namespace: the old layout is made by the
// operator run without POD_NAMESPACE (and, as old versions had, with write
// access to Secrets there); then the operator runs with the bundle's RBAC
// and POD_NAMESPACE. The history moves to the operator's namespace with the
// same revisions, no Ray pod is replaced, and the old Secrets, which the
// bundle's RBAC does not let it delete, stay unread and are reported once.
func testUpgradeMovesRelease(t *testing.T, c *simcluster.Cluster, admin client.Client, l Layout) {
	ctx := context.Background()
	m := upgradeMode
	ns := m.clusterNS
	createNamespace(t, admin, m.operatorNS, restrictedLabels)
	createNamespace(t, admin, ns, restrictedLabels)
	if err := InstallMonitoringCRDs(ctx, admin); err != nil {
		t.Fatal(err)
	}
	csv, err := Install(ctx, admin, l.BundleDir, m.operatorNS, m.targets)
	if err != nil {
		t.Fatal(err)
	}
	redis := redisserver.Start(t, redisserver.Options{Password: "upgrade-password"})
	if err := admin.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "redis-password"},
		StringData: map[string]string{"password": "upgrade-password"},
	}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	// The earlier layout: no POD_NAMESPACE, and the admin's rights.
	olds := harness.NewBinaries(t, c.Kubeconfig())
	olds.Env = []string{"WATCH_NAMESPACE=" + m.watch()}
	old := olds.Start()
	rc := rayCluster(t, l, ns, redis.Addr(), "bundle-sim-upgrade")
	if err := admin.Create(ctx, rc); err != nil {
		t.Fatal(err)
	}
	name := rc.GetName()
	harness.Eventually(t, 2*time.Minute, "RayCluster Deployed=True", func(ctx context.Context) (bool, string, error) {
		return conditionTrue(ctx, admin, ns, name, "Deployed")
	})
	waitHeadRunning(t, admin, ns, name, "")
	waitWorkersRunning(t, admin, ns, name)
	old.Stop()
	oldRevisions := releaseVersions(ctx, t, admin, ns, "owner=helm,name="+name+",!"+helm.ReleaseNamespaceLabel)
	if len(oldRevisions) == 0 {
		t.Fatalf("the old layout left no release Secret in %s", ns)
	}
	pods := podUIDs(ctx, t, admin, ns)

	sa := csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs[0].Spec.Template.Spec.ServiceAccountName
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if _, err := ServiceAccountKubeconfig(ctx, c.RESTConfig(), m.operatorNS, sa, kubeconfig); err != nil {
		t.Fatal(err)
	}
	waitGranted(t, admin, csv, m)
	op := startOperator(t, kubeconfig, m, operatorBinary{})

	want := map[string]int{helm.EventReleaseMoved: 1, helm.EventLegacyReleaseKept: 1}
	harness.Eventually(t, time.Minute, "release moved and reported", func(ctx context.Context) (bool, string, error) {
		got, err := eventReasons(ctx, admin, ns, name)
		if err != nil {
			return false, "", err
		}
		for reason, n := range want {
			if got[reason] != n {
				return false, fmt.Sprintf("events %v", got), nil
			}
		}
		return true, "", nil
	})
	moved := releaseVersions(ctx, t, admin, m.operatorNS, "owner=helm,name="+name+","+helm.ReleaseNamespaceLabel+"="+ns)
	if !slices.Equal(moved, oldRevisions) {
		t.Errorf("revisions in %s = %v, want the old history %v", m.operatorNS, moved, oldRevisions)
	}
	if left := releaseVersions(ctx, t, admin, ns, "owner=helm,name="+name+",!"+helm.ReleaseNamespaceLabel); !slices.Equal(left, oldRevisions) {
		t.Errorf("old Secrets left in %s = %v, want all %v (the bundle's RBAC may not delete them)", ns, left, oldRevisions)
	}
	ok, msg, err := conditionTrue(ctx, admin, ns, name, "Deployed")
	if err != nil || !ok {
		t.Errorf("Deployed after the move: %v %s %v", ok, msg, err)
	}
	if got := podUIDs(ctx, t, admin, ns); !maps.Equal(got, pods) {
		t.Errorf("Ray pods changed by the upgrade:\nbefore %v\nafter  %v", pods, got)
	}
	assertNoForbidden(t, op.Log())
}

func releaseVersions(ctx context.Context, t *testing.T, c client.Client, ns, selector string) []string {
	t.Helper()
	sel, err := metav1.ParseToLabelSelector(selector)
	if err != nil {
		t.Fatal(err)
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	var list corev1.SecretList
	if err := c.List(ctx, &list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: s}); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, sec := range list.Items {
		out = append(out, sec.Labels["version"])
	}
	slices.Sort(out)
	return out
}

func podUIDs(ctx context.Context, t *testing.T, c client.Client, ns string) map[string]string {
	t.Helper()
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range pods.Items {
		out[p.Name] = string(p.UID)
	}
	return out
}

func eventReasons(ctx context.Context, c client.Client, ns, name string) (map[string]int, error) {
	var list eventsv1.EventList
	if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, e := range list.Items {
		if e.Regarding.Name == name {
			out[e.Reason] += max(int(e.DeprecatedCount), 1)
		}
	}
	return out, nil
}
