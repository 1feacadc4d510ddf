// Command catalog renders and validates the file-based catalog (FBC) of
// ray-ha-operator with operator-registry's library, the code `opm render`
// and `opm validate` run:
//
//	catalog render   -bundle bundle -graph config/catalog/channels.yaml -bundle-image <ref> -out catalog
//	catalog validate -dir catalog
//	catalog summary  -dir catalog | -addr <host:port>
//
// The package and its channels, with every upgrade edge, come from the graph
// file; the bundle in bundle/ is rendered from its directory; bundles of
// earlier releases are kept from the catalog written before. `make catalog`
// runs render, which validates what it writes. summary prints, as JSON, the
// packages, channel heads and entries of a catalog directory or of a
// registry serving one (opm serve), as OLM's catalog operator reads them.
//
// Build with -tags containers_image_openpgp (the Makefile sets it):
// operator-registry's image code otherwise needs gpgme through cgo.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/operator-framework/operator-registry/alpha/declcfg"
	"github.com/sirupsen/logrus"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: catalog render|validate|summary [flags]")
		os.Exit(2)
	}
	// operator-registry logs each optional bundle file it does not find.
	logrus.SetLevel(logrus.WarnLevel)
	var err error
	switch os.Args[1] {
	case "render":
		err = renderCmd(os.Args[2:])
	case "validate":
		err = validateCmd(os.Args[2:])
	case "summary":
		err = summaryCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (want render, validate or summary)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "catalog:", err)
		os.Exit(1)
	}
}

func renderCmd(args []string) error {
	fs := flag.NewFlagSet("render", flag.ExitOnError)
	var in inputs
	fs.StringVar(&in.bundleDir, "bundle", "bundle", "the bundle directory (manifests/, metadata/)")
	fs.StringVar(&in.graphFile, "graph", "config/catalog/channels.yaml", "the olm.package and olm.channel blobs: the upgrade graph")
	fs.StringVar(&in.bundleImage, "bundle-image", "", "the image the bundle directory is built into (BUNDLE_IMG); required")
	fs.StringVar(&in.version, "version", "", "the version the bundle must have (VERSION); empty: any")
	out := fs.String("out", "catalog", "the catalog directory to (re)write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if in.bundleImage == "" {
		return errors.New("-bundle-image is required")
	}
	in.catalogDir = *out
	cfg, err := render(context.Background(), in)
	if err != nil {
		return err
	}
	path, err := writeCatalog(*cfg, *out)
	if err != nil {
		return err
	}
	fmt.Printf("catalog %s: package %s, %d channel(s), %d bundle(s), valid\n",
		path, cfg.Packages[0].Name, len(cfg.Channels), len(cfg.Bundles))
	return nil
}

func validateCmd(args []string) error {
	fs := flag.NewFlagSet("validate", flag.ExitOnError)
	dir := fs.String("dir", "catalog", "the catalog directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadCatalog(context.Background(), *dir)
	if err != nil {
		return err
	}
	if cfg == nil {
		return fmt.Errorf("%s holds no catalog: run make catalog", *dir)
	}
	if err := validate(*cfg); err != nil {
		return err
	}
	fmt.Printf("catalog %s: valid\n", *dir)
	return nil
}

func summaryCmd(args []string) error {
	fs := flag.NewFlagSet("summary", flag.ExitOnError)
	dir := fs.String("dir", "", "a catalog directory")
	addr := fs.String("addr", "", "the address of a registry serving a catalog (opm serve)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	var s *summary
	var err error
	switch {
	case (*dir == "") == (*addr == ""):
		return errors.New("give one of -dir and -addr")
	case *addr != "":
		s, err = summarizeRegistry(ctx, *addr)
	default:
		var cfg *declcfg.DeclarativeConfig
		if cfg, err = loadCatalog(ctx, *dir); err == nil && cfg == nil {
			err = fmt.Errorf("%s holds no catalog", *dir)
		}
		if err == nil {
			s, err = summarizeCatalog(*cfg)
		}
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}
