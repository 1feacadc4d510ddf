package prockubelet

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ray-ha-operator/ray-ha-operator/test/ray"
)

// probeReadiness runs a container's readiness probe on the kubelet's
// schedule (initialDelaySeconds, then every periodSeconds) while the
// process runs, and turns the pod Ready after successThreshold successes
// in a row and not Ready after failureThreshold failures. A container
// without a probe is Ready once it runs.
func (w *podWorker) probeReadiness(p *ray.PodProcess, probe *corev1.Probe) {
	if probe == nil {
		w.setReady(true)
		return
	}
	period := seconds(probe.PeriodSeconds, 10)
	okNeeded, failNeeded := int(max(probe.SuccessThreshold, 1)), int(max(probe.FailureThreshold, 1))
	next := time.Duration(probe.InitialDelaySeconds) * time.Second
	oks, fails := 0, 0
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-p.Done():
			return
		case <-time.After(next):
		}
		next = period
		w.mu.Lock()
		env := w.env
		w.mu.Unlock()
		if r := ray.RunProbe(w.ctx, probe, w.ip, env); r.OK {
			oks, fails = oks+1, 0
		} else {
			oks, fails = 0, fails+1
		}
		switch {
		case oks == okNeeded:
			w.setReady(true)
		case fails == failNeeded:
			w.setReady(false)
		}
	}
}

// setReady writes the Ready condition when it changes.
func (w *podWorker) setReady(ready bool) {
	w.mu.Lock()
	changed := w.status.setReady(ready)
	w.mu.Unlock()
	if changed {
		w.logf("pod %s: Ready=%v", w.pod.Name, ready)
		w.writeStatus()
	}
}

func seconds(n, def int32) time.Duration {
	if n <= 0 {
		n = def
	}
	return time.Duration(n) * time.Second
}
