package bundle

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// restrictedV2Volumes are the volume types OpenShift's restricted-v2 SCC
// allows: fewer than the restricted Pod Security Standard (no CSI inline,
// ephemeral or image volumes).
var restrictedV2Volumes = []string{"configMap", "downwardAPI", "emptyDir", "persistentVolumeClaim", "projected", "secret"}

// RestrictedViolations evaluates a pod template against the restricted Pod
// Security Standard (latest) and what restricted-v2 adds on top: no fixed
// UID, fsGroup or SELinux options (OpenShift assigns them), seccomp
// RuntimeDefault rather than Localhost, and only its volume types.
func RestrictedViolations(meta *metav1.ObjectMeta, spec *corev1.PodSpec) ([]string, error) {
	ev, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return nil, fmt.Errorf("creating the pod security evaluator: %w", err)
	}
	res := policy.AggregateCheckResults(ev.EvaluatePod(psapi.LevelVersion{Level: psapi.LevelRestricted, Version: psapi.LatestVersion()}, meta, spec))
	var out []string
	if !res.Allowed {
		out = append(out, fmt.Sprintf("restricted: %s: %s", res.ForbiddenReason(), res.ForbiddenDetail()))
	}
	return append(out, openShiftViolations(spec)...), nil
}

func openShiftViolations(spec *corev1.PodSpec) []string {
	var out []string
	if sc := spec.SecurityContext; sc != nil {
		if sc.RunAsUser != nil || sc.FSGroup != nil || sc.SELinuxOptions != nil {
			out = append(out, "pod securityContext fixes runAsUser, fsGroup or seLinuxOptions")
		}
		if sc.SeccompProfile != nil && sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			out = append(out, "pod seccompProfile is not RuntimeDefault")
		}
	}
	for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
		if sc := c.SecurityContext; sc != nil {
			if sc.RunAsUser != nil || sc.SELinuxOptions != nil {
				out = append(out, fmt.Sprintf("container %s fixes runAsUser or seLinuxOptions", c.Name))
			}
			if sc.SeccompProfile != nil && sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				out = append(out, fmt.Sprintf("container %s seccompProfile is not RuntimeDefault", c.Name))
			}
		}
	}
	for _, v := range spec.Volumes {
		if t := volumeType(v); !slices.Contains(restrictedV2Volumes, t) {
			out = append(out, fmt.Sprintf("volume %s of type %s is not allowed by restricted-v2", v.Name, t))
		}
	}
	return out
}

func volumeType(v corev1.Volume) string {
	s := v.VolumeSource
	switch {
	case s.ConfigMap != nil:
		return "configMap"
	case s.DownwardAPI != nil:
		return "downwardAPI"
	case s.EmptyDir != nil:
		return "emptyDir"
	case s.PersistentVolumeClaim != nil:
		return "persistentVolumeClaim"
	case s.Projected != nil:
		return "projected"
	case s.Secret != nil:
		return "secret"
	}
	return "other"
}
