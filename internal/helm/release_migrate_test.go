package helm

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestMoveLegacyRelease is the upgrade: a release an earlier version kept
// in the resource's namespace (two revisions) is moved into the store by
// the new operator with the same history, no install or upgrade, and the
// rendered objects untouched. Allowed to delete, the old Secrets go; with
// the shipped RBAC (Secrets read-only where it serves) they are kept,
// unread, and reported once.
func TestMoveLegacyRelease(t *testing.T) {
	api := startAPIServer(t)
	tests := map[string]struct {
		readOnlySecrets bool
		// storeInResourceNS: the operator serves its own namespace (OLM's
		// OwnNamespace), so old and moved Secrets share it.
		storeInResourceNS bool
		wantOldLeft       []string
		wantKeptEvents    int
	}{
		"allowed to delete the old Secrets":     {},
		"reads Secrets only where it serves":    {readOnlySecrets: true, wantOldLeft: []string{"1", "2"}, wantKeptEvents: 1},
		"the store is the resource's namespace": {storeInResourceNS: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			old := api.startOperator(t, nil) // the earlier layout
			ns := old.ns
			if err := api.client.Create(ctx, newWidget(ns, "moved", map[string]any{"message": "one", "replicas": int64(1)})); err != nil {
				t.Fatal(err)
			}
			api.waitDeployed(t, ns, "moved", 1)
			u := api.getWidget(t, ns, "moved")
			u.Object["spec"].(map[string]any)["message"] = "two"
			if err := api.client.Update(ctx, u); err != nil {
				t.Fatal(err)
			}
			api.waitDeployed(t, ns, "moved", 2)
			old.stop()
			if got := api.legacySecrets(t, ns, "moved"); !slices.Equal(got, []string{"1", "2"}) {
				t.Fatalf("the earlier layout kept revisions %v in %s, want [1 2]", got, ns)
			}
			rendered := renderedObjects(t, api, ns)

			store := ns
			if !tc.storeInResourceNS {
				store = api.createNamespace(t, ns+"-rel")
			}
			runner := api
			if tc.readOnlySecrets {
				runner = api.readOnlySecretsIdentity(t, ns, store)
			}
			op := runner.startOperatorIn(t, ns, func(o *Options) { o.ReleaseNamespace = store })
			eventually(t, 30*time.Second, "a reconcile after the move", func() error {
				if op.postRuns.count() == 0 {
					return fmt.Errorf("no post hook run yet")
				}
				return nil
			})

			api.waitDeployed(t, ns, "moved", 2)
			if got := api.storeSecrets(t, store, ns, "moved"); !slices.Equal(got, []string{"1", "2"}) {
				t.Errorf("revisions in the store = %v, want [1 2]", got)
			}
			if got := api.legacySecrets(t, ns, "moved"); !slices.Equal(got, tc.wantOldLeft) {
				t.Errorf("revisions left in %s = %v, want %v", ns, got, tc.wantOldLeft)
			}
			if got := renderedObjects(t, api, ns); !maps.Equal(got, rendered) {
				t.Errorf("rendered objects changed by the move:\nbefore %v\nafter  %v", rendered, got)
			}
			want := map[string]int{EventReleaseMoved: 1, EventLegacyReleaseKept: tc.wantKeptEvents,
				EventInstallSucceeded: 1, EventUpgradeSucceeded: 1}
			events := func(when string) {
				eventually(t, 10*time.Second, "events "+when, func() error {
					got := eventCounts(t, api, ns, "moved")
					for reason, n := range want {
						if got[reason] != n {
							return fmt.Errorf("%s events = %d, want %d (all: %v)", reason, got[reason], n, got)
						}
					}
					return nil
				})
			}
			events("after the move")

			// A restart finds the move done: nothing is copied or
			// reported again, even where the old Secrets are still there.
			op.stop()
			again := runner.startOperatorIn(t, ns, func(o *Options) { o.ReleaseNamespace = store })
			eventually(t, 30*time.Second, "a reconcile after the restart", func() error {
				if again.postRuns.count() == 0 {
					return fmt.Errorf("no post hook run yet")
				}
				return nil
			})
			if got := api.storeSecrets(t, store, ns, "moved"); !slices.Equal(got, []string{"1", "2"}) {
				t.Errorf("revisions in the store after a restart = %v, want [1 2]", got)
			}
			events("after a restart")
		})
	}
}

// renderedObjects maps each object the Widget chart renders in ns to its
// UID and resourceVersion: any re-creation or write changes it.
func renderedObjects(t *testing.T, api *apiServer, ns string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lists := map[string]client.ObjectList{"Deployment": &appsv1.DeploymentList{}, "ConfigMap": &corev1.ConfigMapList{}, "Service": &corev1.ServiceList{}}
	for kind, l := range lists {
		if err := api.client.List(context.Background(), l, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		items, _ := metaItems(l)
		for _, o := range items {
			if o.GetLabels()["app.kubernetes.io/instance"] == "" && kind == "ConfigMap" {
				continue // kube-root-ca.crt and the like
			}
			out[kind+"/"+o.GetName()] = string(o.GetUID()) + "@" + o.GetResourceVersion()
		}
	}
	if len(out) == 0 {
		t.Fatal("the Widget rendered nothing")
	}
	return out
}

func metaItems(l client.ObjectList) ([]metav1.Object, error) {
	var out []metav1.Object
	switch l := l.(type) {
	case *appsv1.DeploymentList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *corev1.ConfigMapList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *corev1.ServiceList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	}
	return out, nil
}

func eventCounts(t *testing.T, api *apiServer, ns, name string) map[string]int {
	t.Helper()
	var list eventsv1.EventList
	if err := api.client.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range list.Items {
		if e.Regarding.Name == name {
			n := int(e.DeprecatedCount)
			out[e.Reason] += max(n, 1)
		}
	}
	return out
}

// readOnlySecretsIdentity is the API server as a user with the shipped
// operator's Secret permissions: everything the Widget chart needs where it
// serves, Secrets there read-only, and Secrets writable in the store only.
func (a *apiServer) readOnlySecretsIdentity(t *testing.T, ns, store string) *apiServer {
	t.Helper()
	ctx := context.Background()
	user := "operator-" + ns
	rules := []rbacv1.PolicyRule{
		{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"", "apps", "events.k8s.io", widgetGVK.Group},
			Resources: []string{"configmaps", "services", "deployments", "pods", "events", "widgets", "widgets/status", "widgets/finalizers"},
			Verbs:     []string{"*"}},
	}
	subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}
	objs := []client.Object{
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: user}, Rules: rules},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: user}, Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: user}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: store, Name: "release-storage"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"*"}}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: store, Name: "release-storage"}, Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "release-storage"}},
	}
	for _, o := range objs {
		if err := a.client.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	cfg := rest.CopyConfig(a.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	as, err := client.New(cfg, client.Options{Scheme: a.client.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	probe := func(ns string) error {
		return as.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "probe"}}, client.DryRunAll)
	}
	// The authorizer learns of new bindings from its own watch.
	eventually(t, 10*time.Second, "the narrowed RBAC in force", func() error {
		if err := probe(store); err != nil {
			return err
		}
		if err := probe(ns); !apierrors.IsForbidden(err) {
			return fmt.Errorf("creating a Secret in %s: %v, want Forbidden", ns, err)
		}
		return nil
	})
	return &apiServer{cfg: cfg, client: a.client}
}
