package gen

import (
	"sort"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// rbacSplit is the RBAC of the manifests as OLM wants it: rules bound to the
// operator's ServiceAccounts move into the CSV (OLM creates the Roles,
// ClusterRoles, bindings and ServiceAccounts from them); everything else
// stays a separate object of the bundle.
type rbacSplit struct {
	permissions        []operatorsv1alpha1.StrategyDeploymentPermissions
	clusterPermissions []operatorsv1alpha1.StrategyDeploymentPermissions
	leftovers          []any // typed RBAC objects and ServiceAccounts not absorbed
}

// splitRBAC follows the bindings of each Deployment's ServiceAccount: a
// RoleBinding grants namespaced permissions (whether it points to a Role or
// a ClusterRole). A ClusterRoleBinding's rules are split: those on
// namespaced resources become namespaced permissions too, only the rest
// stays cluster-wide. OLM grants `permissions` in the namespaces the
// OperatorGroup targets, and cluster-wide (as ClusterRoles) for an
// AllNamespaces group, so an operator installed for one namespace gets no
// cluster-wide access to Secrets or pods, and one installed for all
// namespaces loses nothing.
func splitRBAC(m *manifests) rbacSplit {
	accounts := map[string]bool{}
	for _, d := range m.deployments {
		sa := d.Spec.Template.Spec.ServiceAccountName
		if sa == "" {
			sa = "default"
		}
		accounts[sa] = true
	}
	roles := map[string]*rbacv1.Role{}
	for _, r := range m.roles {
		roles[r.Name] = r
	}
	clusterRoles := map[string]*rbacv1.ClusterRole{}
	for _, r := range m.clusterRoles {
		clusterRoles[r.Name] = r
	}
	used := map[any]bool{}
	perms := map[string][]rbacv1.PolicyRule{}
	clusterPerms := map[string][]rbacv1.PolicyRule{}

	for _, b := range m.roleBindings {
		if installNamespaceOnly(b) {
			localSubjects(b)
			continue
		}
		for _, sa := range boundAccounts(b.Subjects, accounts) {
			rules, obj := roleRules(b.RoleRef, roles, clusterRoles)
			if obj == nil {
				continue
			}
			perms[sa] = append(perms[sa], rules...)
			used[obj], used[b] = true, true
		}
	}
	sc := newScopes(m.crds)
	for _, b := range m.clusterRoleBindings {
		for _, sa := range boundAccounts(b.Subjects, accounts) {
			r, ok := clusterRoles[b.RoleRef.Name]
			if b.RoleRef.Kind != "ClusterRole" || !ok {
				continue
			}
			for _, rule := range r.Rules {
				ns, cl := sc.splitRule(rule)
				if ns != nil {
					perms[sa] = append(perms[sa], *ns)
				}
				if cl != nil {
					clusterPerms[sa] = append(clusterPerms[sa], *cl)
				}
			}
			used[r], used[b] = true, true
		}
	}

	s := rbacSplit{permissions: toPermissions(perms), clusterPermissions: toPermissions(clusterPerms)}
	s.leftovers = unusedRBAC(m, used, accounts)
	return s
}

// InstallNamespaceOnlyAnnotation marks a RoleBinding (and so its Role) that
// must grant its rules in the operator's own namespace only. OLM grants a
// CSV's `permissions` in every namespace the OperatorGroup targets (and
// cluster-wide for AllNamespaces), so such a binding stays a separate
// object of the bundle, which OLM creates in the install namespace.
const InstallNamespaceOnlyAnnotation = "ray-ha-operator/install-namespace-only"

func installNamespaceOnly(b *rbacv1.RoleBinding) bool {
	return b.Annotations[InstallNamespaceOnlyAnnotation] == "true"
}

// localSubjects drops the namespace of the binding's ServiceAccount
// subjects: the bundle does not know the install namespace, and RBAC reads
// a RoleBinding's ServiceAccount without one as one of the binding's own
// namespace.
func localSubjects(b *rbacv1.RoleBinding) {
	for i := range b.Subjects {
		if b.Subjects[i].Kind == rbacv1.ServiceAccountKind {
			b.Subjects[i].Namespace = ""
		}
	}
}

// unusedRBAC lists, in manifest order, what OLM does not create from the
// CSV: RBAC not bound to the operator, and other ServiceAccounts.
func unusedRBAC(m *manifests, used map[any]bool, accounts map[string]bool) []any {
	var out []any
	for _, r := range m.roles {
		if !used[r] {
			out = append(out, r)
		}
	}
	for _, r := range m.clusterRoles {
		if !used[r] {
			out = append(out, r)
		}
	}
	for _, b := range m.roleBindings {
		if !used[b] {
			out = append(out, b)
		}
	}
	for _, b := range m.clusterRoleBindings {
		if !used[b] {
			out = append(out, b)
		}
	}
	for _, sa := range m.serviceAccounts {
		if !accounts[sa.GetName()] {
			out = append(out, sa)
		}
	}
	return out
}

func boundAccounts(subjects []rbacv1.Subject, accounts map[string]bool) []string {
	var out []string
	for _, s := range subjects {
		if s.Kind == rbacv1.ServiceAccountKind && accounts[s.Name] {
			out = append(out, s.Name)
		}
	}
	return out
}

func roleRules(ref rbacv1.RoleRef, roles map[string]*rbacv1.Role, clusterRoles map[string]*rbacv1.ClusterRole) ([]rbacv1.PolicyRule, any) {
	switch ref.Kind {
	case "Role":
		if r, ok := roles[ref.Name]; ok {
			return r.Rules, r
		}
	case "ClusterRole":
		if r, ok := clusterRoles[ref.Name]; ok {
			return r.Rules, r
		}
	}
	return nil, nil
}

func toPermissions(bySA map[string][]rbacv1.PolicyRule) []operatorsv1alpha1.StrategyDeploymentPermissions {
	var out []operatorsv1alpha1.StrategyDeploymentPermissions
	for sa, rules := range bySA {
		if len(rules) > 0 {
			out = append(out, operatorsv1alpha1.StrategyDeploymentPermissions{ServiceAccountName: sa, Rules: rules})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ServiceAccountName < out[j].ServiceAccountName })
	return out
}
