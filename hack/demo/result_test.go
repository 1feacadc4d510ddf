package main

import (
	"bytes"
	"maps"
	"strings"
	"testing"
	"time"
)

func TestPrintResults(t *testing.T) {
	tests := map[string]struct {
		results  []result
		wantOK   bool
		wantRows map[string]string
		wantText []string
	}{
		"all recovered": {
			results: []result{
				{scenario: scenarioHeadDeleted, what: "head pod deleted", detected: 300 * time.Millisecond, recovered: "1.2s (status)", wall: 1500 * time.Millisecond, ok: true, outcome: outcomeHeadRecovered},
				{scenario: scenarioDelete, what: "RayCluster deleted", detected: -1, recovered: "2s (finalizer)", wall: 2 * time.Second, ok: true, outcome: outcomeRedisClean + " (0 keys left)", notes: []string{"Redis after: 0 of 6 keys left"}},
			},
			wantOK:   true,
			wantRows: map[string]string{scenarioHeadDeleted: outcomeHeadRecovered, scenarioDelete: outcomeRedisClean + " (0 keys left)"},
			wantText: []string{"All 2 scenario(s) recovered", "delete:\n  - Redis after: 0 of 6 keys left"},
		},
		"one failed": {
			results: []result{
				{scenario: scenarioNodeLost, what: "sim-node-1 lost", detected: 6 * time.Second, detectedCoarse: true, wall: 35 * time.Second, outcome: "NOT recovered within 35s"},
			},
			wantOK:   false,
			wantRows: map[string]string{scenarioNodeLost: "NOT recovered within 35s"},
			wantText: []string{"~6s", "did not recover"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if ok := printResults(&out, tc.results); ok != tc.wantOK {
				t.Errorf("printResults() = %v, want %v", ok, tc.wantOK)
			}
			if rows := tableRows(out.String()); !maps.Equal(rows, tc.wantRows) {
				t.Errorf("rows = %v, want %v; output:\n%s", rows, tc.wantRows, out.String())
			}
			for _, want := range tc.wantText {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestShowDetected(t *testing.T) {
	tests := map[string]struct {
		r    result
		want string
	}{
		"observed":             {r: result{detected: 1234 * time.Millisecond}, want: "1.2s"},
		"observed, sub-second": {r: result{detected: 374 * time.Millisecond}, want: "370ms"},
		"unknown":              {r: result{detected: -1}, want: "-"},
		"coarse, same second":  {r: result{detected: 0, detectedCoarse: true}, want: "<1s"},
		"coarse, seconds":      {r: result{detected: 5600 * time.Millisecond, detectedCoarse: true}, want: "~6s"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := showDetected(tc.r); got != tc.want {
				t.Errorf("showDetected() = %q, want %q", got, tc.want)
			}
		})
	}
}
