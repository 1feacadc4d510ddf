/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// fleetNodes builds nodes [zone-]n-1..n-<total> in zone ("" for no label), the
// first notReady of them NotReady.
func fleetNodes(zone string, total, notReady int) []corev1.Node {
	var out []corev1.Node
	for i := range total {
		n := readyNode(func(n *corev1.Node) {
			n.Name = fmt.Sprintf("n-%d", i+1)
			if zone != "" {
				n.Name = zone + "-" + n.Name
				n.Labels = map[string]string{labelZone: zone}
			}
		})
		if i < notReady {
			nodeReady(corev1.ConditionUnknown, 0)(n)
		}
		out = append(out, *n)
	}
	return out
}

func joinNodes(lists ...[]corev1.Node) []corev1.Node {
	var out []corev1.Node
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// TestFleetBrakeZones checks the zone rule against the node lifecycle
// controller's: more than 2 NotReady nodes and at least 55% of the zone.
func TestFleetBrakeZones(t *testing.T) {
	tests := map[string]struct {
		nodes    []corev1.Node
		headNode string
		want     string // hold reason; "" admits
	}{
		"one of three lost":                   {fleetNodes("", 3, 1), "n-1", ""},
		"two of three lost: KCM evicts both":  {fleetNodes("", 3, 2), "n-1", ""},
		"three of three lost":                 {fleetNodes("", 3, 3), "n-1", rayv1.ReasonZoneDisrupted},
		"four of six lost: PartialDisruption": {fleetNodes("", 6, 4), "n-1", rayv1.ReasonZoneDisrupted},
		"three of six lost: 50% is below 55%": {fleetNodes("", 6, 3), "n-1", ""},
		"six of ten lost: 60%":                {fleetNodes("", 10, 6), "n-1", rayv1.ReasonZoneDisrupted},
		"five of ten lost: 50%":               {fleetNodes("", 10, 5), "n-1", ""},
		"node without a Ready condition counts as NotReady": {
			joinNodes(fleetNodes("", 4, 2), []corev1.Node{*readyNode(noNodeConditions(), func(n *corev1.Node) { n.Name = "bare" })}),
			"n-1", rayv1.ReasonZoneDisrupted},
		"disrupted zone holds its own heads": {
			joinNodes(fleetNodes("a", 4, 4), fleetNodes("b", 6, 0)), "a-n-1", rayv1.ReasonZoneDisrupted},
		"a healthy zone is not held by another's disruption": {
			joinNodes(fleetNodes("a", 4, 4), fleetNodes("b", 6, 1)), "b-n-1", ""},
		"unknown node judged against the whole cluster: 4 of 10": {
			joinNodes(fleetNodes("a", 4, 4), fleetNodes("b", 6, 0)), "gone", ""},
		"unknown node judged against the whole cluster: 7 of 10": {
			joinNodes(fleetNodes("a", 4, 4), fleetNodes("b", 6, 3)), "gone", rayv1.ReasonZoneDisrupted},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b := NewFleetBrake(nil, DefaultFleetBrakeOptions())
			h := b.admitNodes(tc.nodes, tc.headNode, at(0))
			got := ""
			if h != nil {
				got = h.Reason
			}
			if got != tc.want {
				t.Fatalf("hold %q (%+v), want %q", got, h, tc.want)
			}
		})
	}
}

// TestFleetBrakeReleaseDelay: once the zone is below the threshold, the
// brake still holds for the release delay after it last saw the
// disruption, then admits again.
func TestFleetBrakeReleaseDelay(t *testing.T) {
	opts := DefaultFleetBrakeOptions()
	opts.ReleaseDelay = secs(30)
	b := NewFleetBrake(nil, opts)
	steps := []struct {
		sec      int
		notReady int
		want     string
		recheck  int
	}{
		{0, 4, rayv1.ReasonZoneDisrupted, 30},
		{10, 4, rayv1.ReasonZoneDisrupted, 30},
		{15, 1, rayv1.ReasonDisruptionSettling, 25},
		{39, 1, rayv1.ReasonDisruptionSettling, 1},
		{40, 1, "", 0},
		{41, 1, "", 0},
	}
	for _, s := range steps {
		h := b.admitNodes(fleetNodes("", 6, s.notReady), "n-1", at(s.sec))
		got, recheck := "", 0
		if h != nil {
			got, recheck = h.Reason, int(h.RecheckAfter.Seconds())
		}
		if got != s.want || recheck != s.recheck {
			t.Errorf("t=%d, %d of 6 NotReady: hold %q recheck %ds, want %q %ds", s.sec, s.notReady, got, recheck, s.want, s.recheck)
		}
	}
}

