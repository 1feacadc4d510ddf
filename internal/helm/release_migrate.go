package helm

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Events of the move of a release out of its resource's namespace.
const (
	EventReleaseMoved = "ReleaseMoved"
	// EventLegacyReleaseKept: the history was copied but the operator may
	// not delete the old Secrets (it only reads Secrets where it serves);
	// they are no longer read and may be deleted by hand.
	EventLegacyReleaseKept = "LegacyReleaseSecretsKept"
	actionMove             = "Move"
)

// cacheCatchUpTimeout bounds the wait for the release cache to see moved
// Secrets; without the wait the next step would find no release and
// install it afresh.
const cacheCatchUpTimeout = 30 * time.Second

// legacyReleases moves the release Secrets an earlier version kept in a
// resource's namespace into the release store, once per resource and
// process: the history (every revision) is copied, and the old Secrets are
// deleted once the copies exist. The rendered objects are not touched, so
// an upgrade keeps the pods running.
type legacyReleases struct {
	apiReader client.Reader
	writer    client.Client
	store     releaseStore
	gvk       schema.GroupVersionKind

	mu   sync.Mutex
	done map[types.NamespacedName]types.UID
}

func newLegacyReleases(apiReader client.Reader, writer client.Client, store releaseStore, gvk schema.GroupVersionKind) *legacyReleases {
	return &legacyReleases{apiReader: apiReader, writer: writer, store: store, gvk: gvk, done: map[types.NamespacedName]types.UID{}}
}

// moveResult counts what one move did.
type moveResult struct {
	copied, kept int
	newest       int // highest revision copied
}

// move moves obj's legacy release Secrets into the store. Reading them
// costs one LIST (two when there are any), paid once per resource and
// process. Only revisions newer than the store's newest are copied, in
// order: a move cut short goes on where it stopped, and one done before
// (old Secrets the operator could not delete) copies nothing again, so
// history pruned in the store since does not come back.
func (l *legacyReleases) move(ctx context.Context, obj *unstructured.Unstructured) (moveResult, error) {
	key := client.ObjectKeyFromObject(obj)
	if !l.store.relocated() || l.isDone(key, obj.GetUID()) {
		return moveResult{}, nil
	}
	old, err := l.find(ctx, obj)
	if err != nil || len(old) == 0 {
		l.markDoneIf(err == nil, key, obj.GetUID())
		return moveResult{}, err
	}
	stored, err := l.storedNewest(ctx, obj)
	if err != nil {
		return moveResult{}, err
	}
	slices.SortFunc(old, func(a, b corev1.Secret) int { return revision(&a) - revision(&b) })
	var res moveResult
	for i := range old {
		if v := revision(&old[i]); v > stored {
			if err := l.copy(ctx, &old[i]); err != nil {
				return moveResult{}, err
			}
			res.copied++
			res.newest = v
		}
	}
	for i := range old {
		deleted, err := l.delete(ctx, &old[i])
		if err != nil {
			return moveResult{}, err
		}
		if !deleted {
			res.kept++
		}
	}
	l.markDone(key, obj.GetUID())
	return res, nil
}

func revision(s *corev1.Secret) int {
	v, _ := strconv.Atoi(s.Labels[helmVersionLabel])
	return v
}

