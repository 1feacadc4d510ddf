package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/operator-framework/operator-registry/alpha/action"
	"github.com/operator-framework/operator-registry/alpha/declcfg"
	"github.com/operator-framework/operator-registry/pkg/image"
	"sigs.k8s.io/yaml"
)

// bundleDir is a bundle rendered from its directory as `opm render <dir>`
// renders it, with what the catalog needs from its metadata.
type bundleDir struct {
	bundle         declcfg.Bundle
	channels       []string // operators.operatorframework.io.bundle.channels.v1
	defaultChannel string   // operators.operatorframework.io.bundle.channel.default.v1
	icon           *declcfg.Icon
}

// renderBundleDir renders dir with image as the bundle's image reference
// (also listed in its relatedImages, as opm lists it).
func renderBundleDir(ctx context.Context, dir, bundleImage string) (*bundleDir, error) {
	// The reference is taken literally: it is the template's only text.
	ref, err := template.New("bundle-image").Parse(strings.ReplaceAll(bundleImage, "{{", `{{"{{"}}`))
	if err != nil {
		return nil, fmt.Errorf("bundle image %q: %w", bundleImage, err)
	}
	r := action.Render{
		Refs:             []string{dir},
		AllowedRefMask:   action.RefBundleDir,
		ImageRefTemplate: ref,
		Registry:         noPulls{},
	}
	cfg, err := r.Run(ctx)
	if err != nil {
		return nil, err
	}
	if len(cfg.Bundles) != 1 {
		return nil, fmt.Errorf("rendering %s: want one bundle, got %d", dir, len(cfg.Bundles))
	}
	out := &bundleDir{bundle: cfg.Bundles[0]}
	if out.channels, out.defaultChannel, err = readChannels(dir); err != nil {
		return nil, err
	}
	if out.icon, err = csvIcon(out.bundle.CsvJSON); err != nil {
		return nil, fmt.Errorf("bundle %s: %w", out.bundle.Name, err)
	}
	return out, nil
}

// readChannels returns the channels the bundle's metadata puts it in.
func readChannels(dir string) ([]string, string, error) {
	path := filepath.Join(dir, "metadata", "annotations.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("reading the bundle's channels: %w", err)
	}
	var doc struct {
		Annotations map[string]string `json:"annotations"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, "", fmt.Errorf("parsing %s: %w", path, err)
	}
	channels := doc.Annotations["operators.operatorframework.io.bundle.channels.v1"]
	if channels == "" {
		return nil, "", fmt.Errorf("%s names no channel", path)
	}
	return strings.Split(channels, ","), doc.Annotations["operators.operatorframework.io.bundle.channel.default.v1"], nil
}

// csvIcon is the CSV's first icon, which OperatorHub shows for the package.
func csvIcon(csvJSON string) (*declcfg.Icon, error) {
	var csv struct {
		Spec struct {
			Icon []struct {
				Data      string `json:"base64data"`
				MediaType string `json:"mediatype"`
			} `json:"icon"`
		} `json:"spec"`
	}
	if err := json.Unmarshal([]byte(csvJSON), &csv); err != nil {
		return nil, fmt.Errorf("reading the CSV's icon: %w", err)
	}
	if len(csv.Spec.Icon) == 0 {
		return nil, nil
	}
	// declcfg keeps the icon's bytes; the CSV holds them base64-encoded.
	var data []byte
	if err := json.Unmarshal([]byte(`"`+csv.Spec.Icon[0].Data+`"`), &data); err != nil {
		return nil, fmt.Errorf("decoding the CSV's icon: %w", err)
	}
	return &declcfg.Icon{Data: data, MediaType: csv.Spec.Icon[0].MediaType}, nil
}

// noPulls is the image registry of a render that reads directories only:
// a render that would pull an image fails instead of reaching a registry.
type noPulls struct{}

var errNoPulls = errors.New("the catalog is rendered from directories only; no image is pulled")

func (noPulls) Pull(context.Context, image.Reference) error           { return errNoPulls }
func (noPulls) Unpack(context.Context, image.Reference, string) error { return errNoPulls }
func (noPulls) Labels(context.Context, image.Reference) (map[string]string, error) {
	return nil, errNoPulls
}
func (noPulls) Destroy() error { return nil }
