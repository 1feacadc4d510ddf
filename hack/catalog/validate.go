package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/operator-framework/operator-registry/alpha/declcfg"
	"github.com/operator-framework/operator-registry/alpha/property"
)

// ErrDanglingEdge is an upgrade edge (replaces or skips) to a bundle the
// catalog does not hold. OLM's model accepts one on the tail of a channel
// (catalogs that pruned old releases); this catalog keeps every release, so
// such an edge is a mistake in the graph.
var ErrDanglingEdge = errors.New("upgrade edge to a bundle the catalog does not hold")

// ErrInvalidCatalog wraps what operator-registry's model validation reports
// (the checks `opm validate` runs).
var ErrInvalidCatalog = errors.New("invalid catalog")

// validate checks the catalog as OLM's registry does (declcfg →
// ConvertToModel → Validate: one head per channel, no cycles, no stranded
// bundle, a default channel that exists, bundles with versions) and that
// every edge leads to a bundle of the catalog.
func validate(cfg declcfg.DeclarativeConfig) error {
	if err := checkEdges(cfg); err != nil {
		return err
	}
	m, err := declcfg.ConvertToModel(cfg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCatalog, err)
	}
	if err := m.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCatalog, err)
	}
	return nil
}

func checkEdges(cfg declcfg.DeclarativeConfig) error {
	held := map[string]bool{}
	for _, b := range cfg.Bundles {
		held[b.Package+"/"+b.Name] = true
	}
	var errs []error
	for _, c := range cfg.Channels {
		for _, e := range c.Entries {
			if e.Replaces != "" && !held[c.Package+"/"+e.Replaces] {
				errs = append(errs, fmt.Errorf("%w: channel %q: %s replaces %s", ErrDanglingEdge, c.Name, e.Name, e.Replaces))
			}
			for _, s := range e.Skips {
				if !held[c.Package+"/"+s] {
					errs = append(errs, fmt.Errorf("%w: channel %q: %s skips %s", ErrDanglingEdge, c.Name, e.Name, s))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// bundleVersion is the version of the bundle's olm.package property.
func bundleVersion(b declcfg.Bundle) (string, error) {
	for _, p := range b.Properties {
		if p.Type != property.TypePackage {
			continue
		}
		var pkg property.Package
		if err := json.Unmarshal(p.Value, &pkg); err != nil {
			return "", fmt.Errorf("bundle %s: reading its %s property: %w", b.Name, property.TypePackage, err)
		}
		return pkg.Version, nil
	}
	return "", fmt.Errorf("bundle %s has no %s property", b.Name, property.TypePackage)
}
