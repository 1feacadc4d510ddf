package bundle

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// TestCSVDeploymentIsRestricted checks the operator's own pod, as OLM will
// create it from the bundle, against restricted and restricted-v2, plus what
// the operator's image and Helm need: a read-only root filesystem with a
// writable /tmp for Helm's folders, and resource requests.
func TestCSVDeploymentIsRestricted(t *testing.T) {
	csv, _, err := mustLayout(t).ReadCSV()
	if err != nil {
		t.Fatal(err)
	}
	deps := csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs
	if len(deps) != 1 {
		t.Fatalf("CSV has %d deployments, want 1", len(deps))
	}
	tmpl := deps[0].Spec.Template
	v, err := RestrictedViolations(&tmpl.ObjectMeta, &tmpl.Spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range v {
		t.Error(msg)
	}
	for _, c := range tmpl.Spec.Containers {
		if c.SecurityContext == nil || !ptr.Deref(c.SecurityContext.ReadOnlyRootFilesystem, false) {
			t.Errorf("container %s: root filesystem is writable", c.Name)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
			t.Errorf("container %s: no CPU and memory requests", c.Name)
		}
		if !mountsTmp(c) {
			t.Errorf("container %s: no writable volume at /tmp for Helm's cache and config", c.Name)
		}
	}
}

func mountsTmp(c corev1.Container) bool {
	for _, m := range c.VolumeMounts {
		if m.MountPath == "/tmp" && !m.ReadOnly {
			return true
		}
	}
	return false
}

// TestRestrictedViolations shows the checker rejects what restricted-v2
// rejects, so a passing pod means something.
func TestRestrictedViolations(t *testing.T) {
	good := func() corev1.PodSpec {
		return corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   ptr.To(true),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{{
				Name: "c", Image: "i",
				SecurityContext: &corev1.SecurityContext{
					AllowPrivilegeEscalation: ptr.To(false),
					Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				},
			}},
			Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		}
	}
	tests := map[string]struct {
		mutate func(*corev1.PodSpec)
		wantOK bool
	}{
		"restricted pod":          {mutate: func(*corev1.PodSpec) {}, wantOK: true},
		"privilege escalation":    {mutate: func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil }},
		"capabilities kept":       {mutate: func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.Capabilities = nil }},
		"no seccomp":              {mutate: func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile = nil }},
		"fixed UID for OpenShift": {mutate: func(s *corev1.PodSpec) { s.SecurityContext.RunAsUser = ptr.To[int64](1000) }},
		"fixed fsGroup":           {mutate: func(s *corev1.PodSpec) { s.SecurityContext.FSGroup = ptr.To[int64](1000) }},
		"localhost seccomp": {mutate: func(s *corev1.PodSpec) {
			s.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To("p.json")}
		}},
		"inline CSI volume": {mutate: func(s *corev1.PodSpec) {
			s.Volumes = append(s.Volumes, corev1.Volume{Name: "csi", VolumeSource: corev1.VolumeSource{CSI: &corev1.CSIVolumeSource{Driver: "d"}}})
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			spec := good()
			tc.mutate(&spec)
			v, err := RestrictedViolations(&metav1.ObjectMeta{}, &spec)
			if err != nil {
				t.Fatal(err)
			}
			if ok := len(v) == 0; ok != tc.wantOK {
				t.Errorf("allowed = %v, want %v (violations %v)", ok, tc.wantOK, v)
			}
		})
	}
}
