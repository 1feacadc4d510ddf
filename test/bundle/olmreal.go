package bundle

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// OLMVersion is the OLM v0 release hack/olm pins (its go.mod says the
// same); `make olm` builds its olm operator into bin/olm-<version>.
const OLMVersion = "v0.38.0"

const olmModule = "github.com/operator-framework/operator-lifecycle-manager"

// BuildOLM builds OLM's olm operator from hack/olm, a module of its own
// (OLM's Kubernetes libraries differ from the operator's), into
// bin/olm-<version> unless it is there, and returns the binary and the
// module's source directory (for its CRDs).
func BuildOLM(root string) (bin, moduleDir string, err error) {
	dir := filepath.Join(root, "hack", "olm")
	out, err := goCmd(dir, "list", "-m", "-f", "{{.Dir}}", olmModule)
	if err != nil {
		return "", "", err
	}
	moduleDir = strings.TrimSpace(out)
	bin = filepath.Join(root, "bin", "olm-"+OLMVersion)
	if _, err := os.Stat(bin); err == nil {
		return bin, moduleDir, nil
	}
	if _, err := goCmd(dir, "build", "-o", bin, olmModule+"/cmd/olm"); err != nil {
		return "", "", err
	}
	return bin, moduleDir, nil
}

func goCmd(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go %s (in %s): %w\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out), nil
}

// OLMCRDs are the operators.coreos.com CRDs of the OLM release.
func OLMCRDs(moduleDir string) ([]string, error) {
	return filepath.Glob(filepath.Join(moduleDir, "deploy", "chart", "crds", "*.crd.yaml"))
}

// ownerLabels are the labels OLM's catalog operator puts on what it
// creates for a CSV, and by which the olm operator finds the CSV's Roles to
// copy into target namespaces.
func ownerLabels(csv *operatorsv1alpha1.ClusterServiceVersion) map[string]string {
	return map[string]string{
		"olm.managed":         "true",
		"olm.owner":           csv.Name,
		"olm.owner.kind":      operatorsv1alpha1.ClusterServiceVersionKind,
		"olm.owner.namespace": csv.Namespace,
	}
}

// InstallPlanSteps does what OLM's catalog operator does when it executes
// an InstallPlan for the bundle, which the olm operator alone does not: it
// creates the bundle's CRDs, the CSV in ns, and, owned by the CSV, its
// ServiceAccounts, a Role and RoleBinding in ns for each `permissions`
// entry and a ClusterRole and ClusterRoleBinding for each
// `clusterPermissions` entry, and the bundle's own Roles and RoleBindings
// in ns. This is an emulation: the catalog operator
// needs a catalog (a registry pod serving gRPC), which the simulated
// cluster cannot run. Everything after it (the OperatorGroup's namespaces,
// the Roles in target namespaces, the Deployment, the CSV's phase) is the
// real olm operator's work. It returns the CSV as created.
func InstallPlanSteps(ctx context.Context, admin client.Client, bundleDir, ns string) (*operatorsv1alpha1.ClusterServiceVersion, error) {
	objs, err := bundleManifests(bundleDir)
	if err != nil {
		return nil, err
	}
	var csvObj *unstructured.Unstructured
	for _, u := range objs {
		switch u.GetKind() {
		case "ClusterServiceVersion":
			csvObj = u
		case "CustomResourceDefinition":
			if err := admin.Create(ctx, u); err != nil && !apierrors.IsAlreadyExists(err) {
				return nil, fmt.Errorf("creating CRD %s: %w", u.GetName(), err)
			}
		case "Role", "RoleBinding":
			// Namespaced objects beside the CSV (the release storage's
			// Role and binding) go into the install namespace.
			u.SetNamespace(ns)
			if err := admin.Create(ctx, u); err != nil && !apierrors.IsAlreadyExists(err) {
				return nil, fmt.Errorf("creating %s %s: %w", u.GetKind(), u.GetName(), err)
			}
		}
	}
	if csvObj == nil {
		return nil, fmt.Errorf("no CSV in %s", bundleDir)
	}
	csvObj.SetNamespace(ns)
	if err := admin.Create(ctx, csvObj); err != nil {
		return nil, fmt.Errorf("creating the CSV: %w", err)
	}
	csv := &operatorsv1alpha1.ClusterServiceVersion{}
	if err := convertTo(csvObj, csv); err != nil {
		return nil, err
	}
	for _, o := range csvOwnedRBAC(csv) {
		if err := admin.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("creating %T %s: %w", o, o.GetName(), err)
		}
	}
	return csv, nil
}

func csvOwnedRBAC(csv *operatorsv1alpha1.ClusterServiceVersion) []client.Object {
	ns := csv.Namespace
	owner := metav1.OwnerReference{APIVersion: operatorsv1alpha1.SchemeGroupVersion.String(),
		Kind: operatorsv1alpha1.ClusterServiceVersionKind, Name: csv.Name, UID: csv.UID}
	meta := func(name, namespace string, owned bool) metav1.ObjectMeta {
		m := metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: ownerLabels(csv)}
		if owned {
			m.OwnerReferences = []metav1.OwnerReference{owner}
		}
		return m
	}
	subject := func(sa string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: sa}}
	}
	spec := csv.Spec.InstallStrategy.StrategySpec
	accounts := map[string]bool{}
	for _, d := range spec.DeploymentSpecs {
		accounts[d.Spec.Template.Spec.ServiceAccountName] = true
	}
	var objs []client.Object
	for i, p := range spec.Permissions {
		accounts[p.ServiceAccountName] = true
		name := fmt.Sprintf("%s-%d", csv.Name, i)
		objs = append(objs,
			&rbacv1.Role{ObjectMeta: meta(name, ns, true), Rules: p.Rules},
			&rbacv1.RoleBinding{ObjectMeta: meta(name, ns, true), Subjects: subject(p.ServiceAccountName),
				RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}})
	}
	for i, p := range spec.ClusterPermissions {
		accounts[p.ServiceAccountName] = true
		// Cluster-scoped objects cannot have a namespaced owner; OLM
		// relates them to the CSV by the labels alone.
		name := fmt.Sprintf("%s-%s-cluster-%d", csv.Name, ns, i)
		objs = append(objs,
			&rbacv1.ClusterRole{ObjectMeta: meta(name, "", false), Rules: p.Rules},
			&rbacv1.ClusterRoleBinding{ObjectMeta: meta(name, "", false), Subjects: subject(p.ServiceAccountName),
				RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}})
	}
	for sa := range accounts {
		objs = append([]client.Object{&corev1.ServiceAccount{ObjectMeta: meta(sa, ns, true)}}, objs...)
	}
	return objs
}