// TestFleetBrakeBudget: at most MaxForcedReplacements admitted per window,
// fleet-wide; a slot given back is free again; old ones expire.
func TestFleetBrakeBudget(t *testing.T) {
	opts := DefaultFleetBrakeOptions()
	opts.MaxForcedReplacements, opts.ForcedReplacementWindow = 3, secs(60)
	b := NewFleetBrake(nil, opts)
	healthy := fleetNodes("", 6, 1)
	admit := func(sec int) *BrakeHold { return b.admitNodes(healthy, "n-1", at(sec)) }
	for _, sec := range []int{0, 10, 20} {
		if h := admit(sec); h != nil {
			t.Fatalf("t=%d: held within the budget: %+v", sec, h)
		}
	}
	h := admit(30)
	if h == nil || h.Reason != rayv1.ReasonForcedReplacementBudgetExhausted || h.RecheckAfter != secs(30) {
		t.Fatalf("t=30, fourth force-delete: %+v, want budget hold rechecked when t=0 leaves the window (30s)", h)
	}
	if !strings.Contains(h.Message, "3 heads were force-deleted") {
		t.Errorf("message %q", h.Message)
	}
	b.Return(at(20)) // that delete did not happen
	if h := admit(31); h != nil {
		t.Fatalf("t=31 after a slot was given back: %+v", h)
	}
	if h := admit(32); h == nil {
		t.Fatal("t=32: admitted over the budget")
	}
	if h := admit(61); h != nil { // t=0 left the window
		t.Fatalf("t=61: %+v", h)
	}
}

// TestFleetBrakeDisabled admits everything, and a nil brake too.
func TestFleetBrakeDisabled(t *testing.T) {
	opts := DefaultFleetBrakeOptions()
	opts.Enabled = false
	for name, b := range map[string]*FleetBrake{"disabled": NewFleetBrake(nil, opts), "nil": nil} {
		h, err := b.Admit(t.Context(), "any", at(0))
		if h != nil || err != nil {
			t.Errorf("%s brake: %+v, %v", name, h, err)
		}
	}
}

func TestFleetBrakeOptionsValidate(t *testing.T) {
	tests := map[string]struct {
		edit func(*FleetBrakeOptions)
		want string
	}{
		"defaults":               {func(*FleetBrakeOptions) {}, ""},
		"no budget, no window":   {func(o *FleetBrakeOptions) { o.MaxForcedReplacements, o.ForcedReplacementWindow = 0, 0 }, ""},
		"threshold zero":         {func(o *FleetBrakeOptions) { o.UnhealthyZoneThreshold = 0 }, "unhealthy-zone threshold 0"},
		"threshold above one":    {func(o *FleetBrakeOptions) { o.UnhealthyZoneThreshold = 55 }, "unhealthy-zone threshold 55"},
		"min nodes zero":         {func(o *FleetBrakeOptions) { o.UnhealthyZoneMinNodes = 0 }, "min nodes 0"},
		"negative budget":        {func(o *FleetBrakeOptions) { o.MaxForcedReplacements = -1 }, "max forced replacements -1"},
		"budget without window":  {func(o *FleetBrakeOptions) { o.ForcedReplacementWindow = 0 }, "window 0s"},
		"negative release delay": {func(o *FleetBrakeOptions) { o.ReleaseDelay = -secs(1) }, "release delay -1s"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := DefaultFleetBrakeOptions()
			tc.edit(&o)
			err := o.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
}
