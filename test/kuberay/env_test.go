package kuberay

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func fieldRef(name, path string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
}

func TestEffectiveEnv(t *testing.T) {
	pc := podContext{Labels: map[string]string{"ray.io/cluster": "c1", "ray.io/group": "g"}, Namespace: "ns"}
	tests := map[string]struct {
		env  []corev1.EnvVar
		want map[string]string
	}{
		"a fieldRef to a label means the label's value": {
			env:  []corev1.EnvVar{fieldRef("RAY_CLUSTER_NAME", "metadata.labels['ray.io/cluster']")},
			want: map[string]string{"RAY_CLUSTER_NAME": "c1"},
		},
		"a literal equal to the label compares equal": {
			env:  []corev1.EnvVar{{Name: "RAY_CLUSTER_NAME", Value: "c1"}},
			want: map[string]string{"RAY_CLUSTER_NAME": "c1"},
		},
		"a label the pod lacks is named": {
			env:  []corev1.EnvVar{fieldRef("X", "metadata.labels['missing']")},
			want: map[string]string{"X": "<label missing, not set on the pod>"},
		},
		"runtime fields are placeholders, the namespace is known": {
			env:  []corev1.EnvVar{fieldRef("A", "metadata.name"), fieldRef("B", "status.podIP"), fieldRef("C", "metadata.namespace")},
			want: map[string]string{"A": "<pod name>", "B": "<pod IP>", "C": "ns"},
		},
		"the later of two entries wins": {
			env:  []corev1.EnvVar{{Name: "RAY_ADDRESS", Value: "auto"}, {Name: "RAY_ADDRESS", Value: "127.0.0.1:6379"}},
			want: map[string]string{"RAY_ADDRESS": "127.0.0.1:6379"},
		},
		"secret references name the secret and key": {
			env: []corev1.EnvVar{{Name: "REDIS_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "password"}}}},
			want: map[string]string{"REDIS_PASSWORD": "<secret s key password>"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := effectiveEnv(tc.env, pc); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