// storedNewest is the newest revision of obj's release in the store (0:
// none), read from the API server: the release cache may be behind.
func (l *legacyReleases) storedNewest(ctx context.Context, obj *unstructured.Unstructured) (int, error) {
	var list corev1.SecretList
	sel := l.store.selector(obj.GetNamespace(), labels.SelectorFromSet(labels.Set{helmOwnerLabel: helmOwnerValue, helmNameLabel: obj.GetName()}))
	if err := l.apiReader.List(ctx, &list, client.InNamespace(l.store.namespace), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return 0, fmt.Errorf("listing the stored release of %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
	}
	newest := 0
	for i := range list.Items {
		newest = max(newest, revision(&list.Items[i]))
	}
	return newest, nil
}

func (l *legacyReleases) markDoneIf(ok bool, key types.NamespacedName, uid types.UID) {
	if ok {
		l.markDone(key, uid)
	}
}

// find lists the legacy release Secrets of obj: Helm's, named after it, and
// the operator's (labelled with the owner kind or owned by obj), so a
// user's own Helm release of the same name is left alone.
func (l *legacyReleases) find(ctx context.Context, obj *unstructured.Unstructured) ([]corev1.Secret, error) {
	var list corev1.SecretList
	sel := labels.SelectorFromSet(labels.Set{helmOwnerLabel: helmOwnerValue, helmNameLabel: obj.GetName()})
	if err := l.apiReader.List(ctx, &list, client.InNamespace(obj.GetNamespace()), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, fmt.Errorf("listing release secrets an earlier version left in %s: %w", obj.GetNamespace(), err)
	}
	var out []corev1.Secret
	for _, s := range list.Items {
		if _, moved := s.Labels[ReleaseNamespaceLabel]; moved {
			continue // a copy already in the store (the store is this namespace)
		}
		if s.Labels[OwnerKindLabel] == ownerKindValue(l.gvk) || secretOwnedBy(&s, obj.GetUID()) {
			out = append(out, s)
		}
	}
	return out, nil
}

func secretOwnedBy(s *corev1.Secret, uid types.UID) bool {
	return slices.ContainsFunc(s.OwnerReferences, func(r metav1.OwnerReference) bool { return r.UID == uid })
}

// copy creates old's counterpart in the store; one that exists already (a
// move interrupted before its deletes) is kept.
func (l *legacyReleases) copy(ctx context.Context, old *corev1.Secret) error {
	lbls := map[string]string{}
	for k, v := range old.Labels {
		lbls[k] = v
	}
	lbls[ReleaseNamespaceLabel] = old.Namespace
	// Releases of versions before the label are found by owner reference;
	// the release cache selects on the label.
	lbls[OwnerKindLabel] = ownerKindValue(l.gvk)
	moved := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: l.store.namespace,
			Name:      l.store.storedName(old.Namespace, old.Name),
			Labels:    lbls,
		},
		Type: old.Type,
		Data: old.Data,
	}
	if err := l.writer.Create(ctx, moved); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("copying release secret %s/%s to %s: %w", old.Namespace, old.Name, l.store.namespace, err)
	}
	return nil
}

// delete removes old once copied. Forbidden is not an error: in the
// namespaces it serves the operator may only read Secrets, and the old
// Secret is never read again; it reports false then.
func (l *legacyReleases) delete(ctx context.Context, old *corev1.Secret) (bool, error) {
	err := l.writer.Delete(ctx, old, client.Preconditions{UID: &old.UID})
	switch {
	case err == nil, apierrors.IsNotFound(err):
		return true, nil
	case apierrors.IsForbidden(err):
		return false, nil
	default:
		return false, fmt.Errorf("deleting moved release secret %s/%s: %w", old.Namespace, old.Name, err)
	}
}

func (l *legacyReleases) isDone(key types.NamespacedName, uid types.UID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.done[key] == uid
}

func (l *legacyReleases) markDone(key types.NamespacedName, uid types.UID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done[key] = uid
}

func (l *legacyReleases) forget(key types.NamespacedName) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.done, key)
}

// moveLegacyRelease moves obj's release out of its namespace if an earlier
// version left it there, reports it, and waits until the release cache
// sees the moved history.
func (r *Reconciler) moveLegacyRelease(ctx context.Context, obj *unstructured.Unstructured) error {
	res, err := r.legacy.move(ctx, obj)
	if err != nil || res.copied == 0 {
		return err
	}
	ctrl.LoggerFrom(ctx).Info("Moved the release into the operator's namespace",
		"releaseNamespace", r.opts.ReleaseNamespace, "revisions", res.copied, "oldSecretsKept", res.kept)
	r.event(obj, false, EventReleaseMoved, actionMove, "Moved %d release revisions to namespace %s", res.copied, r.opts.ReleaseNamespace)
	if res.kept > 0 {
		r.event(obj, true, EventLegacyReleaseKept, actionMove,
			"Not allowed to delete %d old release Secrets (labels owner=helm,name=%s, without %s); they are no longer read and may be deleted",
			res.kept, obj.GetName(), ReleaseNamespaceLabel)
	}
	return wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, cacheCatchUpTimeout, true, func(ctx context.Context) (bool, error) {
		sec, err := r.releases.lastSecret(ctx, obj.GetNamespace(), obj.GetName())
		if err != nil || sec == nil {
			return false, err
		}
		return revision(sec) >= res.newest, nil
	})
}
