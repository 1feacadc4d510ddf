package gen

import (
	"errors"
	"fmt"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// manifests is the kustomize output sorted by role in the bundle.
type manifests struct {
	csv                 *operatorsv1alpha1.ClusterServiceVersion
	crds                []*apiextensionsv1.CustomResourceDefinition
	deployments         []*appsv1.Deployment
	roles               []*rbacv1.Role
	clusterRoles        []*rbacv1.ClusterRole
	roleBindings        []*rbacv1.RoleBinding
	clusterRoleBindings []*rbacv1.ClusterRoleBinding
	serviceAccounts     []*unstructured.Unstructured
	examples            []*unstructured.Unstructured // instances of the bundle's CRDs
	others              []*unstructured.Unstructured // written as they are, if OLM supports the kind
}

// collect sorts the rendered objects. Namespaces are dropped (OLM installs
// into the namespace the user picks); a second CSV is an error, since a
// bundle holds exactly one.
func collect(objs []*unstructured.Unstructured) (*manifests, error) {
	m := &manifests{}
	var rest []*unstructured.Unstructured
	for _, u := range objs {
		if err := m.add(u); err != nil {
			return nil, err
		}
		if isPlain(u) {
			rest = append(rest, u)
		}
	}
	if m.csv == nil {
		return nil, errors.New("no ClusterServiceVersion in the manifests (config/manifests/bases)")
	}
	owned := map[schema.GroupKind]bool{}
	for _, crd := range m.crds {
		owned[schema.GroupKind{Group: crd.Spec.Group, Kind: crd.Spec.Names.Kind}] = true
	}
	for _, u := range rest {
		if owned[u.GroupVersionKind().GroupKind()] {
			m.examples = append(m.examples, u)
		} else {
			m.others = append(m.others, u)
		}
	}
	return m, nil
}

// isPlain tells the objects add does not absorb.
// withoutGroups drops the objects of the excluded API groups.
func withoutGroups(objs []*unstructured.Unstructured, groups []string) []*unstructured.Unstructured {
	if len(groups) == 0 {
		return objs
	}
	kept := make([]*unstructured.Unstructured, 0, len(objs))
	for _, u := range objs {
		if !contains(groups, u.GroupVersionKind().Group) {
			kept = append(kept, u)
		}
	}
	return kept
}

func isPlain(u *unstructured.Unstructured) bool {
	switch u.GroupVersionKind().GroupKind() {
	case gkCSV, gkCRD, gkDeployment, gkRole, gkClusterRole, gkRoleBinding, gkClusterRoleBinding, gkServiceAccount, gkNamespace:
		return false
	}
	return true
}

var (
	gkCSV                = schema.GroupKind{Group: "operators.coreos.com", Kind: "ClusterServiceVersion"}
	gkCRD                = schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}
	gkDeployment         = schema.GroupKind{Group: "apps", Kind: "Deployment"}
	gkRole               = schema.GroupKind{Group: rbacv1.GroupName, Kind: "Role"}
	gkClusterRole        = schema.GroupKind{Group: rbacv1.GroupName, Kind: "ClusterRole"}
	gkRoleBinding        = schema.GroupKind{Group: rbacv1.GroupName, Kind: "RoleBinding"}
	gkClusterRoleBinding = schema.GroupKind{Group: rbacv1.GroupName, Kind: "ClusterRoleBinding"}
	gkServiceAccount     = schema.GroupKind{Kind: "ServiceAccount"}
	gkNamespace          = schema.GroupKind{Kind: "Namespace"}
)

func (m *manifests) add(u *unstructured.Unstructured) error {
	var err error
	switch u.GroupVersionKind().GroupKind() {
	case gkCSV:
		if m.csv != nil {
			return fmt.Errorf("second ClusterServiceVersion %s in the manifests", u.GetName())
		}
		m.csv = &operatorsv1alpha1.ClusterServiceVersion{}
		err = convert(u, m.csv)
	case gkCRD:
		err = appendAs(u, &m.crds)
	case gkDeployment:
		err = appendAs(u, &m.deployments)
	case gkRole:
		err = appendAs(u, &m.roles)
	case gkClusterRole:
		err = appendAs(u, &m.clusterRoles)
	case gkRoleBinding:
		err = appendAs(u, &m.roleBindings)
	case gkClusterRoleBinding:
		err = appendAs(u, &m.clusterRoleBindings)
	case gkServiceAccount:
		m.serviceAccounts = append(m.serviceAccounts, u)
	}
	if err != nil {
		return fmt.Errorf("reading %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	return nil
}

// appendAs converts u to a typed object and appends it to list.
func appendAs[T any](u *unstructured.Unstructured, list *[]*T) error {
	obj := new(T)
	if err := convert(u, obj); err != nil {
		return err
	}
	*list = append(*list, obj)
	return nil
}

func convert(u *unstructured.Unstructured, into any) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, into, true)
}
