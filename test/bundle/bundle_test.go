package bundle

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/ray-ha-operator/ray-ha-operator/hack/bundlegen/check"
	"github.com/ray-ha-operator/ray-ha-operator/hack/bundlegen/gen"
)

// TestBundleValid runs the OperatorHub/OpenShift validation on the committed
// bundle: any error fails, warnings are listed.
func TestBundleValid(t *testing.T) {
	l := mustLayout(t)
	report, err := check.Bundle(l.BundleDir, l.Dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range report.Warnings() {
		t.Log(w)
	}
	for _, e := range report.Errors() {
		t.Error(e)
	}
}

// TestBundleUpToDate regenerates the bundle from config/ into a temporary
// folder, with the version, image and channels of the committed one, and
// fails on any difference: run `make bundle` after changing config/, the
// CRD or the RBAC markers.
func TestBundleUpToDate(t *testing.T) {
	l := mustLayout(t)
	o := committedOptions(t, l)
	b, err := gen.Generate(o, "bundle")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := b.Write(out, filepath.Join(out, "bundle.Dockerfile")); err != nil {
		t.Fatal(err)
	}
	got := listFiles(t, out)
	want := listFiles(t, l.BundleDir)
	delete(want, ".keep")
	want["bundle.Dockerfile"] = mustRead(t, l.Dockerfile)
	for name, data := range got {
		committed, ok := want[name]
		switch {
		case !ok:
			t.Errorf("%s is generated but not committed: run make bundle", name)
		case !bytes.Equal(data, committed):
			t.Errorf("%s is stale: run make bundle\n%s", name, firstDifference(committed, data))
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%s is committed but no longer generated: run make bundle", name)
		}
	}
}

// committedOptions are the generator's options that reproduce the committed
// bundle: its version, image, channels and OpenShift versions.
func committedOptions(t *testing.T, l Layout) gen.Options {
	t.Helper()
	csv, csvData, err := l.ReadCSV()
	if err != nil {
		t.Fatal(err)
	}
	ann := readAnnotations(t, filepath.Join(l.BundleDir, "metadata", "annotations.yaml"))
	return gen.Options{
		ManifestsDir:      l.ManifestsDir,
		Package:           Package,
		Version:           csv.Spec.Version.String(),
		Image:             csv.Annotations["containerImage"],
		Channels:          strings.Split(ann["operators.operatorframework.io.bundle.channels.v1"], ","),
		DefaultChannel:    ann["operators.operatorframework.io.bundle.channel.default.v1"],
		OpenShiftVersions: ann["com.redhat.openshift.versions"],
		ScorecardDir:      filepath.Join(l.Root, "config", "scorecard"),
		PreviousCSV:       csvData,
		Now:               func() time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
}

func mustLayout(t *testing.T) Layout {
	t.Helper()
	l, err := SourceLayout()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func readAnnotations(t *testing.T, path string) map[string]string {
	t.Helper()
	var f struct {
		Annotations map[string]string `json:"annotations"`
	}
	if err := yaml.Unmarshal(mustRead(t, path), &f); err != nil {
		t.Fatal(err)
	}
	return f.Annotations
}

// listFiles maps every file under dir (slash paths relative to dir) to its
// content; the Dockerfile of a generated tree sits at its top.
func listFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firstDifference shows the first differing line besides createdAt.
func firstDifference(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		// createdAt moves whenever the CSV does; show what moved it.
		if wl != gl && !strings.Contains(wl, "createdAt:") {
			return fmt.Sprintf("line %d:\n  committed: %s\n  generated: %s", i+1, wl, gl)
		}
	}
	return "(only trailing bytes differ)"
}
