package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/operator-framework/operator-registry/alpha/declcfg"
	"github.com/operator-framework/operator-registry/alpha/property"
)

// The repository's bundle, graph and catalog, from this folder.
var (
	repoBundle  = filepath.Join("..", "..", "bundle")
	repoGraph   = filepath.Join("..", "..", "config", "catalog", "channels.yaml")
	repoCatalog = filepath.Join("..", "..", "catalog")
)

const (
	pkgName   = "ray-ha-operator"
	testImage = "registry.example/ray-ha-operator-bundle:v0.1.0"
)

// repoVersion is the version of the repository's bundle.
func repoVersion(t *testing.T) string {
	t.Helper()
	b, err := renderBundleDir(context.Background(), repoBundle, testImage)
	if err != nil {
		t.Fatal(err)
	}
	v, err := bundleVersion(b.bundle)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRenderRepositoryBundle renders the repository's bundle with its graph
// into an empty folder: the package, channel and bundle are those of the
// bundle's metadata and CSV.
func TestRenderRepositoryBundle(t *testing.T) {
	cfg, err := render(context.Background(), inputs{
		graphFile: repoGraph, bundleDir: repoBundle, bundleImage: testImage, catalogDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Packages) != 1 || len(cfg.Bundles) != 1 {
		t.Fatalf("want one package and one bundle, got %d and %d", len(cfg.Packages), len(cfg.Bundles))
	}
	bd, err := renderBundleDir(context.Background(), repoBundle, testImage)
	if err != nil {
		t.Fatal(err)
	}
	pkg, b := cfg.Packages[0], cfg.Bundles[0]
	if pkg.Name != pkgName || pkg.DefaultChannel != bd.defaultChannel {
		t.Errorf("package %q with default channel %q, want %q and the bundle's %q", pkg.Name, pkg.DefaultChannel, pkgName, bd.defaultChannel)
	}
	if pkg.Icon == nil || pkg.Icon.MediaType != "image/svg+xml" || !strings.HasPrefix(string(pkg.Icon.Data), "<svg") {
		t.Errorf("package icon %+v, want the CSV's SVG", pkg.Icon)
	}
	if b.Name != bd.bundle.Name || b.Package != pkgName || b.Image != testImage {
		t.Errorf("bundle %s of %s with image %q, want %s of %s with %q", b.Name, b.Package, b.Image, bd.bundle.Name, pkgName, testImage)
	}
	for _, ch := range bd.channels {
		if !channelHasEntry(cfg, ch, b.Name) {
			t.Errorf("channel %q (from the bundle's metadata) has no entry %s", ch, b.Name)
		}
	}
	if !slices.ContainsFunc(b.RelatedImages, func(r declcfg.RelatedImage) bool { return r.Image == testImage }) {
		t.Errorf("relatedImages %v lack the bundle image", b.RelatedImages)
	}
	props, err := property.Parse(b.Properties)
	if err != nil {
		t.Fatal(err)
	}
	if len(props.BundleObjects) != countFiles(t, filepath.Join(repoBundle, "manifests")) {
		t.Errorf("%d olm.bundle.object properties, want one per manifest", len(props.BundleObjects))
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestCatalogUpToDate fails when the checked-in catalog is not what
// `make catalog` renders from the checked-in graph and bundle: run make
// catalog after changing either (make bundle changes bundle/).
func TestCatalogUpToDate(t *testing.T) {
	want, err := os.ReadFile(catalogFile(repoCatalog, pkgName))
	if err != nil {
		t.Fatalf("%v: run make catalog", err)
	}
	checkedIn, err := loadCatalog(context.Background(), repoCatalog)
	if err != nil {
		t.Fatal(err)
	}
	// The image the checked-in catalog gives the bundle in bundle/ (BUNDLE_IMG).
	name := "ray-ha-operator.v" + repoVersion(t)
	i := slices.IndexFunc(checkedIn.Bundles, func(b declcfg.Bundle) bool { return b.Name == name })
	if i < 0 {
		t.Fatalf("the checked-in catalog has no bundle %s (the one in bundle/): run make catalog", name)
	}
	cfg, err := render(context.Background(), inputs{
		graphFile: repoGraph, bundleDir: repoBundle, bundleImage: checkedIn.Bundles[i].Image, catalogDir: repoCatalog,
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeCatalog(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("catalog/ is not what make catalog renders from config/catalog/channels.yaml and bundle/: run make catalog")
	}
}

// TestCheckedInCatalogValid validates the checked-in catalog as it is read
// from disk, as opm serve reads it.
func TestCheckedInCatalogValid(t *testing.T) {
	cfg, err := loadCatalog(context.Background(), repoCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if cfg == nil {
		t.Fatal("no catalog in catalog/: run make catalog")
	}
	if err := validate(*cfg); err != nil {
		t.Fatal(err)
	}
}

// TestUpgradeGraph renders the repository's bundle with earlier releases
// (v0.0.1, v0.0.2) in the catalog rendered before, under graphs with valid
// and broken edges.
func TestUpgradeGraph(t *testing.T) {
	// The graphs name the bundle in bundle/ CURRENT, whatever its version.
	current := "ray-ha-operator.v" + repoVersion(t)
	subst := func(s string) string { return strings.ReplaceAll(s, "CURRENT", current) }
	type edges struct {
		replaces  string
		skips     []string
		skipRange string
	}
	tests := map[string]struct {
		channel   string // the entries of channel "candidate"
		pkg       string // the olm.package blob; empty: default channel candidate
		version   string
		wantErr   error
		wantMsg   string           // in the error
		wantEdges map[string]edges // by entry, when the render succeeds
	}{
		"replaces chain with a skip range": {
			channel: `
  - name: ray-ha-operator.v0.0.1
  - name: ray-ha-operator.v0.0.2
    replaces: ray-ha-operator.v0.0.1
  - name: CURRENT
    replaces: ray-ha-operator.v0.0.2
    skipRange: '>=0.0.1 <0.0.3'`,
			wantEdges: map[string]edges{
				"ray-ha-operator.v0.0.1": {},
				"ray-ha-operator.v0.0.2": {replaces: "ray-ha-operator.v0.0.1"},
				"CURRENT":                {replaces: "ray-ha-operator.v0.0.2", skipRange: ">=0.0.1 <0.0.3"},
			},
		},
		"skips over a release": {
			channel: `
  - name: ray-ha-operator.v0.0.1
  - name: ray-ha-operator.v0.0.2
    replaces: ray-ha-operator.v0.0.1
  - name: CURRENT
    replaces: ray-ha-operator.v0.0.1
    skips: [ray-ha-operator.v0.0.2]`,
			wantEdges: map[string]edges{
				"ray-ha-operator.v0.0.1": {},
				"ray-ha-operator.v0.0.2": {replaces: "ray-ha-operator.v0.0.1"},
				"CURRENT":                {replaces: "ray-ha-operator.v0.0.1", skips: []string{"ray-ha-operator.v0.0.2"}},
			},
		},
		"replaces a bundle the catalog does not hold": {
			channel: `
  - name: CURRENT
    replaces: ray-ha-operator.v0.0.9`,
			wantErr: ErrDanglingEdge,
			wantMsg: "CURRENT replaces ray-ha-operator.v0.0.9",
		},
		"skips a bundle the catalog does not hold": {
			channel: `
  - name: ray-ha-operator.v0.0.1
  - name: CURRENT
    replaces: ray-ha-operator.v0.0.1
    skips: [ray-ha-operator.v0.0.5]`,
			wantErr: ErrDanglingEdge,
			wantMsg: "skips ray-ha-operator.v0.0.5",
		},
		"entry without a bundle": {
			channel: `
  - name: ray-ha-operator.v0.0.3
  - name: CURRENT
    replaces: ray-ha-operator.v0.0.3`,
			wantErr: ErrBundleUnavailable,
			wantMsg: `entry "ray-ha-operator.v0.0.3"`,
		},
		"two channel heads": {
			channel: `
  - name: ray-ha-operator.v0.0.1
  - name: ray-ha-operator.v0.0.2
  - name: CURRENT
    replaces: ray-ha-operator.v0.0.1`,
			wantErr: ErrInvalidCatalog,
			wantMsg: "multiple channel heads found in graph: ray-ha-operator.v0.0.2, CURRENT",
		},
		"replaces cycle": {
			channel: `
  - name: ray-ha-operator.v0.0.1
    replaces: CURRENT
  - name: CURRENT
    replaces: ray-ha-operator.v0.0.1`,
			wantErr: ErrInvalidCatalog,
			wantMsg: "no channel head found in graph",
		},
		"stranded release": {
			channel: `
  - name: ray-ha-operator.v0.0.1
  - name: ray-ha-operator.v0.0.2
    replaces: ray-ha-operator.v0.0.1
  - name: CURRENT
    replaces: ray-ha-operator.v0.0.2
    skips: [ray-ha-operator.v0.0.2]`,
			wantErr: ErrInvalidCatalog,
			wantMsg: "stranded bundles: ray-ha-operator.v0.0.1",
		},
		"bundle missing from its channel": {
			channel: `
  - name: ray-ha-operator.v0.0.1`,
			wantErr: ErrBundleNotInGraph,
			wantMsg: `add CURRENT to channel "candidate"`,
		},
		"default channel differs from the bundle's": {
			pkg: "schema: olm.package\nname: ray-ha-operator\ndefaultChannel: stable\n",
			channel: `
  - name: CURRENT`,
			wantErr: ErrDefaultChannel,
			wantMsg: `the graph says "stable", the bundle's metadata "candidate"`,
		},
		"version other than the bundle's": {
			channel: `
  - name: CURRENT`,
			version: "99.0.0",
			wantErr: ErrVersionMismatch,
			wantMsg: "bundle CURRENT is BUNDLE_VERSION, VERSION is 99.0.0",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			graph := filepath.Join(dir, "channels.yaml")
			pkg := tc.pkg
			if pkg == "" {
				pkg = "schema: olm.package\nname: ray-ha-operator\ndefaultChannel: candidate\n"
			}
			doc := pkg + "---\nschema: olm.channel\npackage: ray-ha-operator\nname: candidate\nentries:" + subst(tc.channel) + "\n"
			if err := os.WriteFile(graph, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			catalogDir := earlierCatalog(t, "0.0.1", "0.0.2")
			cfg, err := render(context.Background(), inputs{
				graphFile: graph, bundleDir: repoBundle, bundleImage: testImage, version: tc.version, catalogDir: catalogDir,
			})
			if tc.wantErr != nil {
				msg := strings.ReplaceAll(subst(tc.wantMsg), "BUNDLE_VERSION", strings.TrimPrefix(current, "ray-ha-operator.v"))
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), msg) {
					t.Fatalf("error %v, want %v with %q", err, tc.wantErr, msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]edges{}
			for _, e := range cfg.Channels[0].Entries {
				got[e.Name] = edges{replaces: e.Replaces, skips: e.Skips, skipRange: e.SkipRange}
			}
			if len(got) != len(tc.wantEdges) {
				t.Errorf("entries %v, want %v", got, tc.wantEdges)
			}
			for n, want := range tc.wantEdges {
				n, want.replaces = subst(n), subst(want.replaces)
				if g := got[n]; g.replaces != want.replaces || g.skipRange != want.skipRange || !slices.Equal(g.skips, want.skips) {
					t.Errorf("%s: edges %+v, want %+v", n, g, want)
				}
			}
			sum, err := summarizeCatalog(*cfg)
			if err != nil {
				t.Fatal(err)
			}
			if head := sum.Packages[0].Heads["candidate"]; head != current {
				t.Errorf("channel head %q, want the bundle in bundle/, %s", head, current)
			}
			if len(cfg.Bundles) != len(tc.wantEdges) {
				t.Errorf("%d bundles, want one per entry (%d)", len(cfg.Bundles), len(tc.wantEdges))
			}
			// What was written reads back as the same, valid catalog.
			if _, err := writeCatalog(*cfg, catalogDir); err != nil {
				t.Fatal(err)
			}
			back, err := loadCatalog(context.Background(), catalogDir)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(*back); err != nil {
				t.Fatalf("the written catalog: %v", err)
			}
		})
	}
}

// earlierCatalog writes a catalog holding bundles of the given earlier
// versions, made from the repository's bundle with their name, image and
// version changed, as the catalog of earlier releases would hold them.
func earlierCatalog(t *testing.T, versions ...string) string {
	t.Helper()
	bd, err := renderBundleDir(context.Background(), repoBundle, testImage)
	if err != nil {
		t.Fatal(err)
	}
	cfg := declcfg.DeclarativeConfig{
		Packages: []declcfg.Package{{Schema: declcfg.SchemaPackage, Name: pkgName, DefaultChannel: "candidate"}},
		Channels: []declcfg.Channel{{Schema: declcfg.SchemaChannel, Package: pkgName, Name: "candidate"}},
	}
	for _, v := range versions {
		b := bd.bundle
		b.Name, b.Image = "ray-ha-operator.v"+v, "registry.example/ray-ha-operator-bundle:v"+v
		b.Properties = slices.Clone(b.Properties)
		for i, p := range b.Properties {
			if p.Type == property.TypePackage {
				val, err := json.Marshal(property.Package{PackageName: pkgName, Version: v})
				if err != nil {
					t.Fatal(err)
				}
				b.Properties[i].Value = val
			}
		}
		cfg.Bundles = append(cfg.Bundles, b)
		cfg.Channels[0].Entries = append(cfg.Channels[0].Entries, declcfg.ChannelEntry{Name: b.Name})
	}
	dir := t.TempDir()
	if _, err := writeCatalog(cfg, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}
