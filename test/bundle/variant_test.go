package bundle

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/hack/bundlegen/check"
)

// TestKubernetesVariant checks `make bundle-kubernetes`'s output: the
// committed bundle file for file, minus the monitoring group's objects, and
// valid as OperatorHub validates bundles.
func TestKubernetesVariant(t *testing.T) {
	l := mustLayout(t)
	dir := t.TempDir()
	if err := WriteKubernetesVariant(committedOptions(t, l), dir); err != nil {
		t.Fatal(err)
	}
	variant := listFiles(t, filepath.Join(dir, "bundle"))
	committed := listFiles(t, l.BundleDir)
	delete(committed, ".keep")
	var left []string
	for name, data := range committed {
		got, ok := variant[name]
		switch {
		case !ok:
			left = append(left, name)
			if !bytes.Contains(data, []byte("apiVersion: "+MonitoringGroup+"/")) {
				t.Errorf("%s is missing from the Kubernetes bundle but is not of %s", name, MonitoringGroup)
			}
		case !bytes.Equal(got, data):
			t.Errorf("%s differs from the committed bundle's\n%s", name, firstDifference(data, got))
		}
	}
	if len(left) != 2 {
		t.Errorf("left out %v, want exactly the ServiceMonitor and the PrometheusRule", left)
	}
	if len(variant) != len(committed)-len(left) {
		t.Errorf("the Kubernetes bundle has %d files, want %d", len(variant), len(committed)-len(left))
	}
	report, err := check.Bundle(filepath.Join(dir, "bundle"), filepath.Join(dir, "bundle.Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range report.Errors() {
		t.Error(e)
	}
}

// testKubernetesVariantInstalls runs where the Prometheus Operator's CRDs
// are not served: OLM's install of the default bundle fails on its
// ServiceMonitor, the Kubernetes variant installs.
func testKubernetesVariantInstalls(t *testing.T, admin client.Client, l Layout) {
	ctx := context.Background()
	ns := createNamespace(t, admin, "bundle-kubernetes-variant", restrictedLabels)
	if _, err := Install(ctx, admin, l.BundleDir, ns, nil); err == nil || !strings.Contains(err.Error(), "ServiceMonitor") && !strings.Contains(err.Error(), "PrometheusRule") {
		t.Fatalf("installing the default bundle without the Prometheus Operator: err = %v, want a failure naming its ServiceMonitor or PrometheusRule", err)
	}
	dir := t.TempDir()
	if err := WriteKubernetesVariant(committedOptions(t, l), dir); err != nil {
		t.Fatal(err)
	}
	csv, err := Install(ctx, admin, filepath.Join(dir, "bundle"), ns, nil)
	if err != nil {
		t.Fatalf("installing the Kubernetes bundle without the Prometheus Operator: %v", err)
	}
	if csv.Name != Package+".v"+csv.Spec.Version.String() {
		t.Errorf("installed CSV %q, want %s.v%s", csv.Name, Package, csv.Spec.Version)
	}
}
