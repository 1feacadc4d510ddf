package main

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// TestRenderManifest checks that the embedded manifest decodes into the
// API's own types with the demo's settings, and that the operator would
// read its bounds from the annotations.
func TestRenderManifest(t *testing.T) {
	v := manifestValues{
		Name: "demo", Namespace: "default", SecretName: passwordSecretName,
		Password: "pw0123456789", RedisAddress: "127.0.0.1:6390",
		NodeLostGraceSeconds: 10, StuckTerminatingGraceSeconds: 12, DeletionTimeoutSeconds: 60,
	}
	manifest, err := renderManifest(v)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeObjects(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].GetKind() != "Secret" || objs[1].GetKind() != "RayCluster" {
		t.Fatalf("objects = %d, want a Secret then a RayCluster", len(objs))
	}
	if pw, _, _ := unstructuredString(objs[0].Object, "stringData", "password"); pw != v.Password {
		t.Errorf("Secret password = %q, want the generated one", pw)
	}

	var rc rayv1.RayCluster
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(objs[1].Object, &rc, true); err != nil {
		t.Fatalf("the RayCluster has fields the API does not know: %v", err)
	}
	ft := rc.Spec.GcsFaultToleranceOptions
	if ft == nil || ft.RedisAddress != v.RedisAddress || ft.RedisPassword == nil || ft.RedisPassword.ValueFrom == nil ||
		ft.RedisPassword.ValueFrom.SecretKeyRef.Name != passwordSecretName || ft.RedisPassword.Value != "" {
		t.Errorf("gcsFaultToleranceOptions = %+v, want the address and a secretKeyRef to %s", ft, passwordSecretName)
	}
	if strings.Contains(string(mustYAML(t, rc)), v.Password) {
		t.Error("the RayCluster itself carries the password")
	}
	policy, err := raycluster.DefaultPolicy().ApplyAnnotations(rc.Annotations)
	if err != nil {
		t.Fatalf("the operator refuses the demo's annotations: %v", err)
	}
	if policy.NodeLostGrace.Seconds() != 10 || policy.StuckTerminatingGrace.Seconds() != 12 {
		t.Errorf("policy from annotations = %+v", policy)
	}
	if got := rc.Annotations[rayv1.AnnotationGCSFTDeletionTimeout]; got != "60" {
		t.Errorf("%s = %q, want 60", rayv1.AnnotationGCSFTDeletionTimeout, got)
	}
}

func TestRandomPassword(t *testing.T) {
	a, err := randomPassword()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := randomPassword()
	if len(a) != 24 || a == b || strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		t.Errorf("passwords %q, %q: want two different 24-character alphanumeric strings", a, b)
	}
}

func unstructuredString(obj map[string]any, path ...string) (string, bool, error) {
	cur := any(obj)
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false, nil
		}
		cur = m[p]
	}
	s, ok := cur.(string)
	return s, ok, nil
}

func mustYAML(t *testing.T, v any) []byte {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
