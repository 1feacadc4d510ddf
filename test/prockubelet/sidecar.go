package prockubelet

import (
	"sync"

	corev1 "k8s.io/api/core/v1"

	"github.com/ray-ha-operator/ray-ha-operator/test/ray"
)

// runSidecars starts the pod's containers after the first, each restarted
// as the pod's restartPolicy says, until the pod ends; the returned group
// is done when all have stopped. Their state is not reported in the pod's
// status (only the first container's is) and they have no probes.
func (w *podWorker) runSidecars() *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, c := range w.pod.Spec.Containers[1:] {
		wg.Go(func() { w.runSidecar(c) })
	}
	return &wg
}

func (w *podWorker) runSidecar(c corev1.Container) {
	for restarts := 0; ; restarts++ {
		ok, exit := w.runOnce(c, func(*ray.PodProcess) {})
		if w.ctx.Err() != nil {
			return
		}
		if !restart(w.pod.Spec.RestartPolicy, ok) {
			w.logf("pod %s: sidecar %s exited (%s); restartPolicy %s: not restarted", w.pod.Name, c.Name, exit.Reason, w.pod.Spec.RestartPolicy)
			return
		}
		w.logf("pod %s: sidecar %s exited (%s: %s); restart %d after back-off", w.pod.Name, c.Name, exit.Reason, exit.Message, restarts+1)
		if !w.sleep(backoff(restarts + 1)) {
			return
		}
	}
}
