package kuberay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteSection(t *testing.T) {
	section := docsBegin + "\nnew table\n" + docsEnd + "\n"
	tests := map[string]struct {
		doc  string
		want string
	}{
		"appended under its heading when missing": {
			doc:  "# Title\n\ntext\n",
			want: "# Title\n\ntext\n\n" + docsHeading + "\n\n" + section,
		},
		"replaced in place, the rest untouched": {
			doc:  "# Title\n\n" + docsHeading + "\n\n" + docsBegin + "\nold\n" + docsEnd + "\n\nafter\n",
			want: "# Title\n\n" + docsHeading + "\n\n" + section + "\nafter\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "doc.md")
			if err := os.WriteFile(path, []byte(tc.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := writeSection(path, section); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if committedSection(string(got)) != section {
				t.Errorf("committedSection does not read back what was written")
			}
		})
	}
}

func TestDocsSectionRows(t *testing.T) {
	outcomes := []Outcome{
		{Spec: "generated same"},
		{Spec: "generated refused", OursRejected: "spec.x: a | b\nmore"},
		{Spec: "generated differs", Diffs: []Difference{
			{Field: fieldRayStart, Name: "num-cpus", KubeRay: "1", Ours: "2"},
			{Field: fieldRayStart, Name: nameExec, KubeRay: "no", Ours: "yes", Reason: "r"},
		}},
	}
	doc := docsSection(outcomes)
	for _, want := range []string{
		"| generated same | same Ray as KubeRay |  |",
		`| generated refused | rejected by us: spec.x: a \| b more |  |`,
		"| generated differs | **differs** (1 differences): ray start num-cpus | ray start (exec) |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("section lacks %q:\n%s", want, doc)
		}
	}
}
