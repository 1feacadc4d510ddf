package reliability

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// The soak's results live between these markers in docs/reliability.md.
const (
	chaosDocsBegin = "<!-- chaos-soak-results:begin -->"
	chaosDocsEnd   = "<!-- chaos-soak-results:end -->"
)

// chaosWriteDocs replaces the results block of docs/reliability.md.
func chaosWriteDocs(t *testing.T, results string) {
	t.Helper()
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "docs", "reliability.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	out, err := chaosReplaceBlock(string(b), results)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
	t.Logf("wrote the soak results into %s", path)
}

// chaosReplaceBlock puts results between the markers of doc.
func chaosReplaceBlock(doc, results string) (string, error) {
	begin := strings.Index(doc, chaosDocsBegin)
	end := strings.Index(doc, chaosDocsEnd)
	if begin < 0 || end < begin {
		return "", errNoMarkers
	}
	return doc[:begin+len(chaosDocsBegin)] + "\n" + strings.TrimSpace(results) + "\n" + doc[end:], nil
}

var errNoMarkers = errors.New("no " + chaosDocsBegin + " ... " + chaosDocsEnd + " block to write the results into")

// TestChaosReplaceBlock checks the docs writer keeps everything outside
// its block; it runs under -short.
func TestChaosReplaceBlock(t *testing.T) {
	tests := map[string]struct {
		doc, want string
		err       bool
	}{
		"replaces the old results": {
			doc:  "# A\n" + chaosDocsBegin + "\nold\n" + chaosDocsEnd + "\n## B\n",
			want: "# A\n" + chaosDocsBegin + "\nnew\n" + chaosDocsEnd + "\n## B\n",
		},
		"empty block":     {doc: chaosDocsBegin + chaosDocsEnd, want: chaosDocsBegin + "\nnew\n" + chaosDocsEnd},
		"no markers":      {doc: "# A\n", err: true},
		"markers swapped": {doc: chaosDocsEnd + chaosDocsBegin, err: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := chaosReplaceBlock(tc.doc, "new\n")
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want error %v", err, tc.err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestChaosRound checks the rounding of the results table; it runs under
// -short.
func TestChaosRound(t *testing.T) {
	tests := map[string]struct {
		in   time.Duration
		want string
	}{
		"milliseconds":      {in: 38400 * time.Microsecond, want: "38ms"},
		"hundreds of ms":    {in: 418 * time.Millisecond, want: "420ms"},
		"seconds":           {in: 8549 * time.Millisecond, want: "8.5s"},
		"tens of seconds":   {in: 24670 * time.Millisecond, want: "25s"},
		"zero stays honest": {in: 0, want: "0s"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := chaosRound(tc.in); got != tc.want {
				t.Errorf("chaosRound(%s) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}
