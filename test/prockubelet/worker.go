package prockubelet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ray-ha-operator/ray-ha-operator/test/ray"
)

// podWorker runs one pod, from its init containers to its deletion, like
// the kubelet's per-pod worker.
type podWorker struct {
	k   *Kubelet
	pod *corev1.Pod // as first seen: the spec does not change
	uid types.UID
	ip  string
	dir string // the pod's own folder: HOME, TMPDIR and logs

	ctx      context.Context
	cancel   context.CancelFunc
	once     sync.Once
	deleting bool // set before cancel: finish by deleting the pod object

	mu     sync.Mutex
	status podStatus
	env    []string // the running container's env, for Exec
	exec   execAs   // how Exec runs a command as that container

	sa *serviceAccount // the projected ServiceAccount; nil when not mounted
}

func newPodWorker(k *Kubelet, pod *corev1.Pod) *podWorker {
	w := &podWorker{k: k, pod: pod.DeepCopy(), uid: pod.UID, ip: PodIP(pod.UID),
		dir: filepath.Join(k.cfg.Dir, fmt.Sprintf("p%d", k.seq.Add(1)))}
	w.ctx, w.cancel = context.WithCancel(k.ctx)
	w.status = newPodStatus(pod)
	return w
}

func (w *podWorker) home() string { return filepath.Join(w.dir, "home") }
func (w *podWorker) tmp() string  { return filepath.Join(w.dir, "tmp") }

// terminate stops the pod's containers; with deleting, the worker then
// removes the pod object, as a kubelet finishing a graceful deletion does.
func (w *podWorker) terminate(deleting bool) {
	w.once.Do(func() {
		w.mu.Lock()
		w.deleting = deleting
		w.mu.Unlock()
		w.cancel()
	})
}

// run is the pod's life: a folder of its own, its ServiceAccount's
// credentials when the node projects them, the init containers in order,
// then the containers, restarted whenever they exit, until the pod is
// deleted or the node is lost.
func (w *podWorker) run() {
	defer w.k.forget(w)
	w.logf("pod %s/%s: starting (IP %s, folder %s)", w.pod.Namespace, w.pod.Name, w.ip, w.dir)
	if err := w.mkdirs(); err != nil {
		w.logf("pod %s: %v", w.pod.Name, err)
		return
	}
	if !w.pullImages() {
		return
	}
	if w.mountsServiceAccount() && !w.mountServiceAccount() {
		return
	}
	if podRunsAsOthers(w.pod) {
		if err := w.prepareForUsers(); err != nil {
			w.logf("pod %s: %v", w.pod.Name, err)
			w.update(func(s *podStatus) { s.phase = corev1.PodFailed })
			return
		}
	}
	if w.runInits() {
		sidecars := w.runSidecars()
		w.runMain()
		sidecars.Wait()
	}
	w.mu.Lock()
	deleting := w.deleting
	w.mu.Unlock()
	if deleting {
		w.k.logErr(w.pod, w.k.write(func(ctx context.Context) error { return w.k.deletePod(ctx, w.pod) }))
	}
}

func (w *podWorker) mkdirs() error {
	for _, d := range []string{w.home(), w.tmp()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("creating the pod's folder: %w", err)
		}
	}
	return nil
}

// runInits runs each init container to completion, retrying a failed one
// after a back-off (a failure fails the pod under restartPolicy Never);
// false when the pod ended first.
func (w *podWorker) runInits() bool {
	for i, c := range w.pod.Spec.InitContainers {
		for attempt := 1; ; attempt++ {
			ok, exit := w.runOnce(c, func(p *ray.PodProcess) { w.update(func(s *podStatus) { s.initRunning(i, p.Started) }) })
			if w.ctx.Err() != nil {
				return false
			}
			w.update(func(s *podStatus) { s.initExited(i, exit, attempt) })
			if ok {
				break
			}
			if w.pod.Spec.RestartPolicy == corev1.RestartPolicyNever {
				w.update(func(s *podStatus) { s.phase = corev1.PodFailed })
				<-w.ctx.Done()
				return false
			}
			if !w.sleep(backoff(attempt)) {
				return false
			}
		}
	}
	w.update(func(s *podStatus) { s.initialized = true })
	return true
}

