package simcluster_test

import (
	"context"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// testServiceAccountToken checks what running an operator under its own
// identity needs: TokenRequest issues a ServiceAccount token, and RBAC
// denies, then allows, what a Role grants.
func testServiceAccountToken(t *testing.T, c *simcluster.Cluster) {
	ctx := context.Background()
	cl := c.Client()
	ns := createNamespace(t, cl, "rbac")
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "operator"}}
	if err := cl.Create(ctx, sa); err != nil {
		t.Fatalf("creating service account: %v", err)
	}
	cs, err := kubernetes.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa.Name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("requesting a token: %v", err)
	}
	cfg := rest.AnonymousClientConfig(c.RESTConfig())
	cfg.BearerToken = tr.Status.Token
	saClient, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var pods corev1.PodList
	if err := saClient.List(ctx, &pods, client.InNamespace(ns)); !apierrors.IsForbidden(err) {
		t.Fatalf("listing pods without a role: err = %v, want Forbidden", err)
	}

	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pod-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list"}}},
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "operator-reads-pods"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: sa.Name}},
	}
	for _, obj := range []client.Object{role, binding} {
		if err := cl.Create(ctx, obj); err != nil {
			t.Fatalf("creating %T: %v", obj, err)
		}
	}
	harness.Eventually(t, 10*time.Second, "pods listed with the granted role", func(ctx context.Context) (bool, string, error) {
		err := saClient.List(ctx, &pods, client.InNamespace(ns))
		if err != nil && !apierrors.IsForbidden(err) {
			return false, "", err
		}
		return err == nil, "", nil
	})
	if err := saClient.List(ctx, &pods, client.InNamespace("default")); !apierrors.IsForbidden(err) {
		t.Fatalf("listing pods outside the role's namespace: err = %v, want Forbidden", err)
	}
}
