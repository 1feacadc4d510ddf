package gen

import (
	"slices"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func rule(resource string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{resource}, Verbs: []string{"get"}}
}

func saSubject(name string) []rbacv1.Subject {
	return []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: "system"}}
}

func TestSplitRBAC(t *testing.T) {
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "op"}}
	dep.Spec.Template.Spec.ServiceAccountName = "op-sa"
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "leases"}, Rules: []rbacv1.PolicyRule{rule("leases")}}
	cluster := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "manager"}, Rules: []rbacv1.PolicyRule{rule("pods"), rule("nodes")}}
	viewer := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "viewer"}, Rules: []rbacv1.PolicyRule{rule("rayclusters")}}
	tests := map[string]struct {
		m                         manifests
		wantPerms, wantClusterPer map[string]int // service account -> rule count
		wantLeftovers             int
	}{
		"role and cluster role bound to the operator": {
			m: manifests{
				deployments: []*appsv1.Deployment{dep}, roles: []*rbacv1.Role{role}, clusterRoles: []*rbacv1.ClusterRole{cluster},
				roleBindings: []*rbacv1.RoleBinding{{RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "leases"}, Subjects: saSubject("op-sa")}},
				clusterRoleBindings: []*rbacv1.ClusterRoleBinding{
					{RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "manager"}, Subjects: saSubject("op-sa")},
				},
				serviceAccounts: []*unstructured.Unstructured{serviceAccount("op-sa")},
			},
			// leases from the Role, pods from the ClusterRole; nodes stay cluster-wide
			wantPerms: map[string]int{"op-sa": 2}, wantClusterPer: map[string]int{"op-sa": 1},
		},
		"a RoleBinding to a ClusterRole grants namespaced permissions": {
			m: manifests{
				deployments: []*appsv1.Deployment{dep}, clusterRoles: []*rbacv1.ClusterRole{cluster},
				roleBindings: []*rbacv1.RoleBinding{{RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "manager"}, Subjects: saSubject("op-sa")}},
			},
			wantPerms: map[string]int{"op-sa": 2}, wantClusterPer: map[string]int{},
		},
		"RBAC for users and other accounts stays in the bundle": {
			m: manifests{
				deployments: []*appsv1.Deployment{dep}, clusterRoles: []*rbacv1.ClusterRole{cluster, viewer},
				clusterRoleBindings: []*rbacv1.ClusterRoleBinding{
					{RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "manager"}, Subjects: saSubject("op-sa")},
					{RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "viewer"}, Subjects: saSubject("someone-else")},
				},
				serviceAccounts: []*unstructured.Unstructured{serviceAccount("op-sa"), serviceAccount("someone-else")},
			},
			wantPerms: map[string]int{"op-sa": 1}, wantClusterPer: map[string]int{"op-sa": 1},
			wantLeftovers: 3, // viewer, its binding, the other ServiceAccount
		},
		"a binding for the install namespace only stays in the bundle": {
			m: manifests{
				deployments: []*appsv1.Deployment{dep}, roles: []*rbacv1.Role{role},
				roleBindings: []*rbacv1.RoleBinding{{
					ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{InstallNamespaceOnlyAnnotation: "true"}},
					RoleRef:    rbacv1.RoleRef{Kind: "Role", Name: "leases"}, Subjects: saSubject("op-sa"),
				}},
			},
			wantPerms: map[string]int{}, wantClusterPer: map[string]int{},
			wantLeftovers: 2, // the Role and its binding
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := splitRBAC(&tc.m)
			checkPerms(t, "permissions", s.permissions, tc.wantPerms)
			checkPerms(t, "clusterPermissions", s.clusterPermissions, tc.wantClusterPer)
			if len(s.leftovers) != tc.wantLeftovers {
				t.Errorf("leftovers = %d, want %d", len(s.leftovers), tc.wantLeftovers)
			}
			for _, b := range tc.m.roleBindings {
				for _, sub := range b.Subjects {
					if installNamespaceOnly(b) && sub.Namespace != "" {
						t.Errorf("subject %s keeps namespace %q: it must be the install namespace", sub.Name, sub.Namespace)
					}
				}
			}
		})
	}
}

func checkPerms(t *testing.T, what string, got []operatorsv1alpha1.StrategyDeploymentPermissions, want map[string]int) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s for %d accounts, want %d", what, len(got), len(want))
	}
	for _, p := range got {
		if len(p.Rules) != want[p.ServiceAccountName] {
			t.Errorf("%s of %s: %d rules, want %d", what, p.ServiceAccountName, len(p.Rules), want[p.ServiceAccountName])
		}
	}
}

func serviceAccount(name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("ServiceAccount")
	u.SetName(name)
	return u
}

func TestWithWatchNamespace(t *testing.T) {
	tests := map[string]struct {
		env []corev1.EnvVar
	}{
		"added":                 {env: []corev1.EnvVar{{Name: "HOME", Value: "/tmp"}}},
		"replaces a fixed list": {env: []corev1.EnvVar{{Name: "WATCH_NAMESPACE", Value: "a,b"}, {Name: "HOME", Value: "/tmp"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := withWatchNamespace(tc.env)
			if len(got) != 2 {
				t.Fatalf("env = %v, want WATCH_NAMESPACE and HOME", got)
			}
			w := got[0]
			if w.Name != "WATCH_NAMESPACE" || w.Value != "" || w.ValueFrom == nil || w.ValueFrom.FieldRef == nil ||
				w.ValueFrom.FieldRef.FieldPath != "metadata.annotations['olm.targetNamespaces']" {
				t.Errorf("WATCH_NAMESPACE = %+v, want the olm.targetNamespaces annotation", w)
			}
		})
	}
}

func TestSplitRule(t *testing.T) {
	crd := &apiextensionsv1.CustomResourceDefinition{Spec: apiextensionsv1.CustomResourceDefinitionSpec{
		Group: "ray.io", Scope: apiextensionsv1.NamespaceScoped, Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "rayclusters"},
	}}
	sc := newScopes([]*apiextensionsv1.CustomResourceDefinition{crd})
	tests := map[string]struct {
		rule                rbacv1.PolicyRule
		wantNS, wantCluster []string
	}{
		"mixed core rule": {
			rule:   rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"configmaps", "nodes"}},
			wantNS: []string{"configmaps"}, wantCluster: []string{"nodes"},
		},
		"own CRD and subresource": {
			rule:   rbacv1.PolicyRule{APIGroups: []string{"ray.io"}, Resources: []string{"rayclusters", "rayclusters/status"}},
			wantNS: []string{"rayclusters", "rayclusters/status"},
		},
		"events in both groups": {
			rule:   rbacv1.PolicyRule{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"}},
			wantNS: []string{"events"},
		},
		"unknown resource is cluster-wide": {
			rule:        rbacv1.PolicyRule{APIGroups: []string{"example.com"}, Resources: []string{"widgets"}},
			wantCluster: []string{"widgets"},
		},
		"wildcard is cluster-wide": {
			rule:        rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"*"}},
			wantCluster: []string{"*"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ns, cl := sc.splitRule(tc.rule)
			if got := resourcesOf(ns); !slices.Equal(got, tc.wantNS) {
				t.Errorf("namespaced = %v, want %v", got, tc.wantNS)
			}
			if got := resourcesOf(cl); !slices.Equal(got, tc.wantCluster) {
				t.Errorf("cluster = %v, want %v", got, tc.wantCluster)
			}
		})
	}
}

func resourcesOf(r *rbacv1.PolicyRule) []string {
	if r == nil {
		return nil
	}
	return r.Resources
}
