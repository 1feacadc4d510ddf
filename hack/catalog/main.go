// Command catalog renders and validates the file-based catalog (FBC) of
// ray-ha-operator with operator-registry's library, the code `opm render`
// and `opm validate` run:
//
//	catalog render   -bundle bundle -graph config/catalog/channels.yaml -bundle-image <ref> -out catalog
//	catalog validate -dir catalog
//
// The package and its channels, with every upgrade edge, come from the graph
// file; the bundle in bundle/ is rendered from its directory; bundles of
// earlier releases are kept from the catalog written before. `make catalog`
// runs render, which validates what it writes.
//
// Build with -tags containers_image_openpgp (the Makefile sets it):
// operator-registry's image code otherwise needs gpgme through cgo.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/sirupsen/logrus"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: catalog render|validate [flags]")
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
	default:
		err = fmt.Errorf("unknown command %q (want render or validate)", os.Args[1])
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
