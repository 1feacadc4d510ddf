package bundle

import (
	"context"
	"slices"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// assertSecretWrites is the point of the release store: with the bundle's
// RBAC the operator may write Secrets in its own namespace (Helm release
// storage) and in no namespace it serves other than that one (in
// OwnNamespace mode they are the same namespace).
func assertSecretWrites(t *testing.T, saConfig *rest.Config, m installMode) {
	t.Helper()
	sa, err := client.New(saConfig, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	served := m.targets
	if served == nil {
		served = []string{m.clusterNS}
	}
	for _, ns := range append([]string{m.operatorNS}, served...) {
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "write-probe"}}
		err := sa.Create(context.Background(), sec, client.DryRunAll)
		switch {
		case ns == m.operatorNS && err != nil:
			t.Errorf("creating a Secret in the operator's namespace %s: %v, want allowed", ns, err)
		case ns != m.operatorNS && !apierrors.IsForbidden(err):
			t.Errorf("creating a Secret in served namespace %s: err = %v, want Forbidden", ns, err)
		}
		if ns == m.operatorNS {
			continue
		}
		for _, verb := range []func() error{
			func() error { return sa.Update(context.Background(), sec, client.DryRunAll) },
			func() error { return sa.Delete(context.Background(), sec, client.DryRunAll) },
		} {
			if err := verb(); !apierrors.IsForbidden(err) {
				t.Errorf("writing a Secret in served namespace %s: err = %v, want Forbidden", ns, err)
			}
		}
	}
}

// assertReleaseInOperatorNamespace: the RayCluster's release history is in
// the operator's namespace, labelled with the RayCluster's, its newest
// revision the deployed one, and none is left in the RayCluster's
// namespace under Helm's own names.
func assertReleaseInOperatorNamespace(ctx context.Context, t *testing.T, admin client.Client, m installMode, name string) {
	t.Helper()
	rc := &unstructured.Unstructured{}
	rc.SetAPIVersion("ray.io/v1")
	rc.SetKind("RayCluster")
	if err := admin.Get(ctx, client.ObjectKey{Namespace: m.clusterNS, Name: name}, rc); err != nil {
		t.Fatal(err)
	}
	deployed, _, _ := unstructured.NestedInt64(rc.Object, "status", "deployedRelease", "revision")
	var stored corev1.SecretList
	if err := admin.List(ctx, &stored, client.InNamespace(m.operatorNS),
		client.MatchingLabels{"owner": "helm", "name": name, helm.ReleaseNamespaceLabel: m.clusterNS}); err != nil {
		t.Fatal(err)
	}
	var revisions []int
	for _, s := range stored.Items {
		v, _ := strconv.Atoi(s.Labels["version"])
		revisions = append(revisions, v)
	}
	if len(revisions) == 0 || slices.Max(revisions) != int(deployed) {
		t.Errorf("release revisions in %s = %v, want the newest to be the deployed revision %d", m.operatorNS, revisions, deployed)
	}
	for _, s := range stored.Items {
		if len(s.OwnerReferences) != 0 {
			t.Errorf("release Secret %s has owner references %v: across namespaces they read as a deleted owner", s.Name, s.OwnerReferences)
		}
	}
	if _, err := clientGetSecret(ctx, admin, m.clusterNS, "sh.helm.release.v1."+name+".v1"); !apierrors.IsNotFound(err) {
		t.Errorf("Helm's own release Secret in %s: err = %v, want NotFound", m.clusterNS, err)
	}
}

func clientGetSecret(ctx context.Context, c client.Client, ns, name string) (*corev1.Secret, error) {
	var s corev1.Secret
	err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &s)
	return &s, err
}
