package prockubelet

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ray-ha-operator/ray-ha-operator/test/ray"
)

// resolved is a container ready to run: argv and the full environment.
type resolved struct {
	name string
	argv []string
	// env is the process environment: the image's base env, the pod's
	// folder as HOME and TMPDIR, then the container's resolved env.
	env []string
	// id is the user it runs as; nil: the kubelet's own.
	id *identity
}

// resolve turns a container of the pod into a command line and env the way
// the kubelet does, run in the mount namespace that gives it the pod's
// mounts.
func (w *podWorker) resolve(ctx context.Context, c corev1.Container) (resolved, error) {
	if len(c.EnvFrom) > 0 {
		return resolved{}, fmt.Errorf("container %s: envFrom is not supported", c.Name)
	}
	objs, err := w.k.envObjects(ctx, w.pod.Namespace, c.Env)
	if err != nil {
		return resolved{}, err
	}
	facts := ray.PodFacts{Name: w.pod.Name, Namespace: w.pod.Namespace, IP: w.ip,
		Labels: w.pod.Labels, Annotations: w.pod.Annotations}
	env, err := ray.ResolveEnv(w.preResolve(c.Env), facts, objs)
	if err != nil {
		return resolved{}, err
	}
	env = expandEnv(env)
	vars := envMap(env)
	argv := make([]string, 0, len(c.Command)+len(c.Args))
	for _, a := range append(append([]string{}, c.Command...), c.Args...) {
		argv = append(argv, expand(a, vars))
	}
	if len(argv) == 0 {
		return resolved{}, fmt.Errorf("container %s: no command (the image's entrypoint is unknown here)", c.Name)
	}
	full := append(append([]string{}, w.k.cfg.BaseEnv...),
		"HOME="+w.home(), "TMPDIR="+w.tmp(), "HOSTNAME="+w.pod.Name)
	if w.sa != nil {
		full = append(full, w.sa.env...)
	}
	id, err := containerIdentity(w.pod, c)
	if err != nil {
		return resolved{}, err
	}
	if argv, err = w.containerArgv(id, c, argv, true); err != nil {
		return resolved{}, fmt.Errorf("container %s: %w", c.Name, err)
	}
	return resolved{name: c.Name, argv: argv, env: append(full, env...), id: id}, nil
}

// preResolve turns the fieldRefs that test/ray's ResolveEnv does not know,
// or knows only for a pod on its own (the node's address), into literals.
func (w *podWorker) preResolve(env []corev1.EnvVar) []corev1.EnvVar {
	out := make([]corev1.EnvVar, len(env))
	for i, e := range env {
		out[i] = e
		if e.ValueFrom == nil || e.ValueFrom.FieldRef == nil {
			continue
		}
		v, ok := map[string]string{
			"metadata.uid":            string(w.pod.UID),
			"spec.nodeName":           w.k.cfg.NodeName,
			"spec.serviceAccountName": w.pod.Spec.ServiceAccountName,
			"status.hostIP":           NodeIP(w.k.cfg.NodeName),
		}[e.ValueFrom.FieldRef.FieldPath]
		if ok {
			out[i] = corev1.EnvVar{Name: e.Name, Value: v}
		}
	}
	return out
}

// envObjects reads the Secrets and ConfigMaps the env refers to. A missing
// one is left out: ResolveEnv then fails unless the reference is optional,
// and the container waits, as with the kubelet's CreateContainerConfigError.
func (k *Kubelet) envObjects(ctx context.Context, ns string, env []corev1.EnvVar) (ray.Objects, error) {
	objs := ray.Objects{Secrets: map[string]*corev1.Secret{}, ConfigMaps: map[string]*corev1.ConfigMap{}}
	for _, e := range env {
		if e.ValueFrom == nil {
			continue
		}
		if ref := e.ValueFrom.SecretKeyRef; ref != nil && objs.Secrets[ref.Name] == nil {
			s, err := k.cs.CoreV1().Secrets(ns).Get(ctx, ref.Name, metav1.GetOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				return objs, fmt.Errorf("reading secret %s/%s: %w", ns, ref.Name, err)
			}
			if err == nil {
				objs.Secrets[ref.Name] = s
			}
		}
		if ref := e.ValueFrom.ConfigMapKeyRef; ref != nil && objs.ConfigMaps[ref.Name] == nil {
			cm, err := k.cs.CoreV1().ConfigMaps(ns).Get(ctx, ref.Name, metav1.GetOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				return objs, fmt.Errorf("reading configmap %s/%s: %w", ns, ref.Name, err)
			}
			if err == nil {
				objs.ConfigMaps[ref.Name] = cm
			}
		}
	}
	return objs, nil
}
