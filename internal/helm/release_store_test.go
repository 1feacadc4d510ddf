package helm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestStoredNameLimits: the longest namespace and release name give a
// valid Secret name, and the namespace label a valid label value.
func TestStoredNameLimits(t *testing.T) {
	store := releaseStore{namespace: "ray-ha-operator-system"}
	tests := map[string]struct{ ns, release string }{
		"short":   {ns: "a", release: "b"},
		"longest": {ns: strings.Repeat("n", 63), release: strings.Repeat("r", 53)},
		"dashes":  {ns: "team-a", release: "x-y-z"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			key := fmt.Sprintf("sh.helm.release.v1.%s.v%d", tc.release, 1<<31-1)
			got := store.storedName(tc.ns, key)
			if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
				t.Errorf("stored name %q: %v", got, errs)
			}
			if errs := validation.IsValidLabelValue(tc.ns); len(errs) > 0 {
				t.Errorf("namespace label %q: %v", tc.ns, errs)
			}
			if (releaseStore{}).storedName(tc.ns, key) != key {
				t.Error("without a store namespace the name must be Helm's own")
			}
		})
	}
}

// storeSecrets lists the release Secrets of one resource kept in the store
// namespace, and returns their revisions.
func (a *apiServer) storeSecrets(t *testing.T, storeNS, resourceNS, name string) []string {
	t.Helper()
	sel := labels.SelectorFromSet(labels.Set{helmOwnerLabel: helmOwnerValue, helmNameLabel: name, ReleaseNamespaceLabel: resourceNS})
	return a.releaseRevisions(t, storeNS, sel)
}

// legacySecrets lists the release Secrets kept in the resource's namespace
// under Helm's own names (without the store's namespace label).
func (a *apiServer) legacySecrets(t *testing.T, ns, name string) []string {
	t.Helper()
	sel, err := labels.Parse(fmt.Sprintf("%s=%s,%s=%s,!%s", helmOwnerLabel, helmOwnerValue, helmNameLabel, name, ReleaseNamespaceLabel))
	if err != nil {
		t.Fatal(err)
	}
	return a.releaseRevisions(t, ns, sel)
}

func (a *apiServer) releaseRevisions(t *testing.T, ns string, sel labels.Selector) []string {
	t.Helper()
	var list corev1.SecretList
	if err := a.client.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range list.Items {
		out = append(out, s.Labels[helmVersionLabel])
	}
	slices.Sort(out)
	return out
}

func (a *apiServer) createNamespace(t *testing.T, name string) string {
	t.Helper()
	if err := a.client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	return name
}

// TestReleasesOfSameNameInTwoNamespaces: two Widgets of one name in two
// namespaces keep separate histories in one store namespace, and deleting
// one removes its history only.
func TestReleasesOfSameNameInTwoNamespaces(t *testing.T) {
	api := startAPIServer(t)
	ctx := context.Background()
	store := api.createNamespace(t, namespaceFor("store"))
	a := api.startOperator(t, func(o *Options) { o.ReleaseNamespace = store })
	b := api.startOperatorIn(t, api.createNamespace(t, a.ns+"-b"), func(o *Options) { o.ReleaseNamespace = store })

	for _, ns := range []string{a.ns, b.ns} {
		if err := api.client.Create(ctx, newWidget(ns, "same", map[string]any{"message": "m", "replicas": int64(1)})); err != nil {
			t.Fatal(err)
		}
		api.waitDeployed(t, ns, "same", 1)
	}
	u := api.getWidget(t, a.ns, "same")
	u.Object["spec"].(map[string]any)["message"] = "changed"
	if err := api.client.Update(ctx, u); err != nil {
		t.Fatal(err)
	}
	api.waitDeployed(t, a.ns, "same", 2)

	if got := api.storeSecrets(t, store, a.ns, "same"); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("revisions of %s/same in the store = %v, want [1 2]", a.ns, got)
	}
	if got := api.storeSecrets(t, store, b.ns, "same"); !slices.Equal(got, []string{"1"}) {
		t.Errorf("revisions of %s/same in the store = %v, want [1]", b.ns, got)
	}
	for _, ns := range []string{a.ns, b.ns} {
		if got := api.legacySecrets(t, ns, "same"); len(got) != 0 {
			t.Errorf("release Secrets in the resource namespace %s: %v, want none", ns, got)
		}
	}

	if err := api.client.Delete(ctx, u); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "history of the deleted Widget gone", func() error {
		if got := api.storeSecrets(t, store, a.ns, "same"); len(got) != 0 {
			return fmt.Errorf("revisions left: %v", got)
		}
		return nil
	})
	if got := api.storeSecrets(t, store, b.ns, "same"); !slices.Equal(got, []string{"1"}) {
		t.Errorf("revisions of %s/same after the other was deleted = %v, want [1]", b.ns, got)
	}
}
