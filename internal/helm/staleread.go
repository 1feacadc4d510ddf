package helm

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// staleRecheck is how soon a reconcile that found the cache behind this
// controller's own last write looks again. The write's watch event is
// normally milliseconds away.
const staleRecheck = 200 * time.Millisecond

// staleWriteMaxAge bounds how long a write is waited for. A cache that still
// shows the version before it after this long has lost the event (a relist
// follows); the reconcile then goes ahead rather than waiting forever.
const staleWriteMaxAge = 30 * time.Second

// writeTracker remembers, per resource, the resourceVersion a reconcile read
// before it wrote the resource (finalizers, status). The next reconcile can
// start before the informer has delivered that write: it would then act on
// the old status, and a hook would see, for example, a failure it already
// reported as new and report it again. Seeing exactly the version that was
// read before the write means the cache is behind; any other version (the
// write itself or a later one by anybody) means it has caught up.
// resourceVersions are compared only for equality, never ordered.
type writeTracker struct {
	mu     sync.Mutex
	before map[types.NamespacedName]trackedWrite
}

type trackedWrite struct {
	readVersion string
	at          time.Time
}

func newWriteTracker() *writeTracker {
	return &writeTracker{before: map[types.NamespacedName]trackedWrite{}}
}

// wrote records that a reconcile which read readVersion left the resource at
// nowVersion. Nothing is recorded when it wrote nothing.
func (w *writeTracker) wrote(key types.NamespacedName, readVersion, nowVersion string, now time.Time) {
	if readVersion == "" || readVersion == nowVersion {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.before[key] = trackedWrite{readVersion: readVersion, at: now}
}

// behind tells whether cachedVersion is the version read before this
// controller's last write, so the cache has not seen that write yet. A
// version that shows the cache caught up ends the tracking.
func (w *writeTracker) behind(key types.NamespacedName, cachedVersion string, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.before[key]
	if !ok {
		return false
	}
	if t.readVersion == cachedVersion && now.Sub(t.at) < staleWriteMaxAge {
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
