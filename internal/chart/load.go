package chart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	helmchart "helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
)

// RelativeDir is the chart's folder relative to the repository root.
const RelativeDir = "helm-charts/ray-cluster"

// modulePath identifies the repository's go.mod when searching for it.
const modulePath = "github.com/ray-ha-operator/ray-ha-operator"

// Load reads the chart from a folder (or a packaged .tgz).
func Load(dir string) (*helmchart.Chart, error) {
	ch, err := loader.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("loading chart %s: %w", dir, err)
	}
	return ch, nil
}

// LoadSpecChart loads the chart for rendering a RayCluster's spec. It drops
// the chart's values.yaml: those defaults describe an example cluster for
// chart-only installs, and Helm would merge them under the CR's spec, so a
// RayCluster without workerGroupSpecs would get the example worker group
// and one without rayVersion the example's probes. With them gone, a field
// missing from the spec means what it means in the RayCluster API. The
// templates default everything they need themselves.
func LoadSpecChart(dir string) (*helmchart.Chart, error) {
	ch, err := Load(dir)
	if err != nil {
		return nil, err
	}
	ch.Values = map[string]any{}
	return ch, nil
}

// DefaultDir returns the chart folder of the source tree, found by walking
// up from the working directory to the repository's go.mod. It serves tests
// and `go run`; a deployed operator is told the chart path by watches.yaml.
func DefaultDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the chart folder: %w", err)
	}
	for {
		if isModuleRoot(dir) {
			return filepath.Join(dir, filepath.FromSlash(RelativeDir)), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding the chart folder: no go.mod of " + modulePath + " above the working directory")
		}
		dir = parent
	}
}

func isModuleRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	want := "module " + modulePath + "\n"
	return len(b) >= len(want) && string(b[:len(want)]) == want
}
