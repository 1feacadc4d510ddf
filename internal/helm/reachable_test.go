package helm

import (
	"errors"
	"testing"
	"time"
)

func TestReachabilityCachesSuccessOnly(t *testing.T) {
	down := errors.New("unreachable")
	tests := map[string]struct {
		results []error         // what the API server answers, in order
		at      []time.Duration // when each check runs
		want    []error
		probes  int
	}{
		"a success stands for the TTL": {
			results: []error{nil}, at: []time.Duration{0, time.Second, reachableTTL - time.Millisecond},
			want: []error{nil, nil, nil}, probes: 1,
		},
		"asked again after the TTL": {
			results: []error{nil, nil}, at: []time.Duration{0, reachableTTL},
			want: []error{nil, nil}, probes: 2,
		},
		"a failure is not remembered": {
			results: []error{down, nil}, at: []time.Duration{0, time.Millisecond, 2 * time.Millisecond},
			want: []error{down, nil, nil}, probes: 2,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			start := time.Unix(1000, 0)
			now := start
			r := &reachability{ttl: reachableTTL, now: func() time.Time { return now }}
			probes := 0
			probe := func() error { probes++; return tc.results[probes-1] }
			for i, at := range tc.at {
				now = start.Add(at)
				if err := r.check(probe); !errors.Is(err, tc.want[i]) {
					t.Errorf("check %d at %s = %v, want %v", i, at, err, tc.want[i])
				}
			}
			if probes != tc.probes {
				t.Errorf("%d GETs of /version, want %d", probes, tc.probes)
			}
		})
	}
}
