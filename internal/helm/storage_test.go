package helm

import (
	"context"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestNewestRevision(t *testing.T) {
	sec := func(name, version string) corev1.Secret {
		return corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{helmVersionLabel: version}}}
	}
	tests := map[string]struct {
		items []corev1.Secret
		want  string
	}{
		"none":                          {},
		"one":                           {items: []corev1.Secret{sec("v1", "1")}, want: "v1"},
		"numeric, not lexical, order":   {items: []corev1.Secret{sec("v9", "9"), sec("v10", "10"), sec("v2", "2")}, want: "v10"},
		"unparsable version is ignored": {items: []corev1.Secret{sec("bad", "x"), sec("v3", "3")}, want: "v3"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := newestRevision(tc.items)
			if (got == nil && tc.want != "") || (got != nil && got.Name != tc.want) {
				t.Errorf("newestRevision = %v, want %q", got, tc.want)
			}
		})
	}
}

func TestSetDeployedRelease(t *testing.T) {
	rel := &release.Release{
		Name: "r", Version: 4, Manifest: "apiVersion: v1\nkind: Secret\ndata:\n  password: c2VjcmV0\n",
		Chart:  &chart.Chart{Metadata: &chart.Metadata{Name: "c", Version: "1.2.3"}},
		Labels: map[string]string{InputHashLabel: "abc"},
	}
	u := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{"other": "kept"}}}
	if err := setDeployedRelease(u, rel); err != nil {
		t.Fatal(err)
	}
	dr, _, _ := unstructured.NestedMap(u.Object, "status", "deployedRelease")
	want := map[string]any{"name": "r", "revision": int64(4), "chartVersion": "1.2.3", "inputsHash": "abc"}
	for k, v := range want {
		if dr[k] != v {
			t.Errorf("deployedRelease.%s = %v, want %v", k, dr[k], v)
		}
	}
	if len(dr) != len(want) {
		t.Errorf("deployedRelease has extra fields (a manifest must never be stored): %v", dr)
	}
	if err := setDeployedRelease(u, nil); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := unstructured.NestedMap(u.Object, "status", "deployedRelease"); found {
		t.Error("deployedRelease not removed")
	}
	if v, _, _ := unstructured.NestedString(u.Object, "status", "other"); v != "kept" {
		t.Error("other status fields were dropped")
	}
}

func TestSummarize(t *testing.T) {
	if summarize(nil) != nil {
		t.Error("summarize(nil) should be nil")
	}
	rel := &release.Release{Version: 2, Labels: map[string]string{InputHashLabel: "h"}, Info: &release.Info{Status: release.StatusPendingUpgrade}}
	s := summarize(rel)
	if s.Version != 2 || s.InputHash != "h" || s.Status != release.StatusPendingUpgrade {
		t.Errorf("summary = %+v", s)
	}
}

// TestReleaseMemoKeepsChartMetadataOnly: the reconciler's decoded release is
// kept per resource, so it must not hold the chart's files; what decisions,
// status and drift repair read must still be there.
func TestReleaseMemoKeepsChartMetadataOnly(t *testing.T) {
	api := startAPIServer(t)
	op := api.startOperator(t, nil)
	w := newWidget(op.ns, "memo", map[string]any{"message": "m", "replicas": int64(1)})
	if err := api.client.Create(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	api.waitDeployed(t, op.ns, "memo", 1)

	rel, err := op.rec.releases.last(context.Background(), op.ns, "memo")
	if err != nil || rel == nil {
		t.Fatalf("last release: %v, %v", rel, err)
	}
	if rel.Chart == nil || rel.Chart.Metadata == nil || chartRef(rel) != "widget-0.1.0" {
		t.Errorf("chart metadata lost: %s", chartRef(rel))
	}
	if n := len(rel.Chart.Templates) + len(rel.Chart.Files) + len(rel.Chart.Values) + len(rel.Chart.Schema); n != 0 {
		t.Errorf("memo keeps %d chart files, values or schema bytes; want only the metadata", n)
	}
	if rel.Manifest == "" || rel.Labels[InputHashLabel] == "" || rel.Info == nil {
		t.Errorf("memo lost the manifest, the input hash label or the info: %+v", rel)
	}
}
