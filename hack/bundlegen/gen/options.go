package gen

import (
	"errors"
	"fmt"
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
	// PreviousCSV is the CSV of the bundle being replaced (nil if none): its
	// createdAt is kept when nothing else in the CSV changed.
	PreviousCSV []byte
	// Now gives createdAt for a changed CSV (default time.Now).
	Now func() time.Time
}

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
	if o.Now == nil {
		o.Now = time.Now
	}
	return errors.Join(errs...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
