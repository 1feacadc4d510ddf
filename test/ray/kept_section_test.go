package ray

import (
	"os"
	"path/filepath"
	"testing"
)

func TestKeptSectionSurvivesARewrite(t *testing.T) {
	cases := map[string]struct{ page, want string }{
		"kept part":    {page: "old table\n<!-- BEGIN kept: x -->\nlong outage\n<!-- END kept -->\n", want: "\n<!-- BEGIN kept: x -->\nlong outage\n<!-- END kept -->\n"},
		"no kept part": {page: "old table\n", want: ""},
		"no end":       {page: "<!-- BEGIN kept: x -->\nlong outage\n", want: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "page.md")
			if err := os.WriteFile(path, []byte(tc.page), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := keptSection(path); got != tc.want {
				t.Errorf("keptSection = %q, want %q", got, tc.want)
			}
		})
	}
	if got := keptSection(filepath.Join(t.TempDir(), "missing.md")); got != "" {
		t.Errorf("keptSection of a missing page = %q, want empty", got)
	}
}
