/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"
	"regexp"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/version"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// Minimum Ray versions the operator enforces.
const (
	// MinRayVersionGCSFaultTolerance: Ray's documentation of GCS fault
	// tolerance on Kubernetes lists Ray 2.0.0 as the prerequisite for
	// keeping the GCS in an external Redis (RAY_REDIS_ADDRESS).
	MinRayVersionGCSFaultTolerance = "2.0.0"

	// MinRayVersionRedisUsername: a Redis ACL user for the GCS is passed as
	// `ray start --redis-username`, which KubeRay documents as supported
	// from Ray 2.41; with an older head the option is not understood.
	MinRayVersionRedisUsername = "2.41.0"
)

// rayVersionPattern accepts Ray's release numbers (2.41.0, 2.9) with an
// optional leading v and PEP 440 pre-, post- or dev-release suffixes
// (2.42.0rc1, 2.40.0.dev0). Image tags such as "latest" or "nightly" are
// refused: they say nothing about what the image supports.
var rayVersionPattern = regexp.MustCompile(`^v?[0-9]+\.[0-9]+(\.[0-9]+)?((a|b|rc)[0-9]+)?(\.?(post|dev)[0-9]*)?$`)

// ParseRayVersion parses spec.rayVersion; pre-release suffixes are ignored
// in comparisons, so 2.41.0rc1 counts as 2.41.0.
func ParseRayVersion(s string) (*version.Version, error) {
	if !rayVersionPattern.MatchString(s) {
		return nil, fmt.Errorf("%q is not a Ray release number such as 2.41.0", s)
	}
	v, err := version.ParseGeneric(s)
	if err != nil {
		return nil, fmt.Errorf("parsing Ray version %q: %w", s, err)
	}
	return v, nil
}

// validateRayVersion checks that rayVersion parses and is new enough for the
// requested fault-tolerance features. An empty rayVersion is accepted, as in
// KubeRay, and then nothing can be checked.
func validateRayVersion(rc *rayv1.RayCluster) field.ErrorList {
	raw := rc.Spec.RayVersion
	if raw == "" {
		return nil
	}
	path := specPath.Child("rayVersion")
	v, err := ParseRayVersion(raw)
	if err != nil {
		return field.ErrorList{field.Invalid(path, raw, err.Error())}
	}
	var errs field.ErrorList
	if FaultToleranceEnabled(rc) && !v.AtLeast(version.MustParseGeneric(MinRayVersionGCSFaultTolerance)) {
		errs = append(errs, field.Invalid(path, raw, fmt.Sprintf(
			"GCS fault tolerance with an external Redis needs Ray %s or newer", MinRayVersionGCSFaultTolerance)))
	}
	opts := rc.Spec.GcsFaultToleranceOptions
	if opts != nil && opts.RedisUsername != nil && !v.AtLeast(version.MustParseGeneric(MinRayVersionRedisUsername)) {
		errs = append(errs, field.Invalid(ftOptionsPath.Child("redisUsername"), field.OmitValueType{}, fmt.Sprintf(
			"a Redis user name needs Ray %s or newer (spec.rayVersion is %s)", MinRayVersionRedisUsername, raw)))
	}
	return errs
}
