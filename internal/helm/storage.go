package helm

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Labels Helm's Secrets driver puts on every release Secret.
const (
	helmOwnerLabel   = "owner"
	helmOwnerValue   = "helm"
	helmNameLabel    = "name"
	helmVersionLabel = "version"
)

// InputHashLabel is the release label that records the input hash of the
// revision (Helm copies release labels onto the release Secret, so the fast
// path reads it from the Secret's metadata without decoding the release).
const InputHashLabel = "ray-ha-operator/input-hash"

// OwnerKindLabel is a release label naming the kind whose resources own the
// release ("RayCluster.ray.io"). The release cache selects on it, so it
// holds this operator's release Secrets of one kind only, not every Helm
// release in the cluster.
const OwnerKindLabel = "ray-ha-operator/owner-kind"

// ownerKindValue is the OwnerKindLabel value for a kind (Kind.group; a
// valid label value for any kind name and DNS group).
func ownerKindValue(gvk schema.GroupVersionKind) string {
	return gvk.GroupKind().String()
}

// releaseLabels are the release labels the reconciler writes on every
// revision: Helm keeps them on the release Secret.
func releaseLabels(gvk schema.GroupVersionKind, hash string) map[string]string {
	return map[string]string{OwnerKindLabel: ownerKindValue(gvk), InputHashLabel: hash}
}

// releaseSecretSelector selects the Secrets of Helm's Secrets driver for
// releases of one kind: the only Secrets the release cache holds.
func releaseSecretSelector(gvk schema.GroupVersionKind) labels.Selector {
	return labels.SelectorFromSet(labels.Set{helmOwnerLabel: helmOwnerValue, OwnerKindLabel: ownerKindValue(gvk)})
}

// cachedSecrets is a SecretInterface whose reads come from an informer cache
// and whose writes go to the API server. Helm's Secrets driver on top of it
// serves History/Last/Deployed without a LIST request.
type cachedSecrets struct {
	corev1client.SecretInterface // writes, and anything not overridden
	reader                       client.Reader
	namespace                    string
}

// Get reads one release Secret from the cache.
func (s cachedSecrets) Get(ctx context.Context, name string, _ metav1.GetOptions) (*corev1.Secret, error) {
	var sec corev1.Secret
	if err := s.reader.Get(ctx, types.NamespacedName{Namespace: s.namespace, Name: name}, &sec); err != nil {
		return nil, err
	}
	return &sec, nil
}

// List lists release Secrets from the cache with the driver's selector.
func (s cachedSecrets) List(ctx context.Context, opts metav1.ListOptions) (*corev1.SecretList, error) {
	sel, err := labels.Parse(opts.LabelSelector)
	if err != nil {
		return nil, fmt.Errorf("parsing release selector %q: %w", opts.LabelSelector, err)
	}
	var list corev1.SecretList
	if err := s.reader.List(ctx, &list, client.InNamespace(s.namespace), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, err
	}
	return &list, nil
}

// releaseReader finds the last revision of a release in the cache and decodes
// it once per Secret resourceVersion: decoding means base64, gunzip and JSON
// of a release that embeds the whole chart, which steady-state reconciles
// should not pay again and again.
type releaseReader struct {
	reader client.Reader
	store  releaseStore

	mu   sync.Mutex
	memo map[types.NamespacedName]decodedRelease
}

type decodedRelease struct {
	resourceVersion string
	release         *release.Release
}

func newReleaseReader(r client.Reader, store releaseStore) *releaseReader {
	return &releaseReader{reader: r, store: store, memo: map[types.NamespacedName]decodedRelease{}}
}

// lastSecret returns the release Secret with the highest revision, or nil.
func (r *releaseReader) lastSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	var list corev1.SecretList
	sel := r.store.selector(namespace, labels.SelectorFromSet(labels.Set{helmOwnerLabel: helmOwnerValue, helmNameLabel: name}))
	if err := r.reader.List(ctx, &list, client.InNamespace(r.store.secretsNamespace(namespace)), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, fmt.Errorf("listing cached release secrets of %s/%s: %w", namespace, name, err)
	}
	return newestRevision(list.Items), nil
}

