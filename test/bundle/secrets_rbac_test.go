package bundle

import (
	"path/filepath"
	"slices"
	"testing"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// secretWriteVerbs are the verbs that change Secrets.
var secretWriteVerbs = []string{"create", "update", "patch", "delete", "deletecollection", "*"}

func writesSecrets(r rbacv1.PolicyRule) bool {
	group := slices.Contains(r.APIGroups, "") || slices.Contains(r.APIGroups, "*")
	res := slices.Contains(r.Resources, "secrets") || slices.Contains(r.Resources, "*")
	return group && res && slices.ContainsFunc(r.Verbs, func(v string) bool { return slices.Contains(secretWriteVerbs, v) })
}

// TestBundleWritesSecretsInInstallNamespaceOnly: nothing OLM grants in the
// target namespaces (or cluster-wide) writes Secrets; the only grant that
// does is the release-storage Role, a separate bundle object OLM creates in
// the install namespace, bound to the operator's ServiceAccount there; and
// the editor/viewer ClusterRoles aggregate to the built-in roles.
func TestBundleWritesSecretsInInstallNamespaceOnly(t *testing.T) {
	l := mustLayout(t)
	csv, _, err := l.ReadCSV()
	if err != nil {
		t.Fatal(err)
	}
	spec := csv.Spec.InstallStrategy.StrategySpec
	for what, list := range map[string][]operatorsv1alpha1.StrategyDeploymentPermissions{
		"permissions": spec.Permissions, "clusterPermissions": spec.ClusterPermissions,
	} {
		for _, p := range list {
			for _, r := range p.Rules {
				if writesSecrets(r) {
					t.Errorf("CSV %s grant %s a Secret write: %+v", what, p.ServiceAccountName, r)
				}
			}
		}
	}
	sa := spec.DeploymentSpecs[0].Spec.Template.Spec.ServiceAccountName

	manifests := func(name string) string { return filepath.Join(l.BundleDir, "manifests", name) }
	var role rbacv1.Role
	readInto(t, manifests("ray-ha-operator-release-storage-role_rbac.authorization.k8s.io_v1_role.yaml"), &role)
	if !slices.ContainsFunc(role.Rules, writesSecrets) {
		t.Errorf("release-storage Role grants no Secret write: %+v", role.Rules)
	}
	var binding rbacv1.RoleBinding
	readInto(t, manifests("ray-ha-operator-release-storage-rolebinding_rbac.authorization.k8s.io_v1_rolebinding.yaml"), &binding)
	if binding.RoleRef.Kind != "Role" || binding.RoleRef.Name != role.Name {
		t.Errorf("release-storage binding refers to %+v, want Role %s", binding.RoleRef, role.Name)
	}
	want := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: sa}
	if !slices.Equal(binding.Subjects, []rbacv1.Subject{want}) {
		t.Errorf("release-storage binding subjects = %+v, want %+v (no namespace: the binding's own)", binding.Subjects, want)
	}

	tests := map[string]struct {
		file, label string
		verbs       []string
	}{
		"editor": {file: "ray-ha-operator-raycluster-editor-role_rbac.authorization.k8s.io_v1_clusterrole.yaml",
			label: "rbac.authorization.k8s.io/aggregate-to-edit", verbs: []string{"create", "delete", "get", "list", "patch", "update", "watch"}},
		"viewer": {file: "ray-ha-operator-raycluster-viewer-role_rbac.authorization.k8s.io_v1_clusterrole.yaml",
			label: "rbac.authorization.k8s.io/aggregate-to-view", verbs: []string{"get", "list", "watch"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var cr rbacv1.ClusterRole
			readInto(t, manifests(tc.file), &cr)
			if cr.Labels[tc.label] != "true" {
				t.Errorf("%s lacks label %s=true: %v", cr.Name, tc.label, cr.Labels)
			}
			if len(cr.Rules) == 0 || !slices.Equal(cr.Rules[0].Resources, []string{"rayclusters"}) || !slices.Equal(cr.Rules[0].Verbs, tc.verbs) {
				t.Errorf("%s first rule = %+v, want rayclusters %v", cr.Name, cr.Rules, tc.verbs)
			}
		})
	}
}

func readInto(t *testing.T, path string, into any) {
	t.Helper()
	u, err := readObject(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := convertTo(u, into); err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
}
