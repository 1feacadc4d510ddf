package ray

import (
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Objects are the Secrets and ConfigMaps a pod's env may refer to, by name,
// in the pod's namespace.
type Objects struct {
	Secrets    map[string]*corev1.Secret
	ConfigMaps map[string]*corev1.ConfigMap
}

// PodFacts are the fields of a running pod that fieldRefs read.
type PodFacts struct {
	Name, Namespace, IP string
	Labels              map[string]string
	Annotations         map[string]string
}

// ResolveEnv turns a container's env into NAME=value pairs as the kubelet
// does: literal values, fieldRef, secretKeyRef and configMapKeyRef. A
// reference that cannot be resolved is an error unless it is optional, as a
// pod that the kubelet could not start.
func ResolveEnv(env []corev1.EnvVar, pod PodFacts, objs Objects) ([]string, error) {
	out := make([]string, 0, len(env))
	for _, e := range env {
		v, skip, err := resolveOne(e, pod, objs)
		if err != nil {
			return nil, fmt.Errorf("env %s of pod %s: %w", e.Name, pod.Name, err)
		}
		if !skip {
			out = append(out, e.Name+"="+v)
		}
	}
	return out, nil
}

func resolveOne(e corev1.EnvVar, pod PodFacts, objs Objects) (value string, skip bool, err error) {
	src := e.ValueFrom
	switch {
	case src == nil:
		return e.Value, false, nil
	case src.FieldRef != nil:
		v, err := fieldValue(src.FieldRef.FieldPath, pod)
		return v, false, err
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		s, ok := objs.Secrets[ref.Name]
		if !ok || s.Data[ref.Key] == nil && s.StringData[ref.Key] == "" {
			return "", isOptional(ref.Optional), missing("secret", ref.Name, ref.Key, ref.Optional)
		}
		if b, ok := s.Data[ref.Key]; ok {
			return string(b), false, nil
		}
		return s.StringData[ref.Key], false, nil
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		cm, ok := objs.ConfigMaps[ref.Name]
		if !ok {
			return "", isOptional(ref.Optional), missing("configmap", ref.Name, ref.Key, ref.Optional)
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			return "", isOptional(ref.Optional), missing("configmap", ref.Name, ref.Key, ref.Optional)
		}
		return v, false, nil
	}
	return "", false, fmt.Errorf("unsupported valueFrom %+v", *src)
}

func isOptional(p *bool) bool { return p != nil && *p }

func missing(kind, name, key string, optional *bool) error {
	if isOptional(optional) {
		return nil
	}
	return fmt.Errorf("%s %s has no key %s", kind, name, key)
}

var labelPath = regexp.MustCompile(`^metadata\.(labels|annotations)\['([^']+)'\]$`)

// fieldValue supports the downward-API fields an env var may read.
func fieldValue(path string, pod PodFacts) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "status.podIP", "status.hostIP":
		return pod.IP, nil
	}
	if m := labelPath.FindStringSubmatch(path); m != nil {
		if m[1] == "labels" {
			return pod.Labels[m[2]], nil
		}
		return pod.Annotations[m[2]], nil
	}
	return "", fmt.Errorf("unsupported fieldRef %q", path)
}

// ReplaceInEnv replaces old by new in every value: the test's one deviation
// from the rendered pods, the head Service FQDN -> a loopback address.
func ReplaceInEnv(env []string, old, new string) []string {
	out := make([]string, len(env))
	for i, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		out[i] = name + "=" + strings.ReplaceAll(value, old, new)
	}
	return out
}
