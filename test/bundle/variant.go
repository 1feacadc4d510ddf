package bundle

import (
	"fmt"
	"path/filepath"

	"github.com/ray-ha-operator/ray-ha-operator/hack/bundlegen/gen"
)

// MonitoringGroup is the Prometheus Operator's API group. The bundle carries
// a ServiceMonitor and a PrometheusRule of it; OLM fails the whole install
// where its CRDs are not served, so the Kubernetes variant of the bundle
// (`make bundle-kubernetes`) leaves the group out.
const MonitoringGroup = "monitoring.coreos.com"

// WriteKubernetesVariant generates the bundle of o without the monitoring
// group into dir (its Dockerfile beside it as bundle.Dockerfile).
func WriteKubernetesVariant(o gen.Options, dir string) error {
	o.ExcludeGroups = []string{MonitoringGroup}
	b, err := gen.Generate(o, "bundle")
	if err != nil {
		return fmt.Errorf("generating the Kubernetes bundle: %w", err)
	}
	bundleDir := filepath.Join(dir, "bundle")
	if err := b.Write(bundleDir, filepath.Join(dir, "bundle.Dockerfile")); err != nil {
		return fmt.Errorf("writing the Kubernetes bundle: %w", err)
	}
	return nil
}
