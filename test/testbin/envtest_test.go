package testbin_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// TestEnvtestServesObjects proves envtest runs on the binaries built from
// the module proxy: a namespace and a ConfigMap round-trip through the API.
func TestEnvtestServesObjects(t *testing.T) {
	_, cfg := testbin.StartEnvtest(t, testbin.EnvtestOptions{})
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "envtest-smoke"}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatalf("creating namespace: %v", err)
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "greeting", Namespace: ns.Name},
		Data:       map[string]string{"hello": "ray"},
	}
	if err := c.Create(ctx, cm); err != nil {
		t.Fatalf("creating configmap: %v", err)
	}
	var gotNS corev1.Namespace
	if err := c.Get(ctx, client.ObjectKeyFromObject(ns), &gotNS); err != nil {
		t.Fatalf("reading namespace back: %v", err)
	}
	var got corev1.ConfigMap
	if err := c.Get(ctx, client.ObjectKeyFromObject(cm), &got); err != nil {
		t.Fatalf("reading configmap back: %v", err)
	}
	if got.Data["hello"] != "ray" {
		t.Fatalf("configmap data = %v, want hello=ray", got.Data)
	}
}
