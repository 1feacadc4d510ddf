package gen

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// namespacedResources are the built-in namespaced resources an operator's
// rules commonly name, by API group. A resource not listed here (and not a
// namespaced CRD of the bundle) is treated as cluster-scoped, which only
// ever grants more, never less.
var namespacedResources = map[string][]string{
	"": {"pods", "services", "secrets", "configmaps", "events", "serviceaccounts", "endpoints",
		"persistentvolumeclaims", "replicationcontrollers", "resourcequotas", "limitranges", "podtemplates"},
	"apps":                      {"deployments", "statefulsets", "replicasets", "daemonsets", "controllerrevisions"},
	"batch":                     {"jobs", "cronjobs"},
	"coordination.k8s.io":       {"leases"},
	"events.k8s.io":             {"events"},
	"policy":                    {"poddisruptionbudgets"},
	"networking.k8s.io":         {"ingresses", "networkpolicies"},
	"discovery.k8s.io":          {"endpointslices"},
	"autoscaling":               {"horizontalpodautoscalers"},
	"rbac.authorization.k8s.io": {"roles", "rolebindings"},
}

// scopes tells namespaced resources from cluster-scoped ones, using the
// built-in table and the bundle's own CRDs.
type scopes map[string]map[string]bool // group -> resource -> namespaced

func newScopes(crds []*apiextensionsv1.CustomResourceDefinition) scopes {
	s := scopes{}
	for g, rs := range namespacedResources {
		for _, r := range rs {
			s.add(g, r)
		}
	}
	for _, crd := range crds {
		if crd.Spec.Scope == apiextensionsv1.NamespaceScoped {
			s.add(crd.Spec.Group, crd.Spec.Names.Plural)
		}
	}
	return s
}

func (s scopes) add(group, resource string) {
	if s[group] == nil {
		s[group] = map[string]bool{}
	}
	s[group][resource] = true
}

// namespaced reports whether resource (or its subresource) is namespaced in
// every group of the rule.
func (s scopes) namespaced(groups []string, resource string) bool {
	base, _, _ := strings.Cut(resource, "/")
	if len(groups) == 0 || base == "*" {
		return false
	}
	for _, g := range groups {
		if !s[g][base] {
			return false
		}
	}
	return true
}

// splitRule divides a rule into its namespaced and cluster-scoped parts;
// either may be nil. Non-resource URLs are cluster-scoped by nature.
func (s scopes) splitRule(r rbacv1.PolicyRule) (namespaced, cluster *rbacv1.PolicyRule) {
	if len(r.NonResourceURLs) > 0 {
		return nil, &r
	}
	var ns, cl []string
	for _, res := range r.Resources {
		if s.namespaced(r.APIGroups, res) {
			ns = append(ns, res)
		} else {
			cl = append(cl, res)
		}
	}
	if len(ns) > 0 {
		n := *r.DeepCopy()
		n.Resources = ns
		namespaced = &n
	}
	if len(cl) > 0 {
		c := *r.DeepCopy()
		c.Resources = cl
		cluster = &c
	}
	return namespaced, cluster
}
