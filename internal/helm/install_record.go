package helm

import (
	"sync"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// installRecord is the storage driver of a first install: it writes the
// revision once, when Helm records the outcome, instead of creating it
// pending-install before the apply and updating it after. Half the release
// writes of a burst of creations, and the record is the largest thing the
// operator writes.
//
// Safe because of what the pending record was for. A crash between the
// apply and the record leaves objects without a release; they carry Helm's
// release-name and -namespace annotations and managed-by label (set before
// the apply), so the next reconcile's install adopts them (Helm's
// existingResourceConflict) instead of waiting out the pending grace to
// recover a pending-install revision. Two writers on one release are kept
// apart by leader election and by the create itself: it fails if a
// revision 1 exists, and the reconcile reports the error.
type installRecord struct {
	driver.Driver

	mu      sync.Mutex
	heldKey string
	held    *release.Release
	err     error // of the deferred create
}

// Create holds a pending-install revision back; anything else is written.
func (d *installRecord) Create(key string, rls *release.Release) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.held == nil && rls.Info != nil && rls.Info.Status == release.StatusPendingInstall {
		d.heldKey, d.held = key, rls
		return nil
	}
	return d.Driver.Create(key, rls)
}

// Update of the held revision (deployed, or failed) creates it.
func (d *installRecord) Update(key string, rls *release.Release) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.held != nil && key == d.heldKey {
		d.held = nil
		d.err = d.Driver.Create(key, rls)
		return d.err
	}
	return d.Driver.Update(key, rls)
}

// Get serves the held revision, which the API server does not have yet.
func (d *installRecord) Get(key string) (*release.Release, error) {
	d.mu.Lock()
	held, heldKey := d.held, d.heldKey
	d.mu.Unlock()
	if held != nil && key == heldKey {
		return held, nil
	}
	return d.Driver.Get(key)
}

// result is the error of the deferred create. Helm only logs a failure to
// record a successful install; the reconcile must report it (and retry:
// the next install adopts the objects).
func (d *installRecord) result() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}
