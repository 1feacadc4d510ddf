/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"strings"
	"testing"
)

func TestReplaceNodeLossSection(t *testing.T) {
	section := nodeLossBeginMarker + "\nnew\n" + nodeLossEndMarker + "\n"
	tests := map[string]struct {
		doc, want string
	}{
		"empty file":              {"", section},
		"appended the first time": {"# Benchmarks\n\ntext\n", "# Benchmarks\n\ntext\n\n" + section},
		"replaced in place": {"a\n" + nodeLossBeginMarker + "\nold\n" + nodeLossEndMarker + "\nb\n",
			"a\n" + section + "b\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := replaceNodeLossSection(tc.doc, section); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestNodeLossMarkdownGoal(t *testing.T) {
	result := func(spareReady float64) *Result {
		return &Result{Command: "make bench", NodeLossProduction: &NodeLossResult{
			Image: "ray:big", ModelledColdPullSeconds: 60, NodeMonitorGraceSeconds: 50, NodeLostGraceSeconds: 30,
			RayStartSeconds: 10, RayStartSource: "real-Ray tier", GoalSeconds: 92,
			Variants: []NodeLossVariant{
				{Name: "without spare", Runs: []NodeLossRun{{KillToReady: 190, NewHeadNode: "sim-node-4"}}},
				{Name: "with spare", Spare: true, Runs: []NodeLossRun{{KillToReady: spareReady, NewHeadNode: "sim-node-2", SpareNode: "sim-node-2"}}},
			},
		}}
	}
	tests := map[string]struct {
		spareReady float64
		want       string
	}{
		"within the goal": {88.4, "Run 1: 88.4 s, met."},
		"over the goal":   {93.1, "Run 1: 93.1 s, **not met**."},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			md := NodeLossMarkdown(result(tc.spareReady))
			for _, want := range []string{tc.want, "modelled cold pull of 60 s", "sim-node-2 (the spare's)", "= **92.0 s**"} {
				if !strings.Contains(md, want) {
					t.Errorf("markdown lacks %q:\n%s", want, md)
				}
			}
		})
	}
	if NodeLossMarkdown(&Result{}) != "" {
		t.Errorf("a section for a run without the phase")
	}
}
