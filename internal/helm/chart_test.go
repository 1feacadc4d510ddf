package helm

import (
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
)

func testChart(t *testing.T) *chart.Chart {
	t.Helper()
	ch, err := loader.Load("testdata/widget")
	if err != nil {
		t.Fatal(err)
	}
	sub := &chart.Chart{Metadata: &chart.Metadata{Name: "sub", Version: "0.0.1"}, Values: map[string]any{"k": "v"}}
	ch.AddDependency(sub)
	ch.Metadata.Dependencies = []*chart.Dependency{{Name: "sub", Version: "0.0.1"}}
	return ch
}

// TestCopyChartIsolation: what Helm mutates while rendering one resource
// (dependencies, values, dependency metadata) must not leak into the shared
// chart.
func TestCopyChartIsolation(t *testing.T) {
	tests := map[string]func(c *chart.Chart){
		"drop dependencies":       func(c *chart.Chart) { c.SetDependencies() },
		"rewrite top values":      func(c *chart.Chart) { c.Values["message"] = "changed" },
		"rewrite nested values":   func(c *chart.Chart) { c.Dependencies()[0].Values["k"] = "changed" },
		"alias a dependency":      func(c *chart.Chart) { c.Metadata.Dependencies[0].Alias = "other" },
		"append a template":       func(c *chart.Chart) { c.Templates = append(c.Templates, &chart.File{Name: "x"}) },
		"rename the chart itself": func(c *chart.Chart) { c.Metadata.Name = "renamed" },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			orig := testChart(t)
			before, err := chartDigest(orig)
			if err != nil {
				t.Fatal(err)
			}
			cp, err := copyChart(orig)
			if err != nil {
				t.Fatal(err)
			}
			mutate(cp)
			after, err := chartDigest(orig)
			if err != nil {
				t.Fatal(err)
			}
			if before != after || len(orig.Dependencies()) != 1 || orig.Dependencies()[0].Values["k"] != "v" {
				t.Errorf("mutating the copy changed the original chart")
			}
			if cp.Dependencies() != nil && len(cp.Dependencies()) > 0 && cp.Dependencies()[0].Parent() != cp {
				t.Errorf("copied dependency's parent is not the copy")
			}
		})
	}
}

func TestChartDigest(t *testing.T) {
	tests := map[string]struct {
		mutate func(c *chart.Chart)
		same   bool
	}{
		"reloaded":           {mutate: func(*chart.Chart) {}, same: true},
		"template text":      {mutate: func(c *chart.Chart) { c.Templates[0].Data = append(c.Templates[0].Data, ' ') }},
		"default values":     {mutate: func(c *chart.Chart) { c.Values["message"] = "other" }},
		"version":            {mutate: func(c *chart.Chart) { c.Metadata.Version = "9.9.9" }},
		"schema":             {mutate: func(c *chart.Chart) { c.Schema = []byte(`{}`) }},
		"dependency values":  {mutate: func(c *chart.Chart) { c.Dependencies()[0].Values["k"] = "w" }},
		"file moved between": {mutate: func(c *chart.Chart) { c.Files = append(c.Files, &chart.File{Name: "a", Data: []byte("b")}) }},
	}
	ref, err := chartDigest(testChart(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := testChart(t)
			tc.mutate(c)
			got, err := chartDigest(c)
			if err != nil {
				t.Fatal(err)
			}
			if (got == ref) != tc.same {
				t.Errorf("digest same = %v, want %v", got == ref, tc.same)
			}
		})
	}
}
