package prockubelet

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// pullImages waits for the modelled pulls of the pod's images onto this
// node (Config.ImagePulls), as the kubelet pulls them before it creates the
// pod's containers; the pod stays Pending with its containers waiting
// meanwhile. The wait is a MODEL (simcluster.ImagePullModel), not a
// measurement: no image exists here, the processes run from the machine's
// Ray virtualenv. False when the pod ended first.
func (w *podWorker) pullImages() bool {
	m := w.k.cfg.ImagePulls
	if m == nil {
		return true
	}
	plan := m.Pull(w.k.cfg.NodeName, podImages(w.pod), time.Now())
	if !plan.Cold() {
		return true
	}
	for _, p := range plan.Pulls {
		w.logf("pod %s: waiting for the MODELLED cold pull of %s, %.1f s until %s", w.pod.Name, p.Image,
			time.Until(p.End).Seconds(), p.End.Format(time.TimeOnly))
	}
	return w.sleep(time.Until(plan.ReadyAt))
}

// podImages are the images of every container of the pod, init containers
// first, as the kubelet pulls them.
func podImages(pod *corev1.Pod) []string {
	var images []string
	for _, c := range pod.Spec.InitContainers {
		images = append(images, c.Image)
	}
	for _, c := range pod.Spec.Containers {
		images = append(images, c.Image)
	}
	return images
}
