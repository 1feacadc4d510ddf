package bundle

import (
	"fmt"
	"os"
	"path/filepath"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	"sigs.k8s.io/yaml"

	"github.com/ray-ha-operator/ray-ha-operator/hack/bundlegen/gen"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// Package is the OLM package name of the operator.
const Package = "ray-ha-operator"

// Layout locates the bundle and its inputs in the source tree.
type Layout struct {
	Root, BundleDir, Dockerfile, ManifestsDir string
}

// SourceLayout finds them from the module root.
func SourceLayout() (Layout, error) {
	root, err := testbin.ModuleRoot()
	if err != nil {
		return Layout{}, err
	}
	return Layout{
		Root:         root,
		BundleDir:    filepath.Join(root, "bundle"),
		Dockerfile:   filepath.Join(root, "bundle.Dockerfile"),
		ManifestsDir: filepath.Join(root, "config", "manifests"),
	}, nil
}

// CSVPath is the committed CSV.
func (l Layout) CSVPath() string {
	return filepath.Join(l.BundleDir, filepath.FromSlash(gen.CSVFile(Package)))
}

// ReadCSV parses the committed CSV.
func (l Layout) ReadCSV() (*operatorsv1alpha1.ClusterServiceVersion, []byte, error) {
	data, err := os.ReadFile(l.CSVPath())
	if err != nil {
		return nil, nil, fmt.Errorf("reading the bundle's CSV: %w", err)
	}
	var csv operatorsv1alpha1.ClusterServiceVersion
	if err := yaml.UnmarshalStrict(data, &csv); err != nil {
		return nil, nil, fmt.Errorf("parsing %s: %w", l.CSVPath(), err)
	}
	return &csv, data, nil
}
