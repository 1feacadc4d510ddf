package main

import (
	"maps"
	"testing"
)

func TestParseRecoveries(t *testing.T) {
	tests := map[string]struct {
		text string
		want map[string]recoveryStats
	}{
		"histogram with two reasons": {
			text: `# HELP rayha_head_recovery_seconds Time from a Ray head failure ...
# TYPE rayha_head_recovery_seconds histogram
rayha_head_recovery_seconds_bucket{reason="PodMissing",le="0.1"} 0
rayha_head_recovery_seconds_bucket{reason="PodMissing",le="+Inf"} 2
rayha_head_recovery_seconds_sum{reason="PodMissing"} 3.25
rayha_head_recovery_seconds_count{reason="PodMissing"} 2
rayha_head_recovery_seconds_sum{reason="NodeUnreachable"} 14.5
rayha_head_recovery_seconds_count{reason="NodeUnreachable"} 1
`,
			want: map[string]recoveryStats{
				"PodMissing":      {count: 2, sum: 3.25},
				"NodeUnreachable": {count: 1, sum: 14.5},
			},
		},
		"other metrics and labels are ignored": {
			text: `rayha_head_forced_replacements_total{reason="NodeUnreachable"} 1
rayha_head_recovery_seconds_count{instance="x", reason="PodMissing"} 4
rayha_head_recovery_seconds_sum{reason="PodMissing"} 1e1 1700000000000
controller_runtime_reconcile_total{controller="raycluster-helm",result="success"} 12
`,
			want: map[string]recoveryStats{"PodMissing": {count: 4, sum: 10}},
		},
		"no recoveries yet": {
			text: "# HELP rayha_head_recovery_seconds x\n# TYPE rayha_head_recovery_seconds histogram\n",
			want: map[string]recoveryStats{},
		},
		"malformed lines are skipped": {
			text: "rayha_head_recovery_seconds_count{reason=\"PodMissing\"\nrayha_head_recovery_seconds_count{reason=\"PodFailed\"} NaNx\n",
			want: map[string]recoveryStats{},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := parseRecoveries(tc.text)
			if !maps.Equal(got, tc.want) {
				t.Errorf("parseRecoveries() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRecoveryStatsMinus(t *testing.T) {
	got := recoveryStats{count: 3, sum: 7.5}.minus(recoveryStats{count: 2, sum: 5})
	if want := (recoveryStats{count: 1, sum: 2.5}); got != want {
		t.Errorf("minus = %v, want %v", got, want)
	}
}
