/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"flag"
	"strings"
	"testing"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
)

func TestLeaderElectionValidate(t *testing.T) {
	tests := map[string]struct {
		args    []string
		wantErr string
	}{
		"defaults":               {args: []string{"--leader-elect"}},
		"off: timings unused":    {args: []string{"--leader-election-lease-duration=1s"}},
		"shorter, still ordered": {args: []string{"--leader-elect", "--leader-election-lease-duration=6s", "--leader-election-renew-deadline=4s", "--leader-election-retry-period=1s"}},
		"renew not below lease": {
			args:    []string{"--leader-elect", "--leader-election-lease-duration=10s"},
			wantErr: "--leader-election-lease-duration 10s: must be above the renew deadline 10s",
		},
		"retry jitter reaches the renew deadline": {
			args:    []string{"--leader-elect", "--leader-election-retry-period=9s"},
			wantErr: "--leader-election-renew-deadline 10s: must be above 1.2 times the retry period",
		},
		"no retry period": {
			args:    []string{"--leader-elect", "--leader-election-retry-period=0s"},
			wantErr: "--leader-election-retry-period 0s: must be positive",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			l := DefaultLeaderElection()
			fs := flag.NewFlagSet(name, flag.ContinueOnError)
			l.BindFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := l.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Validate() = %v, want an error with %q", err, tc.wantErr)
			}
		})
	}
}

// TestLeaderElectionApply checks the flags reach the manager's options,
// and that a leader stopping on purpose hands the Lease over at once.
func TestLeaderElectionApply(t *testing.T) {
	l := DefaultLeaderElection()
	fs := flag.NewFlagSet("apply", flag.ContinueOnError)
	l.BindFlags(fs)
	if err := fs.Parse([]string{"--leader-elect", "--leader-election-namespace=ops", "--leader-election-lease-duration=20s"}); err != nil {
		t.Fatal(err)
	}
	var o ctrl.Options
	l.Apply(&o)
	if !o.LeaderElection || o.LeaderElectionNamespace != "ops" || o.LeaderElectionID != "ray-ha-operator-leader" {
		t.Errorf("election %v in namespace %q with id %q, want true, ops, ray-ha-operator-leader", o.LeaderElection, o.LeaderElectionNamespace, o.LeaderElectionID)
	}
	if !o.LeaderElectionReleaseOnCancel {
		t.Error("LeaderElectionReleaseOnCancel is off: a rollout would wait out the lease")
	}
	got := []*time.Duration{o.LeaseDuration, o.RenewDeadline, o.RetryPeriod}
	want := []time.Duration{20 * time.Second, DefaultRenewDeadline, DefaultRetryPeriod}
	for i, g := range got {
		if g == nil || *g != want[i] {
			t.Errorf("timing %d = %v, want %s", i, g, want[i])
		}
	}
}
