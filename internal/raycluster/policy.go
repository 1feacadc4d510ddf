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

// Defaults of the head-replacement policy. docs/gcs-ha.md explains each one.
const (
	// DefaultNodeLostGrace is counted from the moment the API shows the head's
	// node as not Ready (the Ready condition's lastTransitionTime, or the
	// unreachable/not-ready taint). The node controller only flips Ready to
	// Unknown after its node-monitor grace period (40-50 s by default), so a
	// head is force-deleted about 70-80 s after its kubelet went silent. That
	// is well inside the 600 s workers wait for the GCS, while a partition
	// must outlast both periods before a second head can start.
	DefaultNodeLostGrace = 30 * time.Second
	// DefaultStuckTerminatingGrace is added to the pod's deletionTimestamp
	// (which already includes its termination grace period) before a pod that
	// is still Terminating is force-deleted. A live kubelet has long killed
	// the containers by then.
	DefaultStuckTerminatingGrace = 30 * time.Second
	// DefaultBackoffBase is the wait after the first operator-initiated
	// replacement before another one; it doubles per further replacement.
	DefaultBackoffBase = 10 * time.Second
	// DefaultBackoffMax bounds the doubling.
	DefaultBackoffMax = 5 * time.Minute
	// DefaultMaxReplacements is how many replacements may follow each other
	// (with less than ReplacementWindow between them) before the operator
	// stops and waits for a human: a head that fails again and again on fresh
	// pods has a cause that another pod will not fix.
	DefaultMaxReplacements = 5
	// DefaultReplacementWindow is the quiet time after which the replacement
	// count starts again from zero.
	DefaultReplacementWindow = time.Hour

	// maxBound keeps bounds within a sane range, so a typo such as an extra
	// digit is reported instead of silently disabling recovery for months.
	maxBound = 7 * 24 * time.Hour
)

// Policy holds the bounds and switches of head replacement. The operator-wide
// value comes from flags (BindFlags); a cluster may override it with
// annotations (ApplyAnnotations). The zero value is not useful: start from
// DefaultPolicy.
type Policy struct {
	// ReplacementEnabled switches every operator-initiated head deletion on
	// or off. When off, the operator only observes and reports.
	ReplacementEnabled bool
	// NodeLostGrace is how long the head's node must be NotReady or
	// unreachable before the head pod is force-deleted.
	NodeLostGrace time.Duration
	// StuckTerminatingGrace is how long past its deletionTimestamp a
	// Terminating head pod may stay before it is force-deleted.
	StuckTerminatingGrace time.Duration
	// CrashLoopReplaceAfter deletes a head that has been in CrashLoopBackOff
	// (and not Ready) for this long, for a fresh pod. Zero turns it off.
	CrashLoopReplaceAfter time.Duration
	// NotReadyReplaceAfter deletes a head whose Ray container runs but has
	// not been Ready for this long (a hung GCS). Zero turns it off.
	NotReadyReplaceAfter time.Duration
	// BackoffBase and BackoffMax space out repeated replacements:
	// the n-th replacement in a row waits min(BackoffBase*2^(n-2), BackoffMax)
	// after the previous one (the first does not wait).
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// MaxReplacements caps replacements in a row; zero means no cap.
	MaxReplacements int32
	// ReplacementWindow is the quiet time that resets the count.
	ReplacementWindow time.Duration
}

// DefaultPolicy returns the safe defaults: node-lost and stuck-Terminating
// recovery on, the CrashLoop and not-Ready replacements off.
func DefaultPolicy() Policy {
	return Policy{
		ReplacementEnabled:    true,
		NodeLostGrace:         DefaultNodeLostGrace,
		StuckTerminatingGrace: DefaultStuckTerminatingGrace,
		BackoffBase:           DefaultBackoffBase,
		BackoffMax:            DefaultBackoffMax,
		MaxReplacements:       DefaultMaxReplacements,
		ReplacementWindow:     DefaultReplacementWindow,
	}
}

// BindFlags registers the operator-wide policy flags on fs, with p's current
// values as defaults. main.go calls it on DefaultPolicy() before parsing.
func (p *Policy) BindFlags(fs *flag.FlagSet) {
	fs.BoolVar(&p.ReplacementEnabled, "head-replacement-enabled", p.ReplacementEnabled,
		"Let the operator delete or force-delete a failed Ray head pod (off: observe and report only).")
	fs.DurationVar(&p.NodeLostGrace, "head-node-lost-grace", p.NodeLostGrace,
		"How long the head's node must be NotReady/unreachable before the head pod is force-deleted.")
	fs.DurationVar(&p.StuckTerminatingGrace, "head-stuck-terminating-grace", p.StuckTerminatingGrace,
		"How long past its deletion deadline a Terminating head pod may stay before it is force-deleted.")
	fs.DurationVar(&p.CrashLoopReplaceAfter, "head-crashloop-replace-after", p.CrashLoopReplaceAfter,
		"Delete a head in CrashLoopBackOff for this long, for a fresh pod (0: off).")
	fs.DurationVar(&p.NotReadyReplaceAfter, "head-notready-replace-after", p.NotReadyReplaceAfter,
		"Delete a running head that is not Ready for this long (0: off).")
	fs.DurationVar(&p.BackoffBase, "head-replacement-backoff-base", p.BackoffBase,
		"Wait after a head replacement before another one; doubles per replacement in a row.")
	fs.DurationVar(&p.BackoffMax, "head-replacement-backoff-max", p.BackoffMax,
		"Upper bound of the wait between head replacements.")
	fs.Var(int32Flag{&p.MaxReplacements}, "head-replacement-cap",
		"Head replacements in a row before the operator stops and waits for a human (0: no cap).")
	fs.DurationVar(&p.ReplacementWindow, "head-replacement-window", p.ReplacementWindow,
		"Quiet time after which the count of head replacements in a row starts again.")
}

// Validate reports every out-of-range field at once, each by name.
func (p Policy) Validate() error {
	var errs []error
	bounds := []struct {
		name string
		d    time.Duration
	}{
		{"node-lost grace", p.NodeLostGrace},
		{"stuck-terminating grace", p.StuckTerminatingGrace},
		{"crashloop replace-after", p.CrashLoopReplaceAfter},
		{"notready replace-after", p.NotReadyReplaceAfter},
		{"replacement backoff base", p.BackoffBase},
		{"replacement backoff max", p.BackoffMax},
		{"replacement window", p.ReplacementWindow},
	}
	for _, b := range bounds {
		if b.d < 0 || b.d > maxBound {
			errs = append(errs, fmt.Errorf("%s %s: must be between 0 and %s", b.name, b.d, maxBound))
		}
	}
	if p.BackoffMax < p.BackoffBase {
		errs = append(errs, fmt.Errorf("replacement backoff max %s is below the base %s", p.BackoffMax, p.BackoffBase))
	}
	if p.MaxReplacements < 0 {
		errs = append(errs, fmt.Errorf("replacement cap %d: must not be negative", p.MaxReplacements))
	}
	return errors.Join(errs...)
}

// int32Flag lets the standard flag package fill an int32 field.
type int32Flag struct{ p *int32 }

func (f int32Flag) String() string {
	if f.p == nil {
		return "0"
	}
	return fmt.Sprint(*f.p)
}

func (f int32Flag) Set(s string) error {
	v, err := parseInt32(s)
	if err != nil {
		return err
	}
	*f.p = v
	return nil
}
