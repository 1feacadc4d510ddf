package helm

import (
	"errors"
	"testing"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// TestInstallRecordWritesOnce plays Helm's install against the driver: a
// pending-install create, then the update with the outcome.
func TestInstallRecordWritesOnce(t *testing.T) {
	const key = "sh.helm.release.v1.demo.v1"
	tests := map[string]struct {
		existing *release.Release // already stored under key
		outcome  release.Status
		wantErr  error
		want     release.Status // stored afterwards
	}{
		"deployed":                   {outcome: release.StatusDeployed, want: release.StatusDeployed},
		"failed":                     {outcome: release.StatusFailed, want: release.StatusFailed},
		"a revision the cache lacks": {existing: newRelease(release.StatusDeployed), outcome: release.StatusDeployed, wantErr: driver.ErrReleaseExists, want: release.StatusDeployed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			mem := driver.NewMemory()
			if tc.existing != nil {
				if err := mem.Create(key, tc.existing); err != nil {
					t.Fatal(err)
				}
			}
			d := &installRecord{Driver: mem}
			rel := newRelease(release.StatusPendingInstall)
			if err := d.Create(key, rel); err != nil {
				t.Fatalf("pending create: %v", err)
			}
			if tc.existing == nil {
				if _, err := mem.Get(key); !errors.Is(err, driver.ErrReleaseNotFound) {
					t.Fatalf("the pending-install revision was written (%v)", err)
				}
			}
			if got, err := d.Get(key); err != nil || got != rel {
				t.Fatalf("Get of the held revision = %v, %v", got, err)
			}
			rel.SetStatus(tc.outcome, "done")
			err := d.Update(key, rel)
			if !errors.Is(err, tc.wantErr) || !errors.Is(d.result(), tc.wantErr) {
				t.Fatalf("update = %v, result = %v, want %v", err, d.result(), tc.wantErr)
			}
			stored, err := mem.Get(key)
			if err != nil || stored.Info.Status != tc.want {
				t.Fatalf("stored %v, %v; want %s", stored, err, tc.want)
			}
			// Later writes go through as they are.
			if err := d.Update(key, newRelease(release.StatusSuperseded)); err != nil {
				t.Fatal(err)
			}
			if stored, _ := mem.Get(key); stored.Info.Status != release.StatusSuperseded {
				t.Errorf("later update not written: %s", stored.Info.Status)
			}
		})
	}
}

func newRelease(status release.Status) *release.Release {
	return &release.Release{Name: "demo", Namespace: "ns", Version: 1, Info: &release.Info{Status: status}}
}
