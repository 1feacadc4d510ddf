package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/operator-framework/operator-registry/alpha/declcfg"
)

// inputs of a catalog render.
type inputs struct {
	graphFile   string // the olm.package and olm.channel blobs
	bundleDir   string // the bundle being released
	bundleImage string // the image bundleDir is built into
	version     string // the version bundleDir must have; empty: any
	catalogDir  string // the catalog rendered before: earlier releases' bundles
}

// Errors a render reports when the bundle and the graph disagree.
var (
	ErrBundleNotInGraph  = errors.New("the bundle is not an entry of a channel its metadata names")
	ErrDefaultChannel    = errors.New("the graph's default channel differs from the bundle's")
	ErrVersionMismatch   = errors.New("the bundle's version differs from the version asked for")
	ErrBundleUnavailable = errors.New("a channel entry names a bundle that is neither the bundle directory's nor in the catalog rendered before")
)

// render builds the catalog: the graph's package (with the CSV's icon when
// the graph gives none) and channels, the bundle directory's bundle, and the
// bundles of earlier releases the channels still name, taken from the
// catalog rendered before. The result is validated.
func render(ctx context.Context, in inputs) (*declcfg.DeclarativeConfig, error) {
	graph, err := loadGraph(in.graphFile)
	if err != nil {
		return nil, err
	}
	current, err := renderBundleDir(ctx, in.bundleDir, in.bundleImage)
	if err != nil {
		return nil, err
	}
	if err := checkBundleInGraph(graph, current, in.version); err != nil {
		return nil, err
	}
	previous, err := loadCatalog(ctx, in.catalogDir)
	if err != nil {
		return nil, err
	}
	out := &declcfg.DeclarativeConfig{Packages: graph.Packages, Channels: graph.Channels}
	if out.Packages[0].Icon == nil {
		out.Packages[0].Icon = current.icon
	}
	out.Bundles, err = channelBundles(graph, current.bundle, previous)
	if err != nil {
		return nil, err
	}
	if err := validate(*out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkBundleInGraph holds the bundle directory and the graph to the same
// package, channels and default channel, so the catalog never offers the
// bundle in channels its image does not claim.
func checkBundleInGraph(graph *declcfg.DeclarativeConfig, b *bundleDir, version string) error {
	pkg := graph.Packages[0]
	if b.bundle.Package != pkg.Name {
		return fmt.Errorf("bundle %s is of package %q, the graph's package is %q", b.bundle.Name, b.bundle.Package, pkg.Name)
	}
	if version != "" {
		v, err := bundleVersion(b.bundle)
		if err != nil {
			return err
		}
		if v != version {
			return fmt.Errorf("%w: bundle %s is %s, VERSION is %s (run make bundle first)", ErrVersionMismatch, b.bundle.Name, v, version)
		}
	}
	if b.defaultChannel != "" && b.defaultChannel != pkg.DefaultChannel {
		return fmt.Errorf("%w: the graph says %q, the bundle's metadata %q", ErrDefaultChannel, pkg.DefaultChannel, b.defaultChannel)
	}
	for _, name := range b.channels {
		if !channelHasEntry(graph, name, b.bundle.Name) {
			return fmt.Errorf("%w: add %s to channel %q of the graph", ErrBundleNotInGraph, b.bundle.Name, name)
		}
	}
	return nil
}

func channelHasEntry(cfg *declcfg.DeclarativeConfig, channel, bundle string) bool {
	for _, c := range cfg.Channels {
		if c.Name == channel {
			return slices.ContainsFunc(c.Entries, func(e declcfg.ChannelEntry) bool { return e.Name == bundle })
		}
	}
	return false
}

// channelBundles lists, once each, the bundles the channels name: the
// current one, else the earlier catalog's bundle of that name.
func channelBundles(graph *declcfg.DeclarativeConfig, current declcfg.Bundle, previous *declcfg.DeclarativeConfig) ([]declcfg.Bundle, error) {
	earlier := map[string]declcfg.Bundle{}
	if previous != nil {
		for _, b := range previous.Bundles {
			earlier[b.Name] = b
		}
	}
	var out []declcfg.Bundle
	seen := map[string]bool{}
	for _, c := range graph.Channels {
		for _, e := range c.Entries {
			if seen[e.Name] {
				continue
			}
			seen[e.Name] = true
			switch b, ok := earlier[e.Name]; {
			case e.Name == current.Name:
				out = append(out, current)
			case ok:
				out = append(out, b)
			default:
				return nil, fmt.Errorf("%w: channel %q, entry %q (render it into the catalog first, e.g. opm render <its bundle image>)", ErrBundleUnavailable, c.Name, e.Name)
			}
		}
	}
	return out, nil
}

// loadCatalog reads the catalog in dir; nil when there is none yet.
func loadCatalog(ctx context.Context, dir string) (*declcfg.DeclarativeConfig, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	cfg, err := declcfg.LoadFS(ctx, os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("reading the catalog in %s: %w", dir, err)
	}
	return cfg, nil
}
