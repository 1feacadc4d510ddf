/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"errors"
	"flag"
	"fmt"
	"time"
)

// Defaults of the fleet brake. docs/gcs-ha.md ("Fleet brake") explains them.
const (
	// DefaultUnhealthyZoneThreshold is kube-controller-manager's
	// --unhealthy-zone-threshold: a zone with at least this share of its
	// nodes NotReady is in partial disruption, and the node lifecycle
	// controller stops evicting there (in clusters of up to 50 nodes).
	DefaultUnhealthyZoneThreshold = 0.55
	// DefaultUnhealthyZoneMinNodes is the node lifecycle controller's fixed
	// "more than 2 NotReady nodes": one or two lost nodes are never a zone
	// disruption, whatever their share, so a small cluster still recovers
	// from losing a node or two.
	DefaultUnhealthyZoneMinNodes = 3
	// DefaultMaxForcedReplacements and DefaultForcedReplacementWindow bound
	// head force-deletes across the whole fleet: ten in ten minutes. One
	// lost node holding a few heads, or a few independent node losses,
	// stay well inside; more than ten forced head replacements in ten
	// minutes is a storm with one cause (a flapping network, a kubelet
	// fault on every node), where forcing more heads risks two GCS servers
	// on one Redis namespace and fixes nothing.
	DefaultMaxForcedReplacements   = 10
	DefaultForcedReplacementWindow = 10 * time.Minute
	// DefaultBrakeReleaseDelay keeps the brake on for a while after a zone
	// drops below the threshold: nodes come back from a partition one by
	// one, and the heads on the last of them must not be force-deleted in
	// the seconds before their nodes report Ready too.
	DefaultBrakeReleaseDelay = 30 * time.Second
)

// FleetBrakeOptions tune the fleet brake (flags; see BindFlags).
type FleetBrakeOptions struct {
	// Enabled switches the brake on; off, each head is judged alone.
	Enabled bool
	// UnhealthyZoneThreshold and UnhealthyZoneMinNodes define a disrupted
	// zone: at least MinNodes of its nodes NotReady, and at least Threshold
	// of them (0 < Threshold <= 1).
	UnhealthyZoneThreshold float64
	UnhealthyZoneMinNodes  int
	// MaxForcedReplacements is how many heads may be force-deleted across
	// the fleet within ForcedReplacementWindow (0: no budget).
	MaxForcedReplacements   int
	ForcedReplacementWindow time.Duration
	// ReleaseDelay is how long a zone must have stayed below the threshold
	// before force-deletes there resume.
	ReleaseDelay time.Duration
}

// DefaultFleetBrakeOptions returns the defaults above, brake on.
func DefaultFleetBrakeOptions() FleetBrakeOptions {
	return FleetBrakeOptions{
		Enabled:                 true,
		UnhealthyZoneThreshold:  DefaultUnhealthyZoneThreshold,
		UnhealthyZoneMinNodes:   DefaultUnhealthyZoneMinNodes,
		MaxForcedReplacements:   DefaultMaxForcedReplacements,
		ForcedReplacementWindow: DefaultForcedReplacementWindow,
		ReleaseDelay:            DefaultBrakeReleaseDelay,
	}
}

// BindFlags registers the fleet brake flags on fs, with o's values as
// defaults. main.go calls it on DefaultFleetBrakeOptions() before parsing.
func (o *FleetBrakeOptions) BindFlags(fs *flag.FlagSet) {
	fs.BoolVar(&o.Enabled, "fleet-brake-enabled", o.Enabled,
		"Hold head force-deletes while much of the cluster is disrupted or many heads were force-deleted lately.")
	fs.Float64Var(&o.UnhealthyZoneThreshold, "fleet-brake-unhealthy-zone-threshold", o.UnhealthyZoneThreshold,
		"Share of a zone's nodes NotReady (with at least --fleet-brake-unhealthy-zone-min-nodes of them) that holds head force-deletes in that zone, "+
			"as kube-controller-manager's --unhealthy-zone-threshold.")
	fs.IntVar(&o.UnhealthyZoneMinNodes, "fleet-brake-unhealthy-zone-min-nodes", o.UnhealthyZoneMinNodes,
		"NotReady nodes a zone needs at least before it counts as disrupted (kube-controller-manager: more than 2).")
	fs.IntVar(&o.MaxForcedReplacements, "fleet-brake-max-forced-replacements", o.MaxForcedReplacements,
		"Head force-deletes allowed across all RayClusters within --fleet-brake-window (0: no budget).")
	fs.DurationVar(&o.ForcedReplacementWindow, "fleet-brake-window", o.ForcedReplacementWindow,
		"Window of --fleet-brake-max-forced-replacements.")
	fs.DurationVar(&o.ReleaseDelay, "fleet-brake-release-delay", o.ReleaseDelay,
		"How long a zone must stay below the threshold before head force-deletes there resume.")
}

// Validate reports every out-of-range field at once.
func (o FleetBrakeOptions) Validate() error {
	var errs []error
	if o.UnhealthyZoneThreshold <= 0 || o.UnhealthyZoneThreshold > 1 {
		errs = append(errs, fmt.Errorf("fleet brake unhealthy-zone threshold %v: must be above 0 and at most 1", o.UnhealthyZoneThreshold))
	}
	if o.UnhealthyZoneMinNodes < 1 {
		errs = append(errs, fmt.Errorf("fleet brake unhealthy-zone min nodes %d: must be at least 1", o.UnhealthyZoneMinNodes))
	}
	if o.MaxForcedReplacements < 0 {
		errs = append(errs, fmt.Errorf("fleet brake max forced replacements %d: must not be negative", o.MaxForcedReplacements))
	}
	if o.MaxForcedReplacements > 0 && (o.ForcedReplacementWindow <= 0 || o.ForcedReplacementWindow > maxBound) {
		errs = append(errs, fmt.Errorf("fleet brake window %s: must be above 0 and at most %s", o.ForcedReplacementWindow, maxBound))
	}
	if o.ReleaseDelay < 0 || o.ReleaseDelay > maxBound {
		errs = append(errs, fmt.Errorf("fleet brake release delay %s: must be between 0 and %s", o.ReleaseDelay, maxBound))
	}
	return errors.Join(errs...)
}
