package helm

import (
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// staleWriteMaxAge bounds how long a write is remembered. A cache that still
// shows the version before it after this long has lost the event (a relist
// follows).
const staleWriteMaxAge = 30 * time.Second

// writeTracker remembers, per resource, the resourceVersions this controller
// replaced by its own writes (finalizers, status). The next reconcile can
// start before the informer has delivered those writes: it would then act on
// the old status, and a hook would see, for example, a failure it already
// reported as new and report it again, or a clean-up it already did as still
// to do. Seeing any version a write replaced means the cache is behind; any
// other version (the last write itself or a later one by anybody) means it
// has caught up. resourceVersions are compared only for equality, never
// ordered.
type writeTracker struct {
	mu     sync.Mutex
	before map[types.NamespacedName]trackedWrites
}

type trackedWrites struct {
	replaced []string
	at       time.Time
}

func newWriteTracker() *writeTracker {
	return &writeTracker{before: map[types.NamespacedName]trackedWrites{}}
}

// wrote records that a write changed the resource from oldVersion to
// nowVersion. Nothing is recorded when the version did not change (a write
// that changed nothing, or failed).
func (w *writeTracker) wrote(key types.NamespacedName, oldVersion, nowVersion string, now time.Time) {
	if oldVersion == nowVersion {
		return
	}
	w.replaced(key, oldVersion, now)
}

// replaced records that a write known to change the resource replaced
// oldVersion, whatever version the server answered with: an update that
// removes the last finalizer of a deleted resource deletes it and answers
// with the version it had before.
func (w *writeTracker) replaced(key types.NamespacedName, oldVersion string, now time.Time) {
	if oldVersion == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	t := w.before[key]
	t.replaced = append(t.replaced, oldVersion)
	t.at = now
	w.before[key] = t
}

// behind tells whether cachedVersion is one this controller's writes
// replaced, so the cache has not seen them yet. A version that shows the
// cache caught up ends the tracking.
func (w *writeTracker) behind(key types.NamespacedName, cachedVersion string, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.before[key]
	if !ok {
		return false
	}
	if slices.Contains(t.replaced, cachedVersion) && now.Sub(t.at) < staleWriteMaxAge {
		return true
	}
	delete(w.before, key)
	return false
}

// forget drops a deleted resource.
func (w *writeTracker) forget(key types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.before, key)
}

// wrote remembers that obj, at version before, was replaced by a write of
// this reconciler if the server's answer (now in obj) has another version.
func (r *Reconciler) wrote(obj *unstructured.Unstructured, before string) {
	r.writes.wrote(objectKey(obj), before, obj.GetResourceVersion(), r.opts.Now())
}

// replaced remembers that a successful write which changed obj replaced
// version before (finalizer updates: they always change the object).
func (r *Reconciler) replaced(obj *unstructured.Unstructured, before string) {
	r.writes.replaced(objectKey(obj), before, r.opts.Now())
}

func objectKey(obj *unstructured.Unstructured) types.NamespacedName {
	return types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}
}
