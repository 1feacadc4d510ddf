package helm

import (
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	deployed := func(hash string) *releaseSummary {
		return &releaseSummary{Status: release.StatusDeployed, Version: 3, InputHash: hash, LastDeployed: now.Add(-time.Hour)}
	}
	stuck := func(s release.Status, age time.Duration) *releaseSummary {
		return &releaseSummary{Status: s, Version: 2, LastDeployed: now.Add(-age)}
	}
	tests := map[string]struct {
		in   decisionInput
		want decision
	}{
		"no release: install": {
			in:   decisionInput{},
			want: decision{Plan: planInstall},
		},
		"only an uninstalled revision (kept history): install": {
			in:   decisionInput{Last: &releaseSummary{Status: release.StatusUninstalled}},
			want: decision{Plan: planInstall},
		},
		"failed: upgrade from it": {
			in:   decisionInput{Last: &releaseSummary{Status: release.StatusFailed}},
			want: decision{Plan: planUpgrade},
		},
		"superseded last (odd history): upgrade": {
			in:   decisionInput{Last: &releaseSummary{Status: release.StatusSuperseded}},
			want: decision{Plan: planUpgrade},
		},
		"pending-upgrade within grace: wait the rest": {
			in:   decisionInput{Last: stuck(release.StatusPendingUpgrade, 10*time.Second), Now: now, PendingGrace: 30 * time.Second},
			want: decision{Plan: planWaitPending, Wait: 20 * time.Second},
		},
		"pending-upgrade past grace: recover": {
			in:   decisionInput{Last: stuck(release.StatusPendingUpgrade, 31*time.Second), Now: now, PendingGrace: 30 * time.Second},
			want: decision{Plan: planRecover},
		},
		"pending-upgrade exactly at grace: recover": {
			in:   decisionInput{Last: stuck(release.StatusPendingUpgrade, 30*time.Second), Now: now, PendingGrace: 30 * time.Second},
			want: decision{Plan: planRecover},
		},
		"pending-install past grace: recover": {
			in:   decisionInput{Last: stuck(release.StatusPendingInstall, time.Hour), Now: now, PendingGrace: 30 * time.Second},
			want: decision{Plan: planRecover},
		},
		"pending-rollback past grace: recover": {
			in:   decisionInput{Last: stuck(release.StatusPendingRollback, time.Hour), Now: now, PendingGrace: 30 * time.Second},
			want: decision{Plan: planRecover},
		},
		"uninstalling on a live resource past grace: recover": {
			in:   decisionInput{Last: stuck(release.StatusUninstalling, time.Hour), Now: now, PendingGrace: 30 * time.Second},
			want: decision{Plan: planRecover},
		},
		"pending with a hash match is still pending": {
			in:   decisionInput{Last: &releaseSummary{Status: release.StatusPendingUpgrade, InputHash: "h", LastDeployed: now}, InputHash: "h", Now: now, PendingGrace: time.Second},
			want: decision{Plan: planWaitPending, Wait: time.Second},
		},
		"deployed, same hash, recent check: fast path": {
			in:   decisionInput{Last: deployed("h"), InputHash: "h", Now: now, LastFullCheck: now.Add(-time.Minute), FullCheckInterval: 5 * time.Minute},
			want: decision{Plan: planFastPath},
		},
		"deployed, same hash, check due: full check": {
			in:   decisionInput{Last: deployed("h"), InputHash: "h", Now: now, LastFullCheck: now.Add(-5 * time.Minute), FullCheckInterval: 5 * time.Minute},
			want: decision{Plan: planFullCheck},
		},
		"deployed, same hash, never checked in this process: full check": {
			in:   decisionInput{Last: deployed("h"), InputHash: "h", Now: now, FullCheckInterval: 5 * time.Minute},
			want: decision{Plan: planFullCheck},
		},
		"deployed, new hash: full check": {
			in:   decisionInput{Last: deployed("old"), InputHash: "new", Now: now, LastFullCheck: now, FullCheckInterval: 5 * time.Minute},
			want: decision{Plan: planFullCheck},
		},
		"deployed without a hash (older operator): full check": {
			in:   decisionInput{Last: deployed(""), InputHash: "h", Now: now, LastFullCheck: now, FullCheckInterval: 5 * time.Minute},
			want: decision{Plan: planFullCheck},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := decide(tc.in); got != tc.want {
				t.Errorf("decide() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestAfterCheck(t *testing.T) {
	tests := map[string]struct {
		changed      bool
		stored, want string
		out          checkOutcome
	}{
		"manifest changed":                 {changed: true, stored: "a", want: "a", out: outcomeUpgrade},
		"manifest changed and new hash":    {changed: true, stored: "a", want: "b", out: outcomeUpgrade},
		"same manifest, new hash: relabel": {stored: "a", want: "b", out: outcomeRelabel},
		"same manifest, same hash":         {stored: "a", want: "a", out: outcomeInSync},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := afterCheck(tc.changed, tc.stored, tc.want); got != tc.out {
				t.Errorf("afterCheck = %s, want %s", got, tc.out)
			}
		})
	}
}

func TestShorterRequeue(t *testing.T) {
	tests := map[string]struct{ a, b, want time.Duration }{
		"both zero":   {0, 0, 0},
		"a zero":      {0, time.Second, time.Second},
		"b zero":      {time.Second, 0, time.Second},
		"a shorter":   {time.Second, time.Minute, time.Second},
		"b shorter":   {time.Minute, time.Second, time.Second},
		"negative a":  {-time.Second, time.Minute, time.Minute},
		"equal times": {time.Second, time.Second, time.Second},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := shorterRequeue(tc.a, tc.b); got != tc.want {
				t.Errorf("shorterRequeue(%s, %s) = %s, want %s", tc.a, tc.b, got, tc.want)
			}
		})
	}
}
