/*
Copyright 2026 The ray-ha-operator Authors.
*/

package v1_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// TestCRDFitsClientSideApply keeps the generated CRD small enough for a
// plain `kubectl apply`: client-side apply stores the whole object as JSON in
// the last-applied-configuration annotation, and all annotations together
// must stay under 256 KiB. `make manifests` therefore drops the descriptions
// of the embedded Kubernetes types (hack/crdtrim); with them the CRD is
// about 690 KB.
func TestCRDFitsClientSideApply(t *testing.T) {
	const annotationLimit = 256 * 1024
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "config", "crd", "bases", "ray.io_rayclusters.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd map[string]any
	if err := yaml.Unmarshal(b, &crd); err != nil {
		t.Fatal(err)
	}
	compact, err := json.Marshal(crd)
	if err != nil {
		t.Fatal(err)
	}
	// Leave room for the other annotations and for growth.
	if budget := annotationLimit * 3 / 4; len(compact) > budget {
		t.Errorf("CRD is %d bytes as JSON, over the %d-byte budget for kubectl apply's annotation", len(compact), budget)
	}
	t.Logf("CRD: %d bytes as compact JSON (annotation limit %d)", len(compact), annotationLimit)
}
