/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	helmchart "helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/chart"
)

var (
	fuzzChartOnce sync.Once
	fuzzChart     *helmchart.Chart
	fuzzChartErr  error
)

// specChart loads the chart as the operator does (LoadSpecChart: no example
// values under a spec), once per test binary.
func specChart(t *testing.T) *helmchart.Chart {
	t.Helper()
	fuzzChartOnce.Do(func() {
		dir, err := chart.DefaultDir()
		if err != nil {
			fuzzChartErr = err
			return
		}
		fuzzChart, fuzzChartErr = chart.LoadSpecChart(dir)
	})
	if fuzzChartErr != nil {
		t.Fatal(fuzzChartErr)
	}
	return fuzzChart
}

// FuzzSpecToRender drives a RayCluster spec (any JSON the API could hand the
// operator) and a name through the operator's path: Validate, then the
// values the Helm reconciler builds (spec, then MapValues on top), then the
// chart. Nothing may panic; every refusal must be an error that says what is
// wrong; whatever renders must be objects the API server can take by name.
// Seeds, hostile ones among them, are in testdata/fuzz/FuzzSpecToRender.
func FuzzSpecToRender(f *testing.F) {
	f.Fuzz(func(t *testing.T, name string, specJSON []byte) {
		var spec rayv1.RayClusterSpec
		if err := json.Unmarshal(specJSON, &spec); err != nil {
			return // the API server's schema refuses what does not decode
		}
		rc := &rayv1.RayCluster{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "fuzz", UID: "0b5d4e9e-7d2c-4c3e-9a55-3f1f4c1f2a10"},
			Spec:       spec,
		}
		if errs := Validate(rc); len(errs) > 0 {
			for _, e := range errs {
				if e.Field == "" || !strings.Contains(e.Error(), e.Field) {
					t.Fatalf("validation error that names no field: %#v", e)
				}
			}
			return
		}
		vals := fuzzValues(t, rc)
		objs, err := chart.Render(specChart(t), name, "fuzz", vals)
		if err != nil {
			fuzzCheckRenderError(t, err)
			return
		}
		fuzzCheckRendered(t, rc, objs)
	})
}

// fuzzValues builds the values as the Helm reconciler does: the spec as
// JSON, with the mapped values winning.
func fuzzValues(t *testing.T, rc *rayv1.RayCluster) map[string]any {
	t.Helper()
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rc)
	if err != nil {
		t.Fatalf("converting a validated RayCluster: %v", err)
	}
	u := &unstructured.Unstructured{Object: obj}
	spec, _, err := unstructured.NestedMap(obj, "spec")
	if err != nil {
		t.Fatalf("reading spec: %v", err)
	}
	mapped, err := MapValues(context.Background(), u)
	if err != nil {
		t.Fatalf("MapValues of a validated RayCluster: %v", err)
	}
	return chartutil.MergeTables(mapped, spec)
}

// fuzzCheckRenderError accepts a render failure only as a plain error from
// the chart (its schema or a template's fail), never a recovered panic.
func fuzzCheckRenderError(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	for _, bad := range []string{"runtime error", "nil pointer", "index out of range", "invalid memory address"} {
		if strings.Contains(msg, bad) {
			t.Fatalf("render failed with a crash, not a clear error: %v", err)
		}
	}
	if !strings.Contains(msg, "rendering chart") {
		t.Fatalf("render error does not say which step failed: %v", err)
	}
}

// fuzzCheckRendered checks what a validated spec renders: named objects in
// the cluster's namespace whose names the API server accepts.
func fuzzCheckRendered(t *testing.T, rc *rayv1.RayCluster, objs []*unstructured.Unstructured) {
	t.Helper()
	if len(objs) == 0 {
		t.Fatalf("validated cluster %q rendered no objects", rc.Name)
	}
	for _, o := range objs {
		n := o.GetName()
		var msgs []string
		switch o.GetKind() {
		case "Service":
			msgs = validation.IsDNS1035Label(n)
		default:
			msgs = validation.IsDNS1123Subdomain(n)
		}
		if len(msgs) > 0 {
			t.Fatalf("validated cluster %q renders %s %q that the API server refuses: %v", rc.Name, o.GetKind(), n, msgs)
		}
		if o.GetNamespace() != "" && o.GetNamespace() != "fuzz" {
			t.Fatalf("%s %q rendered into namespace %q", o.GetKind(), n, o.GetNamespace())
		}
	}
}