// newestRevision picks the Secret with the highest version label.
func newestRevision(items []corev1.Secret) *corev1.Secret {
	var best *corev1.Secret
	bestVersion := -1
	for i := range items {
		v, err := strconv.Atoi(items[i].Labels[helmVersionLabel])
		if err != nil {
			continue
		}
		if v > bestVersion {
			best, bestVersion = &items[i], v
		}
	}
	return best
}

// last returns the last revision of the release (nil when none), decoded
// through Helm's own driver over the cache. The result is shared: callers
// must not modify it.
func (r *releaseReader) last(ctx context.Context, namespace, name string) (*release.Release, error) {
	sec, err := r.lastSecret(ctx, namespace, name)
	if err != nil || sec == nil {
		return nil, err
	}
	key := types.NamespacedName{Namespace: namespace, Name: name}
	r.mu.Lock()
	m, ok := r.memo[key]
	r.mu.Unlock()
	if ok && m.resourceVersion == sec.ResourceVersion {
		return m.release, nil
	}
	// The Secret's own name, not Helm's key: it is read straight from
	// the store's namespace.
	d := driver.NewSecrets(cachedSecrets{reader: r.reader, namespace: sec.Namespace})
	rel, err := d.Get(sec.Name)
	if apierrors.IsNotFound(err) || err == driver.ErrReleaseNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("decoding release secret %s/%s: %w", namespace, sec.Name, err)
	}
	rel = withChartMetadataOnly(rel)
	r.mu.Lock()
	r.memo[key] = decodedRelease{resourceVersion: sec.ResourceVersion, release: rel}
	r.mu.Unlock()
	return rel, nil
}

// withChartMetadataOnly drops the chart's templates, files, values and
// schema from a decoded release. Every release embeds the whole chart, which
// is most of a memo entry; decisions, status and drift repair need only the
// chart's name and version, the manifest and the labels. Upgrades read the
// full release from Helm's storage, never from the memo.
func withChartMetadataOnly(rel *release.Release) *release.Release {
	if rel.Chart != nil {
		rel.Chart = &chart.Chart{Metadata: rel.Chart.Metadata}
	}
	return rel
}

// forget drops the memo of a release (its resource is gone).
func (r *releaseReader) forget(namespace, name string) {
	r.mu.Lock()
	delete(r.memo, types.NamespacedName{Namespace: namespace, Name: name})
	r.mu.Unlock()
}

// summarize reduces a release to what decisions need.
func summarize(rel *release.Release) *releaseSummary {
	if rel == nil {
		return nil
	}
	s := &releaseSummary{Version: rel.Version, InputHash: rel.Labels[InputHashLabel]}
	if rel.Info != nil {
		s.Status = rel.Info.Status
		s.LastDeployed = rel.Info.LastDeployed.Time
	}
	return s
}

// ownedSecrets adds a controller owner reference to the owning resource to
// every release Secret Helm creates or updates.
type ownedSecrets struct {
	corev1client.SecretInterface
	owner *unstructured.Unstructured
}

// Create adds the owner reference, then creates.
func (s ownedSecrets) Create(ctx context.Context, sec *corev1.Secret, opts metav1.CreateOptions) (*corev1.Secret, error) {
	s.addOwner(sec)
	return s.SecretInterface.Create(ctx, sec, opts)
}

// Update adds the owner reference, then updates.
func (s ownedSecrets) Update(ctx context.Context, sec *corev1.Secret, opts metav1.UpdateOptions) (*corev1.Secret, error) {
	s.addOwner(sec)
	return s.SecretInterface.Update(ctx, sec, opts)
}

func (s ownedSecrets) addOwner(sec *corev1.Secret) {
	for _, r := range sec.OwnerReferences {
		if r.UID == s.owner.GetUID() {
			return
		}
	}
	sec.OwnerReferences = append(sec.OwnerReferences, *metav1.NewControllerRef(s.owner, s.owner.GroupVersionKind()))
}
