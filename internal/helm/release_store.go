package helm

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
)

// ReleaseNamespaceLabel marks a release Secret kept in the operator's own
// namespace with the namespace of the resource whose release it holds.
// Release names are resource names, unique only within a namespace; the
// label keeps two resources of the same name in different namespaces apart.
const ReleaseNamespaceLabel = "ray-ha-operator/release-namespace"

// releaseStore says where release Secrets live. With a namespace (the
// operator's own) every release is kept there, so the operator needs no
// write access to Secrets in the namespaces it serves; without one, each
// release is kept in its resource's namespace, as Helm does (the layout of
// earlier versions, and of an operator run outside the cluster).
type releaseStore struct {
	namespace string
}

// relocated reports whether releases live in the operator's namespace.
func (s releaseStore) relocated() bool { return s.namespace != "" }

// secretsNamespace is the namespace holding the release Secrets of a
// resource in resourceNS.
func (s releaseStore) secretsNamespace(resourceNS string) string {
	if s.relocated() {
		return s.namespace
	}
	return resourceNS
}

// storedName is the name of a release Secret in the store: Helm's key
// ("sh.helm.release.v1.<release>.v<revision>") prefixed with the resource's
// namespace when relocated. A namespace is a DNS label (no dot), so the
// prefix is unambiguous, and the name stays far below the 253 characters of
// a Secret name (63 + 1 + Helm's key for a release name of at most 53).
func (s releaseStore) storedName(resourceNS, key string) string {
	if s.relocated() {
		return resourceNS + "." + key
	}
	return key
}

// selector narrows a release-Secret selector to one resource namespace.
func (s releaseStore) selector(resourceNS string, sel labels.Selector) labels.Selector {
	if !s.relocated() {
		return sel
	}
	req, err := labels.NewRequirement(ReleaseNamespaceLabel, selection.Equals, []string{resourceNS})
	if err != nil {
		// A namespace name is always a valid label value.
		panic(fmt.Sprintf("namespace %q as a label value: %v", resourceNS, err))
	}
	return sel.Add(*req)
}

// relocatedSecrets is the SecretInterface Helm's Secrets driver sees for a
// release kept in the operator's namespace: it maps Helm's keys to stored
// names, labels what it writes with the resource's namespace and lists
// only that namespace's releases, so the driver works unchanged.
type relocatedSecrets struct {
	corev1client.SecretInterface // in the store's namespace
	store                        releaseStore
	resourceNS                   string
}

func (s relocatedSecrets) Get(ctx context.Context, key string, opts metav1.GetOptions) (*corev1.Secret, error) {
	return s.SecretInterface.Get(ctx, s.store.storedName(s.resourceNS, key), opts)
}

func (s relocatedSecrets) Create(ctx context.Context, sec *corev1.Secret, opts metav1.CreateOptions) (*corev1.Secret, error) {
	return s.SecretInterface.Create(ctx, s.relocate(sec), opts)
}

func (s relocatedSecrets) Update(ctx context.Context, sec *corev1.Secret, opts metav1.UpdateOptions) (*corev1.Secret, error) {
	return s.SecretInterface.Update(ctx, s.relocate(sec), opts)
}

func (s relocatedSecrets) Delete(ctx context.Context, key string, opts metav1.DeleteOptions) error {
	return s.SecretInterface.Delete(ctx, s.store.storedName(s.resourceNS, key), opts)
}

func (s relocatedSecrets) List(ctx context.Context, opts metav1.ListOptions) (*corev1.SecretList, error) {
	sel, err := labels.Parse(opts.LabelSelector)
	if err != nil {
		return nil, fmt.Errorf("parsing release selector %q: %w", opts.LabelSelector, err)
	}
	opts.LabelSelector = s.store.selector(s.resourceNS, sel).String()
	return s.SecretInterface.List(ctx, opts)
}

// relocate renames a Secret the driver built and labels it with the
// resource's namespace (the driver's own labels stay: Helm reads them).
func (s relocatedSecrets) relocate(sec *corev1.Secret) *corev1.Secret {
	out := sec.DeepCopy()
	out.Name = s.store.storedName(s.resourceNS, sec.Name)
	out.Namespace = s.store.namespace
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	out.Labels[ReleaseNamespaceLabel] = s.resourceNS
	return out
}
