/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	tests := map[string]struct {
		in   []time.Duration
		want Summary
	}{
		"none":      {in: nil, want: Summary{}},
		"one":       {in: ms(250), want: Summary{N: 1, P50: 0.25, P90: 0.25, P99: 0.25, Max: 0.25}},
		"five runs": {in: ms(500, 100, 300, 200, 400), want: Summary{N: 5, P50: 0.3, P90: 0.5, P99: 0.5, Max: 0.5}},
		"ten runs":  {in: ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), want: Summary{N: 10, P50: 0.005, P90: 0.009, P99: 0.01, Max: 0.01}},
		"unordered": {in: ms(3, 1, 2), want: Summary{N: 3, P50: 0.002, P90: 0.003, P99: 0.003, Max: 0.003}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := summarize(tc.in); got != tc.want {
				t.Errorf("summarize = %+v, want %+v", got, tc.want)
			}
		})
	}
}
