/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"math"
	"sort"
	"time"
)

// Summary is the distribution of one measured duration, in seconds.
type Summary struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// summarize computes nearest-rank percentiles: with few runs p99 is the
// maximum, which is the honest reading of five samples.
func summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	s := append([]time.Duration(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		if i < 0 {
			i = 0
		}
		return round3(s[i].Seconds())
	}
	return Summary{N: len(s), P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: round3(s[len(s)-1].Seconds())}
}

// round3 keeps milliseconds, which is what the measurements resolve.
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
