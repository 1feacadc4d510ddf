package prockubelet

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"

	"github.com/ray-ha-operator/ray-ha-operator/test/ray"
)

// Exec runs argv in a running pod's environment, as `kubectl exec` into its
// first container would, and returns its standard output; standard error
// goes to a log file in the pod's folder, named in errors. The process is
// one of the node's: Kill ends it too.
func (k *Kubelet) Exec(ctx context.Context, namespace, pod string, argv ...string) ([]byte, error) {
	w := k.podByName(namespace, pod)
	if w == nil {
		return nil, fmt.Errorf("exec in %s/%s: no such pod running on node %s", namespace, pod, k.cfg.NodeName)
	}
	w.mu.Lock()
	env, as := w.env, w.exec
	w.mu.Unlock()
	if env == nil {
		return nil, fmt.Errorf("exec in %s/%s: its container has not started", namespace, pod)
	}
	logPath := filepath.Join(w.dir, fmt.Sprintf("exec-%d.log", k.seq.Add(1)))
	stderr, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("exec in %s/%s: %w", namespace, pod, err)
	}
	defer func() { _ = stderr.Close() }()
	// As `kubectl exec`: the container's user and filesystem, its mounts
	// (the ServiceAccount, the cluster DNS's hosts file) included.
	argv, err = w.containerArgv(as.id, as.c, argv, true)
	if err != nil {
		return nil, fmt.Errorf("exec in %s/%s: %w", namespace, pod, err)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(append([]string{}, env...), markerEnv(k.nextMarker()))
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("exec %v in %s/%s: %w (stderr in %s)", argv, namespace, pod, err, logPath)
	}
	return out, nil
}

// RunningPodIP is the address of the pod of that name running on this node
// (its status.podIP); false when none runs here.
func (k *Kubelet) RunningPodIP(namespace, pod string) (string, bool) {
	w := k.podByName(namespace, pod)
	if w == nil {
		return "", false
	}
	return w.ip, true
}

// execAs is the running container a command is exec'ed in: its user
// (nil: the kubelet's own) and its spec.
type execAs struct {
	id *identity
	c  corev1.Container
}

// podByName is the worker of a running pod, nil when there is none.
func (k *Kubelet) podByName(namespace, name string) *podWorker {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, w := range k.workers {
		if w.pod.Namespace == namespace && w.pod.Name == name && w.ctx.Err() == nil {
			return w
		}
	}
	return nil
}

// markerEnv marks a process as one of the node's, for KillMarked.
func markerEnv(marker string) string { return ray.MarkerVar + "=" + marker }
