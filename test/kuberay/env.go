package kuberay

import (
	"fmt"
	"regexp"

	corev1 "k8s.io/api/core/v1"
)

// podContext is what an env entry's fieldRef can point at: the pod's own
// labels and namespace.
type podContext struct {
	Labels    map[string]string
	Namespace string
}

// effectiveEnv returns what a container sees for each name: the value of
// the last entry with that name (the kubelet lets a later entry win), in
// the normalised form of envValue.
func effectiveEnv(env []corev1.EnvVar, pc podContext) map[string]string {
	out := make(map[string]string, len(env))
	for _, e := range env {
		out[e.Name] = envValue(e, pc)
	}
	return out
}

var labelFieldPath = regexp.MustCompile(`^metadata\.labels\['([^']+)'\]$`)

// envValue says what an env entry means, so that two ways of saying the
// same compare equal: a literal is itself; a fieldRef to one of the pod's
// labels is that label's value (a literal cluster name equals
// metadata.labels['ray.io/cluster'] when the label holds that name); a
// fieldRef to something only known once the pod runs is a placeholder
// naming it; a reference to a Secret or ConfigMap names it.
func envValue(e corev1.EnvVar, pc podContext) string {
	vf := e.ValueFrom
	switch {
	case vf == nil:
		return e.Value
	case vf.FieldRef != nil:
		return fieldRefValue(vf.FieldRef.FieldPath, pc)
	case vf.SecretKeyRef != nil:
		return fmt.Sprintf("<secret %s key %s%s>", vf.SecretKeyRef.Name, vf.SecretKeyRef.Key, optional(vf.SecretKeyRef.Optional))
	case vf.ConfigMapKeyRef != nil:
		return fmt.Sprintf("<configmap %s key %s%s>", vf.ConfigMapKeyRef.Name, vf.ConfigMapKeyRef.Key, optional(vf.ConfigMapKeyRef.Optional))
	case vf.ResourceFieldRef != nil:
		r := vf.ResourceFieldRef
		return fmt.Sprintf("<resource %s of container %q divisor %s>", r.Resource, r.ContainerName, r.Divisor.String())
	}
	return fmt.Sprintf("<valueFrom %v>", vf)
}

func fieldRefValue(fieldPath string, pc podContext) string {
	if m := labelFieldPath.FindStringSubmatch(fieldPath); m != nil {
		if v, ok := pc.Labels[m[1]]; ok {
			return v
		}
		return fmt.Sprintf("<label %s, not set on the pod>", m[1])
	}
	switch fieldPath {
	case "metadata.namespace":
		return pc.Namespace
	case "metadata.name":
		return "<pod name>"
	case "metadata.uid":
		return "<pod UID>"
	case "status.podIP":
		return "<pod IP>"
	case "spec.nodeName":
		return "<node name>"
	}
	return "<field " + fieldPath + ">"
}

func optional(b *bool) string {
	if b != nil && *b {
		return ", optional"
	}
	return ""
}
