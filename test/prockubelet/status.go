package prockubelet

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podStatus is what the kubelet knows of a pod's containers; build turns it
// into the API status.
type podStatus struct {
	startTime   time.Time
	initialized bool
	everStarted bool            // the main container ran once: the pod is Running
	phase       corev1.PodPhase // set once the pod has ended
	ready       bool
	inits       []corev1.ContainerStatus
	main        corev1.ContainerStatus
}

func newPodStatus(pod *corev1.Pod) podStatus {
	s := podStatus{startTime: time.Now(), initialized: len(pod.Spec.InitContainers) == 0}
	for _, c := range pod.Spec.InitContainers {
		s.inits = append(s.inits, corev1.ContainerStatus{Name: c.Name, Image: c.Image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}})
	}
	c := pod.Spec.Containers[0]
	reason := "ContainerCreating"
	if !s.initialized {
		reason = "PodInitializing"
	}
	s.main = corev1.ContainerStatus{Name: c.Name, Image: c.Image,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
	return s
}

func (s *podStatus) initRunning(i int, at time.Time) {
	s.inits[i].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(at)}}
}

func (s *podStatus) initExited(i int, exit corev1.ContainerStateTerminated, attempt int) {
	s.inits[i].State = corev1.ContainerState{Terminated: &exit}
	s.inits[i].RestartCount = int32(attempt - 1)
	s.inits[i].Ready = exit.ExitCode == 0
}

func (s *podStatus) mainRunning(at time.Time, restarts int32) {
	s.everStarted, s.ready = true, false
	s.main.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(at)}}
	s.main.RestartCount = restarts
	s.main.Started = ptrTo(true)
	s.main.Ready = false
}

// mainExited records a container that exited and waits for its restart:
// lastState holds the exit, the state says the back-off, as the kubelet's.
func (s *podStatus) mainExited(exit corev1.ContainerStateTerminated, wait time.Duration) {
	s.ready = false
	s.main.LastTerminationState = corev1.ContainerState{Terminated: &exit}
	s.main.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
		Message: fmt.Sprintf("back-off %s restarting failed container %s", wait, s.main.Name)}}
	s.main.Started = ptrTo(false)
	s.main.Ready = false
}

// mainDone records a container that is not restarted: the pod ends,
// Succeeded when it exited with 0, else Failed.
func (s *podStatus) mainDone(exit corev1.ContainerStateTerminated) {
	s.ready = false
	s.main.State = corev1.ContainerState{Terminated: &exit}
	s.main.Started = ptrTo(false)
	s.main.Ready = false
	s.phase = corev1.PodFailed
	if exit.ExitCode == 0 {
		s.phase = corev1.PodSucceeded
	}
}

func (s *podStatus) setReady(ready bool) bool {
	if s.main.State.Running == nil {
		ready = false
	}
	changed := s.ready != ready
	s.ready, s.main.Ready = ready, ready
	return changed
}

// build is the API status; conditions of others (PodScheduled) are kept.
func (s *podStatus) build(old corev1.PodStatus, podIP, hostIP string) corev1.PodStatus {
	st := corev1.PodStatus{
		Phase:  corev1.PodPending,
		HostIP: hostIP, HostIPs: []corev1.HostIP{{IP: hostIP}},
		PodIP: podIP, PodIPs: []corev1.PodIP{{IP: podIP}},
		StartTime:             ptrTo(metav1.NewTime(s.startTime)),
		InitContainerStatuses: append([]corev1.ContainerStatus(nil), s.inits...),
		ContainerStatuses:     []corev1.ContainerStatus{s.main},
		QOSClass:              old.QOSClass,
	}
	switch {
	case s.phase != "":
		st.Phase = s.phase
	case s.everStarted:
		st.Phase = corev1.PodRunning
	}
	own := map[corev1.PodConditionType]bool{
		corev1.PodReadyToStartContainers: true,
		corev1.PodInitialized:            s.initialized,
		corev1.ContainersReady:           s.ready,
		corev1.PodReady:                  s.ready,
	}
	for _, c := range old.Conditions {
		if _, ours := own[c.Type]; !ours {
			st.Conditions = append(st.Conditions, c)
		}
	}
	for _, t := range []corev1.PodConditionType{corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
		st.Conditions = append(st.Conditions, condition(old.Conditions, t, own[t]))
	}
	return st
}

// condition keeps the transition time of an unchanged condition.
func condition(old []corev1.PodCondition, t corev1.PodConditionType, ok bool) corev1.PodCondition {
	status := corev1.ConditionFalse
	if ok {
		status = corev1.ConditionTrue
	}
	for _, c := range old {
		if c.Type == t && c.Status == status {
			return c
		}
	}
	return corev1.PodCondition{Type: t, Status: status, LastTransitionTime: metav1.Now()}
}

// update changes the status model and writes the pod's status. Writes stop
// once the pod is ending (it is about to be deleted) or the node is lost.
func (w *podWorker) update(f func(*podStatus)) {
	w.mu.Lock()
	f(&w.status)
	w.mu.Unlock()
	w.writeStatus()
}

func (w *podWorker) writeStatus() {
	err := w.k.write(func(context.Context) error {
		for range 5 {
			if w.ctx.Err() != nil {
				return nil
			}
			err := w.tryWriteStatus(w.ctx)
			if !apierrors.IsConflict(err) {
				return err
			}
		}
		return fmt.Errorf("writing status: conflicts")
	})
	if w.ctx.Err() == nil {
		w.k.logErr(w.pod, err)
	}
}

func (w *podWorker) tryWriteStatus(ctx context.Context) error {
	pods := w.k.cs.CoreV1().Pods(w.pod.Namespace)
	cur, err := pods.Get(ctx, w.pod.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || err == nil && cur.UID != w.uid {
		return nil // gone: the informer stops the worker
	}
	if err != nil {
		return err
	}
	w.mu.Lock()
	cur.Status = w.status.build(cur.Status, w.ip, NodeIP(w.k.cfg.NodeName))
	w.mu.Unlock()
	_, err = pods.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
	return err
}

func terminated(code int32, reason, message string, started, finished time.Time) corev1.ContainerStateTerminated {
	return corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, Message: message,
		StartedAt: metav1.NewTime(started), FinishedAt: metav1.NewTime(finished)}
}

func ptrTo[T any](v T) *T { return &v }
