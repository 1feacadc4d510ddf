package bundle

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// Install does with a bundle what OLM does when it installs the CSV into
// namespace ns for an OperatorGroup whose target namespaces are targets
// (nil: AllNamespaces): it creates the CRDs (unless present) and the plain
// manifests, the ServiceAccounts named in the install strategy, a
// ClusterRole and ClusterRoleBinding for each `clusterPermissions` entry,
// and for each `permissions` entry a Role and RoleBinding in ns and in every
// target namespace or, for AllNamespaces, a ClusterRole and
// ClusterRoleBinding. As OLM, it fails when a manifest's kind is not served
// (e.g. a ServiceMonitor without the Prometheus Operator's CRDs). It
// returns the CSV.
func Install(ctx context.Context, admin client.Client, bundleDir, ns string, targets []string) (*operatorsv1alpha1.ClusterServiceVersion, error) {
	objs, err := bundleManifests(bundleDir)
	if err != nil {
		return nil, err
	}
	var csv *operatorsv1alpha1.ClusterServiceVersion
	for _, u := range objs {
		switch u.GetKind() {
		case "ClusterServiceVersion":
			csv = &operatorsv1alpha1.ClusterServiceVersion{}
			if err := convertTo(u, csv); err != nil {
				return nil, fmt.Errorf("reading CSV %s: %w", u.GetName(), err)
			}
			continue
		case "CustomResourceDefinition":
			if err := admin.Create(ctx, u); err != nil && !apierrors.IsAlreadyExists(err) {
				return nil, fmt.Errorf("creating CRD %s from the bundle: %w", u.GetName(), err)
			}
			continue
		case "ClusterRole", "PriorityClass":
			// Cluster-scoped: one object for every install, which OLM
			// creates or updates.
			if err := createOrUpdate(ctx, admin, u); err != nil {
				return nil, fmt.Errorf("applying %s %s from the bundle: %w", u.GetKind(), u.GetName(), err)
			}
			continue
		default:
			u.SetNamespace(ns)
		}
		if err := admin.Create(ctx, u); err != nil {
			return nil, fmt.Errorf("creating %s %s from the bundle: %w", u.GetKind(), u.GetName(), err)
		}
	}
	if csv == nil {
		return nil, fmt.Errorf("no CSV in %s", bundleDir)
	}
	return csv, grantPermissions(ctx, admin, csv, ns, targets)
}

func createOrUpdate(ctx context.Context, admin client.Client, u *unstructured.Unstructured) error {
	err := admin.Create(ctx, u)
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(u.GroupVersionKind())
	if err := admin.Get(ctx, client.ObjectKeyFromObject(u), cur); err != nil {
		return err
	}
	u.SetResourceVersion(cur.GetResourceVersion())
	return admin.Update(ctx, u)
}

// GrantedNamespaces are the namespaces where OLM creates the Roles of a
// CSV's `permissions`: the operator's own and the OperatorGroup's targets
// (nil for AllNamespaces, where they become ClusterRoles).
func GrantedNamespaces(ns string, targets []string) []string {
	if targets == nil {
		return nil
	}
	out := []string{ns}
	for _, t := range targets {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func grantPermissions(ctx context.Context, admin client.Client, csv *operatorsv1alpha1.ClusterServiceVersion, ns string, targets []string) error {
	spec := csv.Spec.InstallStrategy.StrategySpec
	var objs []client.Object
	accounts := map[string]bool{}
	for _, d := range spec.DeploymentSpecs {
		accounts[d.Spec.Template.Spec.ServiceAccountName] = true
	}
	subject := func(sa string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: sa}}
	}
	for i, p := range spec.Permissions {
		accounts[p.ServiceAccountName] = true
		name := fmt.Sprintf("%s-%s-%d", csv.Name, ns, i)
		if targets == nil {
			objs = append(objs, clusterGrant(name, p.Rules, subject(p.ServiceAccountName))...)
			continue
		}
		for _, granted := range GrantedNamespaces(ns, targets) {
			objs = append(objs,
				&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: granted, Name: name}, Rules: p.Rules},
				&rbacv1.RoleBinding{
					ObjectMeta: metav1.ObjectMeta{Namespace: granted, Name: name},
					RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
					Subjects:   subject(p.ServiceAccountName),
				})
		}
	}
	for i, p := range spec.ClusterPermissions {
		accounts[p.ServiceAccountName] = true
		name := fmt.Sprintf("%s-%s-cluster-%d", csv.Name, ns, i)
		objs = append(objs, clusterGrant(name, p.Rules, subject(p.ServiceAccountName))...)
	}
	for sa := range accounts {
		objs = append(objs, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: sa}})
	}
	for _, o := range objs {
		if err := admin.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating %T %s: %w", o, o.GetName(), err)
		}
	}
	return nil
}

func clusterGrant(name string, rules []rbacv1.PolicyRule, subjects []rbacv1.Subject) []client.Object {
	return []client.Object{
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules},
		&rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
			Subjects:   subjects,
		},
	}
}

// ServiceAccountKubeconfig writes a kubeconfig that authenticates as the
// ServiceAccount ns/name with a token from the TokenRequest API.
func ServiceAccountKubeconfig(ctx context.Context, admin *rest.Config, ns, name, path string) (*rest.Config, error) {
	cs, err := kubernetes.NewForConfig(admin)
	if err != nil {
		return nil, err
	}
	expiry := int64(3600)
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("requesting a token for %s/%s: %w", ns, name, err)
	}
	cfg := rest.AnonymousClientConfig(admin)
	cfg.BearerToken = tr.Status.Token
	kc := clientcmdapi.NewConfig()
	kc.Clusters["sim"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
	kc.Contexts["sim"] = &clientcmdapi.Context{Cluster: "sim", AuthInfo: name, Namespace: ns}
	kc.CurrentContext = "sim"
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return nil, fmt.Errorf("writing kubeconfig %s: %w", path, err)
	}
	return cfg, nil
}

// bundleManifests reads every object in the bundle's manifests folder.
func bundleManifests(bundleDir string) ([]*unstructured.Unstructured, error) {
	files, err := filepath.Glob(filepath.Join(bundleDir, "manifests", "*.yaml"))
	if err != nil {
		return nil, err
	}
	objs := make([]*unstructured.Unstructured, 0, len(files))
	for _, f := range files {
		u, err := readObject(f)
		if err != nil {
			return nil, err
		}
		objs = append(objs, u)
	}
	return objs, nil
}

func readObject(path string) (*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &u.Object); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return u, nil
}

func convertTo(u *unstructured.Unstructured, into any) error {
	data, err := u.MarshalJSON()
	if err != nil {
		return err
	}
	return yaml.Unmarshal(data, into)
}

// crdEstablished reports whether the CRD name serves requests yet.
func crdEstablished(ctx context.Context, admin client.Client, name string) (bool, error) {
	var crd apiextensionsv1.CustomResourceDefinition
	if err := admin.Get(ctx, client.ObjectKey{Name: name}, &crd); err != nil {
		return false, err
	}
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			return true, nil
		}
	}
	return false, nil
}
