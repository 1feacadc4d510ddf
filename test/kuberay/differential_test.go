package kuberay

import (
	"os"
	"strings"
	"testing"
)

// TestDifferential compares, for every KubeRay v1.5.0 RayCluster sample
// and every generated spec, the pods KubeRay's own code builds with the
// pods our chart renders. Any difference not on the allow-list fails, per
// RayCluster; the compatibility table in docs/compatibility.md must match
// what this run found.
func TestDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("differential tier against KubeRay: builds KubeRay's oracle module (minutes on a cold build cache); skipped with -short")
	}
	inputs, err := Inputs()
	if err != nil {
		t.Fatal(err)
	}
	outcomes, err := Compare(inputs)
	if err != nil {
		t.Fatal(err)
	}
	logOutcomes(t, outcomes)
	for _, o := range outcomes {
		t.Run(o.Spec, func(t *testing.T) {
			if o.Err != "" {
				t.Fatalf("not compared: %s", o.Err)
			}
			if o.OursRejected != "" {
				t.Logf("rejected by us: %s", o.OursRejected)
				return
			}
			for _, d := range o.Failures() {
				t.Errorf("not on the allow-list: %s", d)
			}
		})
	}
	t.Run("docs/compatibility.md is current", func(t *testing.T) {
		checkDocs(t, outcomes)
	})
}

// logOutcomes lists every RayCluster compared and what came of it, so
// `go test -v` shows what the tier covered.
func logOutcomes(t *testing.T, outcomes []Outcome) {
	t.Helper()
	var b strings.Builder
	rejected := 0
	for _, o := range outcomes {
		b.WriteString("\n  " + o.Spec + ": " + o.summary())
		if o.OursRejected != "" {
			rejected++
		}
	}
	t.Logf("compared %d RayClusters with KubeRay v1.5.0 (%d rejected by us):%s", len(outcomes), rejected, b.String())
}

// checkDocs rewrites the generated section with KUBERAY_WRITE_DOCS=1, and
// otherwise fails when the committed one is stale.
func checkDocs(t *testing.T, outcomes []Outcome) {
	path, err := docsPath()
	if err != nil {
		t.Fatal(err)
	}
	want := docsSection(outcomes)
	if os.Getenv(WriteDocsEnv) == "1" {
		if err := writeSection(path, want); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote the generated section of %s", docsFile)
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := committedSection(string(b)); got != want {
		t.Errorf("%s: the generated section %s is stale or missing; rerun with %s=1 and commit it\n%s",
			docsFile, docsBegin, WriteDocsEnv, lineDiff(got, want))
	}
}

// lineDiff shows the lines only one of two texts has.
func lineDiff(got, want string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	g, w := in(got), in(want)
	var b strings.Builder
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
