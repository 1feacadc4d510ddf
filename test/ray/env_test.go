package ray

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestResolveEnv(t *testing.T) {
	yes := true
	pod := PodFacts{Name: "c-head-0", Namespace: "ray", IP: "127.0.0.2",
		Labels: map[string]string{"ray.io/cluster": "c"}, Annotations: map[string]string{"a": "b"}}
	objs := Objects{
		Secrets:    map[string]*corev1.Secret{"s": {Data: map[string][]byte{"k": []byte("v1")}, StringData: map[string]string{"sd": "v2"}}},
		ConfigMaps: map[string]*corev1.ConfigMap{"cm": {Data: map[string]string{"k": "v3"}}},
	}
	secret := func(name, key string, optional *bool) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key, Optional: optional}}
	}
	field := func(path string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}
	}
	tests := map[string]struct {
		env     corev1.EnvVar
		want    []string
		wantErr bool
	}{
		"literal":               {env: corev1.EnvVar{Name: "A", Value: "x"}, want: []string{"A=x"}},
		"pod name":              {env: corev1.EnvVar{Name: "A", ValueFrom: field("metadata.name")}, want: []string{"A=c-head-0"}},
		"namespace":             {env: corev1.EnvVar{Name: "A", ValueFrom: field("metadata.namespace")}, want: []string{"A=ray"}},
		"label":                 {env: corev1.EnvVar{Name: "A", ValueFrom: field("metadata.labels['ray.io/cluster']")}, want: []string{"A=c"}},
		"annotation":            {env: corev1.EnvVar{Name: "A", ValueFrom: field("metadata.annotations['a']")}, want: []string{"A=b"}},
		"pod IP":                {env: corev1.EnvVar{Name: "A", ValueFrom: field("status.podIP")}, want: []string{"A=127.0.0.2"}},
		"unknown field":         {env: corev1.EnvVar{Name: "A", ValueFrom: field("spec.nodeName")}, wantErr: true},
		"secret data":           {env: corev1.EnvVar{Name: "A", ValueFrom: secret("s", "k", nil)}, want: []string{"A=v1"}},
		"secret stringData":     {env: corev1.EnvVar{Name: "A", ValueFrom: secret("s", "sd", nil)}, want: []string{"A=v2"}},
		"missing secret":        {env: corev1.EnvVar{Name: "A", ValueFrom: secret("nope", "k", nil)}, wantErr: true},
		"missing key":           {env: corev1.EnvVar{Name: "A", ValueFrom: secret("s", "nope", nil)}, wantErr: true},
		"optional secret unset": {env: corev1.EnvVar{Name: "A", ValueFrom: secret("nope", "k", &yes)}, want: []string{}},
		"configmap": {env: corev1.EnvVar{Name: "A", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "k"}}}, want: []string{"A=v3"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ResolveEnv([]corev1.EnvVar{tc.env}, pod, objs)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !tc.wantErr && !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestReplaceInEnv(t *testing.T) {
	got := ReplaceInEnv([]string{"RAY_ADDRESS=svc.ns.svc.cluster.local:6379", "X=a=svc.ns.svc.cluster.local"}, "svc.ns.svc.cluster.local", "127.0.0.2")
	want := []string{"RAY_ADDRESS=127.0.0.2:6379", "X=a=127.0.0.2"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
