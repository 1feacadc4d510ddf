package kuberay

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestHealthCheckAddress(t *testing.T) {
	tests := map[string]struct {
		args []string
		want string
	}{
		"KubeRay's loop": {
			args: []string{"\nSECONDS=0\nwhile true; do\n if (( SECONDS <= 120 )); then\n  if ray health-check --address h.ns.svc.cluster.local:6379 > /dev/null 2>&1; then\n break\n fi\n fi\n sleep 5\ndone\n"},
			want: "h.ns.svc.cluster.local:6379",
		},
		"ours, through a variable": {
			args: []string{"addr=h.ns.svc.cluster.local:6379\nuntil ray health-check --address \"$addr\" >/dev/null 2>&1; do\n  sleep 5\ndone"},
			want: "h.ns.svc.cluster.local:6379",
		},
		"--address=value form": {
			args: []string{"ray health-check --address=h:6380"},
			want: "h:6380",
		},
		"no health check": {
			args: []string{"echo init"},
			want: "",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := corev1.Container{Command: []string{"/bin/bash", "-c", "--"}, Args: tc.args}
			if got := healthCheckAddress(c); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestProbeEndpoints(t *testing.T) {
	tests := map[string]struct {
		probe *corev1.Probe
		want  string
	}{
		"KubeRay's head wget pair": {
			probe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"bash", "-c",
				"wget --tries 1 -T 2 -q -O- http://localhost:52365/api/local_raylet_healthz | grep success && wget --tries 1 -T 10 -q -O- http://localhost:8265/api/gcs_healthz | grep success"}}}},
			want: "HTTP :52365/api/local_raylet_healthz + HTTP :8265/api/gcs_healthz",
		},
		"an HTTP probe": {
			probe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/api/healthz", Port: intstr.FromInt32(52365)}}},
			want:  "HTTP :52365/api/healthz",
		},
		"an exec probe without a URL": {
			probe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"ray", "health-check"}}}},
			want:  "exec ray health-check",
		},
		"a TCP probe": {
			probe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("gcs")}}},
			want:  "TCP :gcs",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := probeEndpoints(tc.probe); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestProbeFactsRecogniseTheUsersProbe(t *testing.T) {
	user := &corev1.Probe{PeriodSeconds: 7, ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
	f := Facts{}
	probeFacts(f, corev1.Container{LivenessProbe: user.DeepCopy()}, corev1.Container{LivenessProbe: user})
	if got := f[Fact{fieldProbe, "liveness"}]; got != userProbe {
		t.Errorf("liveness: got %q, want %q", got, userProbe)
	}
	if got := f[Fact{fieldProbe, "readiness"}]; got != "none" {
		t.Errorf("readiness: got %q, want none", got)
	}
}
