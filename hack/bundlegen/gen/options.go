package gen

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/blang/semver/v4"
)

// Options are the inputs of one bundle generation besides config/.
type Options struct {
	// ManifestsDir is the kustomization to render (config/manifests).
	ManifestsDir string
	// Package is the OLM package name; the CSV is <Package>.v<Version>.
	Package string
	// Version is the bundle's semantic version, without a leading v.
	Version string
	// Image is the operator image; it replaces the "controller" placeholder.
	Image string
	// Channels and DefaultChannel go to annotations.yaml and bundle.Dockerfile.
	Channels       []string
	DefaultChannel string
	// ScorecardDir is the kustomization of the scorecard configuration
	// (config/scorecard); empty: the bundle has no tests folder.
	ScorecardDir string
	// OpenShiftVersions is the com.redhat.openshift.versions annotation,
	// e.g. "v4.15" (that release and later) or "v4.15-v4.18"; empty: none.
	OpenShiftVersions string
	// ExcludeGroups are API groups whose objects are left out of the bundle
	// (e.g. monitoring.coreos.com for clusters without the Prometheus
	// Operator, where OLM cannot install a ServiceMonitor). Only optional
	// objects can be left out: the CSV, CRDs and RBAC are always kept.
	ExcludeGroups []string
	// PreviousCSV is the CSV of the bundle being replaced (nil if none): its
	// createdAt is kept when nothing else in the CSV changed.
	PreviousCSV []byte
	// Now gives createdAt for a changed CSV (default time.Now).
	Now func() time.Time
}

// openShiftVersions is the syntax OpenShift catalogs accept for
// com.redhat.openshift.versions: "v4.15" (and later), "=v4.16" (exactly),
// "v4.15-v4.18" (a range).
var openShiftVersions = regexp.MustCompile(`^(=?v4\.[0-9]+|v4\.[0-9]+-v4\.[0-9]+)$`)

// placeholderImage is the image name config/manager uses for the operator.
const placeholderImage = "controller"

func (o *Options) validate() error {
	var errs []error
	if o.ManifestsDir == "" {
		errs = append(errs, errors.New("manifests directory is required"))
	}
	if o.Package == "" {
		errs = append(errs, errors.New("package name is required"))
	}
	if _, err := semver.Parse(o.Version); err != nil {
		errs = append(errs, fmt.Errorf("version %q is not a semantic version: %w", o.Version, err))
	}
	if o.Image == "" {
		errs = append(errs, errors.New("operator image is required"))
	}
	if len(o.Channels) == 0 {
		errs = append(errs, errors.New("at least one channel is required"))
	}
	if o.DefaultChannel != "" && !contains(o.Channels, o.DefaultChannel) {
		errs = append(errs, fmt.Errorf("default channel %q is not one of the channels %v", o.DefaultChannel, o.Channels))
	}
	if v := o.OpenShiftVersions; v != "" && !openShiftVersions.MatchString(v) {
		errs = append(errs, fmt.Errorf("OpenShift versions %q: want v4.N, =v4.N or v4.N-v4.M", v))
	}
	for _, g := range o.ExcludeGroups {
		if requiredGroups[g] {
			errs = append(errs, fmt.Errorf("API group %q cannot be excluded: the bundle needs its objects", g))
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return errors.Join(errs...)
}

// requiredGroups hold what every bundle needs: the CSV, its CRDs, the
// operator's RBAC and ServiceAccount.
var requiredGroups = map[string]bool{
	"":                          true,
	"operators.coreos.com":      true,
	"apiextensions.k8s.io":      true,
	"apps":                      true,
	"rbac.authorization.k8s.io": true,
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
