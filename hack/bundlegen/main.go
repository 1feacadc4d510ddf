// Command bundlegen builds and checks the OLM bundle of ray-ha-operator
// without the operator-sdk CLI.
//
//	bundlegen generate -version 0.1.0 -image <repo>/ray-ha-operator:v0.1.0
//	bundlegen validate -dir bundle
//
// `make bundle` and `make bundle-validate` run it from the repository root.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ray-ha-operator/ray-ha-operator/hack/bundlegen/check"
	"github.com/ray-ha-operator/ray-ha-operator/hack/bundlegen/gen"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bundlegen generate|validate [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "generate":
		err = generate(os.Args[2:])
	case "validate":
		err = validate(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (want generate or validate)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bundlegen:", err)
		os.Exit(1)
	}
}

func generate(args []string) error {
	fs := flag.NewFlagSet("generate", flag.ExitOnError)
	o := gen.Options{}
	fs.StringVar(&o.ManifestsDir, "manifests", "config/manifests", "kustomization that renders the bundle's inputs")
	fs.StringVar(&o.Package, "package", "ray-ha-operator", "OLM package name")
	fs.StringVar(&o.Version, "version", "", "bundle version (semver, no leading v)")
	fs.StringVar(&o.Image, "image", "", "operator image")
	channels := fs.String("channels", "candidate", "comma-separated channels")
	fs.StringVar(&o.DefaultChannel, "default-channel", "candidate", "default channel")
	fs.StringVar(&o.ScorecardDir, "scorecard", "", "kustomization of the scorecard configuration (config/scorecard); empty: none")
	fs.StringVar(&o.OpenShiftVersions, "openshift-versions", "", "com.redhat.openshift.versions of the bundle, e.g. v4.15; empty: none")
	exclude := fs.String("exclude-groups", "", "comma-separated API groups left out of the bundle, e.g. monitoring.coreos.com; empty: none")
	out := fs.String("output", "bundle", "bundle folder to (re)write")
	dockerfile := fs.String("dockerfile", "bundle.Dockerfile", "bundle Dockerfile to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Channels = strings.Split(*channels, ",")
	if *exclude != "" {
		o.ExcludeGroups = strings.Split(*exclude, ",")
	}
	prev, err := os.ReadFile(filepath.Join(*out, filepath.FromSlash(gen.CSVFile(o.Package))))
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("reading the previous CSV: %w", err)
	}
	o.PreviousCSV = prev
	rel, err := filepath.Rel(filepath.Dir(*dockerfile), *out)
	if err != nil {
		return fmt.Errorf("locating %s from %s: %w", *out, *dockerfile, err)
	}
	b, err := gen.Generate(o, rel)
	if err != nil {
		return err
	}
	if err := b.Write(*out, *dockerfile); err != nil {
		return err
	}
	fmt.Printf("bundle %s.v%s written to %s (%d files) and %s\n", o.Package, o.Version, *out, len(b.Files), *dockerfile)
	return nil
}

func validate(args []string) error {
	fs := flag.NewFlagSet("validate", flag.ExitOnError)
	dir := fs.String("dir", "bundle", "bundle folder")
	dockerfile := fs.String("dockerfile", "bundle.Dockerfile", "bundle Dockerfile")
	if err := fs.Parse(args); err != nil {
		return err
	}
	report, err := check.Bundle(*dir, *dockerfile)
	if err != nil {
		return err
	}
	for _, f := range report.Findings {
		fmt.Println(f)
	}
	if n := len(report.Errors()); n > 0 {
		return fmt.Errorf("%d errors in %s", n, *dir)
	}
	fmt.Printf("bundle %s: no errors, %d warnings\n", *dir, len(report.Warnings()))
	return nil
}
