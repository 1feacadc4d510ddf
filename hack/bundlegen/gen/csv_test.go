package gen

import (
	"bytes"
	"strings"
	"testing"
	"time"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func newCSV(displayName string) *operatorsv1alpha1.ClusterServiceVersion {
	return &operatorsv1alpha1.ClusterServiceVersion{
		TypeMeta:   metav1.TypeMeta{APIVersion: "operators.coreos.com/v1alpha1", Kind: "ClusterServiceVersion"},
		ObjectMeta: metav1.ObjectMeta{Name: "p.v1.0.0", Annotations: map[string]string{}},
		Spec:       operatorsv1alpha1.ClusterServiceVersionSpec{DisplayName: displayName},
	}
}

// TestRenderCSVCreatedAt: createdAt survives regeneration of an unchanged
// CSV and moves when anything else in it changes.
func TestRenderCSVCreatedAt(t *testing.T) {
	first := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	later := func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }
	previous, err := renderCSV(newCSV("Name"), nil, first)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		displayName   string
		previous      []byte
		wantCreatedAt string
	}{
		"no previous CSV":      {displayName: "Name", wantCreatedAt: "2026-06-01T00:00:00Z"},
		"unchanged keeps it":   {displayName: "Name", previous: previous, wantCreatedAt: "2026-01-02T03:04:05Z"},
		"changed CSV moves it": {displayName: "Other", previous: previous, wantCreatedAt: "2026-06-01T00:00:00Z"},
		"unparseable previous": {displayName: "Name", previous: []byte("::"), wantCreatedAt: "2026-06-01T00:00:00Z"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := renderCSV(newCSV(tc.displayName), tc.previous, later)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(got), `createdAt: "`+tc.wantCreatedAt+`"`) {
				t.Errorf("createdAt not %s in\n%s", tc.wantCreatedAt, got)
			}
			if name == "unchanged keeps it" && !bytes.Equal(got, previous) {
				t.Errorf("unchanged CSV rendered differently:\n%s\nvs\n%s", got, previous)
			}
			if strings.Contains(string(got), "creationTimestamp") || strings.Contains(string(got), "status:") {
				t.Errorf("rendered CSV carries creationTimestamp or status:\n%s", got)
			}
		})
	}
}

func TestObjectFile(t *testing.T) {
	tests := map[string]struct {
		apiVersion, kind, name, want string
	}{
		"core group":  {"v1", "Service", "metrics", "metrics_v1_service.yaml"},
		"named group": {"monitoring.coreos.com/v1", "ServiceMonitor", "mon", "mon_monitoring.coreos.com_v1_servicemonitor.yaml"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			u := serviceAccount(tc.name)
			u.SetAPIVersion(tc.apiVersion)
			u.SetKind(tc.kind)
			if got := objectFile(u); got != tc.want {
				t.Errorf("objectFile = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestPlainFileRejectsUnsupportedKinds(t *testing.T) {
	tests := map[string]struct {
		kind    string
		wantErr bool
	}{
		"Service":       {kind: "Service"},
		"NetworkPolicy": {kind: "NetworkPolicy", wantErr: true},
		"Deployment":    {kind: "Deployment", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			u := serviceAccount("x")
			u.SetKind(tc.kind)
			u.SetNamespace("somewhere")
			_, data, err := plainFile(u)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err == nil && strings.Contains(string(data), "namespace") {
				t.Errorf("namespace kept:\n%s", data)
			}
		})
	}
}
