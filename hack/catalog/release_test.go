package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/operator-framework/operator-registry/alpha/declcfg"
)

// TestAddRelease follows the documented release steps on copies: a bundle
// of a new version in the bundle directory, one added channel entry that
// replaces the released bundle, and a render over the checked-in catalog.
// The released bundle is kept exactly as the catalog held it, the new one
// heads the channel.
func TestAddRelease(t *testing.T) {
	released := "ray-ha-operator.v" + repoVersion(t)
	const next, nextName = "99.0.0", "ray-ha-operator.v99.0.0"
	bundleDir := filepath.Join(t.TempDir(), "bundle")
	copyDir(t, repoBundle, bundleDir)
	csvPath := filepath.Join(bundleDir, "manifests", "ray-ha-operator.clusterserviceversion.yaml")
	csv := string(mustReadFile(t, csvPath))
	csv = strings.Replace(csv, "  name: "+released+"\n", "  name: "+nextName+"\n", 1)
	csv = strings.Replace(csv, "\n  version: "+strings.TrimPrefix(released, "ray-ha-operator.v")+"\n", "\n  version: "+next+"\n", 1)
	if err := os.WriteFile(csvPath, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	catalogDir := filepath.Join(t.TempDir(), "catalog")
	copyDir(t, repoCatalog, catalogDir)
	before, err := loadCatalog(context.Background(), catalogDir)
	if err != nil {
		t.Fatal(err)
	}
	graph := strings.Replace(string(mustReadFile(t, repoGraph)), "  - name: "+released+"\n",
		"  - name: "+released+"\n  - name: "+nextName+"\n    replaces: "+released+"\n    skipRange: '<"+next+"'\n", 1)
	graphFile := filepath.Join(t.TempDir(), "channels.yaml")
	if err := os.WriteFile(graphFile, []byte(graph), 0o644); err != nil {
		t.Fatal(err)
	}

	cfg, err := render(context.Background(), inputs{
		graphFile: graphFile, bundleDir: bundleDir, bundleImage: "registry.example/ray-ha-operator-bundle:v" + next,
		version: next, catalogDir: catalogDir,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Bundles) != 2 {
		t.Fatalf("%d bundles, want the released one and the new one", len(cfg.Bundles))
	}
	old := bundleNamed(t, before, released)
	if kept := bundleNamed(t, cfg, released); !reflect.DeepEqual(kept.Properties, old.Properties) || kept.Image != old.Image {
		t.Errorf("the released bundle changed (image %q, was %q)", kept.Image, old.Image)
	}
	sum, err := summarizeCatalog(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	for ch, head := range sum.Packages[0].Heads {
		if head != nextName {
			t.Errorf("channel %s: head %s, want %s", ch, head, nextName)
		}
	}
	i := slices.IndexFunc(sum.Entries, func(e summaryEntry) bool { return e.Bundle == nextName })
	if i < 0 || sum.Entries[i].Replaces != released || sum.Entries[i].SkipRange != "<"+next || sum.Entries[i].Version != next {
		t.Errorf("entries %+v, want %s replacing %s with skipRange <%s", sum.Entries, nextName, released, next)
	}
}

func bundleNamed(t *testing.T, cfg *declcfg.DeclarativeConfig, name string) declcfg.Bundle {
	t.Helper()
	i := slices.IndexFunc(cfg.Bundles, func(b declcfg.Bundle) bool { return b.Name == name })
	if i < 0 {
		t.Fatalf("no bundle %s", name)
	}
	return cfg.Bundles[i]
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}
