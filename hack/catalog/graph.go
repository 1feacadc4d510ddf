package main

import (
	"fmt"
	"os"

	"github.com/operator-framework/operator-registry/alpha/declcfg"
)

// loadGraph reads the checked-in upgrade graph: exactly one olm.package and
// its olm.channel blobs, whose entries name every replaces, skips and
// skipRange edge. Bundles are not listed there; they come from bundle
// directories and the catalog rendered before.
func loadGraph(path string) (*declcfg.DeclarativeConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the upgrade graph: %w", err)
	}
	defer f.Close()
	cfg, err := declcfg.LoadReader(f)
	if err != nil {
		return nil, fmt.Errorf("parsing the upgrade graph %s: %w", path, err)
	}
	switch {
	case len(cfg.Packages) != 1:
		return nil, fmt.Errorf("%s: want exactly one olm.package, found %d", path, len(cfg.Packages))
	case len(cfg.Channels) == 0:
		return nil, fmt.Errorf("%s: no olm.channel", path)
	case len(cfg.Bundles) != 0 || len(cfg.Others) != 0 || len(cfg.Deprecations) != 0:
		return nil, fmt.Errorf("%s: only olm.package and olm.channel blobs belong here (bundles are rendered from bundle directories)", path)
	}
	return cfg, nil
}
