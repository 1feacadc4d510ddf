/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Per-cluster overrides of the operator-wide Policy, set as annotations on the
// RayCluster. Seconds are whole non-negative numbers; 0 turns an opt-in bound
// off.
const (
	// AnnotationPrefix is shared by every annotation this operator reads.
	AnnotationPrefix = "ray-ha.io/"

	AnnotationHeadReplacement       = AnnotationPrefix + "head-replacement" // "enabled" or "disabled"
	AnnotationNodeLostGrace         = AnnotationPrefix + "node-lost-grace-seconds"
	AnnotationStuckTerminatingGrace = AnnotationPrefix + "stuck-terminating-grace-seconds"
	AnnotationCrashLoopReplaceAfter = AnnotationPrefix + "crashloop-replace-after-seconds"
	AnnotationNotReadyReplaceAfter  = AnnotationPrefix + "notready-replace-after-seconds"
	AnnotationBackoffBase           = AnnotationPrefix + "replacement-backoff-base-seconds"
	AnnotationBackoffMax            = AnnotationPrefix + "replacement-backoff-max-seconds"
	AnnotationReplacementCap        = AnnotationPrefix + "replacement-cap"
	AnnotationReplacementWindow     = AnnotationPrefix + "replacement-window-seconds"
)

// ApplyAnnotations returns p with the cluster's annotations applied. Every
// annotation that cannot be used is named in the returned error and leaves
// its field at the operator-wide value, so one typo neither stops head
// recovery nor goes unnoticed: the caller reports the error (condition and
// event) and goes on with the returned policy.
func (p Policy) ApplyAnnotations(annotations map[string]string) (Policy, error) {
	var errs []error
	if v, ok := annotations[AnnotationHeadReplacement]; ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "enabled":
			p.ReplacementEnabled = true
		case "disabled":
			p.ReplacementEnabled = false
		default:
			errs = append(errs, fmt.Errorf("annotation %s: %q is neither \"enabled\" nor \"disabled\"", AnnotationHeadReplacement, v))
		}
	}
	seconds := []struct {
		key   string
		field *time.Duration
	}{
		{AnnotationNodeLostGrace, &p.NodeLostGrace},
		{AnnotationStuckTerminatingGrace, &p.StuckTerminatingGrace},
		{AnnotationCrashLoopReplaceAfter, &p.CrashLoopReplaceAfter},
		{AnnotationNotReadyReplaceAfter, &p.NotReadyReplaceAfter},
		{AnnotationBackoffBase, &p.BackoffBase},
		{AnnotationBackoffMax, &p.BackoffMax},
		{AnnotationReplacementWindow, &p.ReplacementWindow},
	}
	for _, s := range seconds {
		v, ok := annotations[s.key]
		if !ok {
			continue
		}
		d, err := parseSeconds(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("annotation %s: %w", s.key, err))
			continue
		}
		*s.field = d
	}
	if v, ok := annotations[AnnotationReplacementCap]; ok {
		n, err := parseInt32(v)
		if err == nil && n < 0 {
			err = fmt.Errorf("%d is negative", n)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("annotation %s: %w", AnnotationReplacementCap, err))
		} else {
			p.MaxReplacements = n
		}
	}
	return p.repairBackoff(&errs), errors.Join(errs...)
}

// repairBackoff keeps BackoffMax >= BackoffBase after per-field overrides
// (say, only the base was raised) and reports the clash.
func (p Policy) repairBackoff(errs *[]error) Policy {
	if p.BackoffMax < p.BackoffBase {
		*errs = append(*errs, fmt.Errorf("annotations %s/%s: backoff max %s is below the base %s; using %s for both",
			AnnotationBackoffBase, AnnotationBackoffMax, p.BackoffMax, p.BackoffBase, p.BackoffBase))
		p.BackoffMax = p.BackoffBase
	}
	return p
}

// parseSeconds reads a whole, non-negative number of seconds up to maxBound.
func parseSeconds(v string) (time.Duration, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number of seconds", v)
	}
	if n < 0 || n > int64(maxBound/time.Second) {
		return 0, fmt.Errorf("%d seconds is outside 0..%d", n, int64(maxBound/time.Second))
	}
	return time.Duration(n) * time.Second, nil
}

func parseInt32(v string) (int32, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", v)
	}
	return int32(n), nil
}