// runMain runs the pod's first container and, as its restartPolicy says,
// starts it again after it exits, until the pod ends.
func (w *podWorker) runMain() {
	c := w.pod.Spec.Containers[0]
	if len(w.pod.Spec.Containers) > 1 {
		w.logf("pod %s: only container %s runs; the other %d are not started", w.pod.Name, c.Name, len(w.pod.Spec.Containers)-1)
	}
	for restarts := 0; ; restarts++ {
		ok, exit := w.runOnce(c, func(p *ray.PodProcess) {
			w.update(func(s *podStatus) { s.mainRunning(p.Started, int32(restarts)) })
			go w.probeReadiness(p, c.ReadinessProbe)
		})
		if w.ctx.Err() != nil {
			return
		}
		if !restart(w.pod.Spec.RestartPolicy, ok) {
			w.logf("pod %s: container %s exited (%s); restartPolicy %s: pod done", w.pod.Name, c.Name, exit.Reason, w.pod.Spec.RestartPolicy)
			w.update(func(s *podStatus) { s.mainDone(exit) })
			<-w.ctx.Done()
			return
		}
		w.logf("pod %s: container %s exited (%s); restart %d after back-off", w.pod.Name, c.Name, exit.Reason, restarts+1)
		w.update(func(s *podStatus) { s.mainExited(exit, backoff(restarts+1)) })
		if !w.sleep(backoff(restarts + 1)) {
			return
		}
	}
}

// runOnce resolves and runs one container until it exits or the pod ends
// (then it is killed); started is called once it runs. ok is exit code 0.
func (w *podWorker) runOnce(c corev1.Container, started func(*ray.PodProcess)) (ok bool, exit corev1.ContainerStateTerminated) {
	r, err := w.resolve(w.ctx, c)
	if err != nil {
		return false, failedToStart("CreateContainerConfigError", err)
	}
	logPath := filepath.Join(w.dir, fmt.Sprintf("%s-%d.log", c.Name, w.k.seq.Add(1)))
	marker := w.k.nextMarker()
	p, err := ray.StartPod(w.pod.Name+"/"+c.Name, marker, r.argv, r.env, logPath)
	if err != nil {
		return false, failedToStart("StartError", err)
	}
	w.k.track(p)
	if c.Name == w.pod.Spec.Containers[0].Name {
		w.mu.Lock()
		w.env, w.exec = r.env, execAs{id: r.id, c: c}
		w.mu.Unlock()
	}
	started(p)
	select {
	case <-p.Done():
	case <-w.ctx.Done():
	}
	if err := w.killContainer(p, marker); err != nil {
		w.logf("pod %s: %v", w.pod.Name, err)
	}
	return exitState(p)
}

// killContainer ends every process of a container, as a container's all
// end with it (its PID namespace goes), also when its main process exited
// by itself: the process group while its leader is not reaped (after that
// the group ID may be reused), the processes carrying its marker, and those
// holding files in the pod's folder (Ray's agents leave the group and
// rewrite the environment that carries the marker).
func (w *podWorker) killContainer(p *ray.PodProcess, marker string) error {
	if p.Running() {
		p.KillGroup()
	}
	if err := ray.KillMarked(marker, 10*time.Second); err != nil {
		return err
	}
	if err := ray.KillUnder(w.dir, 10*time.Second); err != nil {
		return err
	}
	select {
	case <-p.Done():
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("container %s: main process not reaped after SIGKILL", p.Name)
	}
}

// sleep waits d unless the pod ends first.
func (w *podWorker) sleep(d time.Duration) bool {
	select {
	case <-w.ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func (w *podWorker) logf(format string, args ...any) {
	w.k.cfg.Log("prockubelet: "+w.k.cfg.NodeName+": "+format, args...)
}

// exitState describes how a container's process ended.
func exitState(p *ray.PodProcess) (bool, corev1.ContainerStateTerminated) {
	at, err := p.Exited()
	code := int32(0)
	if err != nil {
		code = 1
		if ee, ok := err.(interface{ ExitCode() int }); ok && ee.ExitCode() >= 0 {
			code = int32(ee.ExitCode())
		} else {
			code = 137 // killed by a signal, as a runtime reports SIGKILL
		}
	}
	reason, message := "Completed", ""
	if code != 0 {
		reason, message = "Error", err.Error()
	}
	return code == 0, terminated(code, reason, message, p.Started, at)
}

func failedToStart(reason string, err error) corev1.ContainerStateTerminated {
	now := time.Now()
	return terminated(128, reason, err.Error(), now, now)
}

// restart says whether a container that exited (ok: with code 0) starts
// again under the pod's restartPolicy.
func restart(policy corev1.RestartPolicy, ok bool) bool {
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return !ok
	}
	return true
}
