package helm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"

	"github.com/mitchellh/copystructure"
	"helm.sh/helm/v3/pkg/chart"
)

// chartDigest hashes everything of a chart that can change what it renders:
// metadata, templates, values, schema, files and, recursively, dependencies.
// It is computed once per loaded chart and feeds the input hash.
func chartDigest(c *chart.Chart) (string, error) {
	h := sha256.New()
	if err := writeChart(h, c); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func writeChart(h hash.Hash, c *chart.Chart) error {
	meta, err := json.Marshal(c.Metadata)
	if err != nil {
		return fmt.Errorf("chart metadata: %w", err)
	}
	vals, err := json.Marshal(c.Values)
	if err != nil {
		return fmt.Errorf("chart values: %w", err)
	}
	writeField(h, "metadata", meta)
	writeField(h, "values", vals)
	writeField(h, "schema", c.Schema)
	for _, f := range c.Templates {
		writeField(h, "template:"+f.Name, f.Data)
	}
	for _, f := range c.Files {
		writeField(h, "file:"+f.Name, f.Data)
	}
	for _, d := range c.Dependencies() {
		writeField(h, "dependency", []byte(d.Name()))
		if err := writeChart(h, d); err != nil {
			return err
		}
	}
	return nil
}

// writeField length-prefixes each part so that two different charts cannot
// produce the same byte stream by moving bytes between fields.
func writeField(h hash.Hash, name string, data []byte) {
	fmt.Fprintf(h, "%s:%d:", name, len(data))
	h.Write(data)
}

// copyChart returns a copy of c that Helm may mutate: Helm rewrites the
// dependency list and the values of a chart while it processes conditions,
// aliases and import-values, and one loaded chart serves every resource and
// every worker of a kind. Templates and files are shared: Helm only reads them.
func copyChart(c *chart.Chart) (*chart.Chart, error) {
	cp := *c
	if c.Metadata != nil {
		md := *c.Metadata
		md.Dependencies = make([]*chart.Dependency, len(c.Metadata.Dependencies))
		for i, d := range c.Metadata.Dependencies {
			dc := *d
			md.Dependencies[i] = &dc
		}
		cp.Metadata = &md
	}
	vals, err := copystructure.Copy(c.Values)
	if err != nil {
		return nil, fmt.Errorf("copying values of chart %s: %w", c.Name(), err)
	}
	if vals != nil {
		cp.Values = vals.(map[string]any)
	}
	cp.Templates = append([]*chart.File(nil), c.Templates...)
	deps := make([]*chart.Chart, 0, len(c.Dependencies()))
	for _, d := range c.Dependencies() {
		dc, err := copyChart(d)
		if err != nil {
			return nil, err
		}
		deps = append(deps, dc)
	}
	// SetDependencies also points each copy's parent at cp.
	cp.SetDependencies(deps...)
	return &cp, nil
}
