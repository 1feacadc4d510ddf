/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Container waiting reasons the kubelet reports while it is still setting a
// container up; anything else (image pull, config errors) is a block that a
// new pod would not clear.
const (
	waitingContainerCreating = "ContainerCreating"
	waitingPodInitializing   = "PodInitializing"
	waitingCrashLoopBackOff  = "CrashLoopBackOff"
)

// classifyPending handles a pod not yet running. Kubernetes is working on it
// (or waits for a human, e.g. an image that cannot be pulled): observe.
func classifyPending(pod *corev1.Pod) HeadHealth {
	h := HeadHealth{State: HeadStarting, Reason: ReasonPodPending, Action: ActionObserve,
		Message: fmt.Sprintf("head pod %s is pending", pod.Name)}
	if c := podCondition(pod, corev1.PodScheduled); c != nil && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
		h.Reason = ReasonPodUnschedulable
		h.Message = fmt.Sprintf("head pod %s cannot be scheduled: %s", pod.Name, c.Message)
		return h
	}
	if w, name := firstWaiting(pod); w != nil {
		h.Reason = ReasonContainerCreating
		if w.Reason != waitingContainerCreating && w.Reason != waitingPodInitializing {
			h.Reason = ReasonContainerWaiting
		}
		h.Message = fmt.Sprintf("head pod %s: container %s waiting (%s)", pod.Name, name, w.Reason)
		if w.Message != "" {
			h.Message += ": " + w.Message
		}
	}
	return h
}

// classifyRunning handles a Running pod by the state of its Ray container,
// found by name because container statuses come in no fixed order.
func classifyRunning(pod *corev1.Pod, p Policy, now time.Time) HeadHealth {
	cs := rayContainerStatus(pod)
	switch {
	case cs == nil:
		return HeadHealth{State: HeadStarting, Reason: ReasonContainerStarting, Action: ActionObserve,
			Message: fmt.Sprintf("head pod %s: no status for the Ray container yet", pod.Name)}
	case cs.State.Terminated != nil:
		return classifyExited(pod, cs)
	case cs.State.Waiting != nil && cs.State.Waiting.Reason == waitingCrashLoopBackOff:
		return classifyCrashLoop(pod, cs, p, now)
	case cs.State.Waiting != nil:
		return classifyWaiting(pod, cs)
	}
	if c := podCondition(pod, corev1.PodReady); c != nil && c.Status == corev1.ConditionTrue {
		return HeadHealth{State: HeadHealthy, Reason: ReasonHeadReady, Action: ActionNone,
			Message: fmt.Sprintf("head pod %s is Ready", pod.Name)}
	}
	return classifyNotReady(pod, cs, p, now)
}

// classifyExited handles a Ray container that has exited. When the kubelet
// will restart it in place (restartPolicy Always, or OnFailure after a
// failure) the operator only observes; otherwise the pod stays Running with
// a dead head (a sidecar keeps it so) and must be deleted to get a new one.
func classifyExited(pod *corev1.Pod, cs *corev1.ContainerStatus) HeadHealth {
	t := cs.State.Terminated
	h := HeadHealth{Since: t.FinishedAt.Time,
		Message: fmt.Sprintf("head pod %s: Ray container %s exited (reason %s, exit code %d)", pod.Name, cs.Name, t.Reason, t.ExitCode)}
	if restartsInPlace(pod.Spec.RestartPolicy, t.ExitCode) {
		h.State, h.Reason, h.Action = HeadContainerRestarting, ReasonContainerRestarting, ActionObserve
		h.Message += "; the kubelet restarts it"
		return h
	}
	h.State, h.Reason, h.Action = HeadFailed, ReasonContainerTerminated, ActionDeletePod
	h.Message += fmt.Sprintf("; restartPolicy %s does not restart it", restartPolicyOrDefault(pod.Spec.RestartPolicy))
	return h
}

// classifyCrashLoop handles CrashLoopBackOff. The kubelet keeps retrying with
// growing waits up to five minutes; a new pod starts with a fresh backoff,
// possibly on another node, which is why replacing it is an opt-in bound,
// counted from when the head stopped being Ready.
func classifyCrashLoop(pod *corev1.Pod, cs *corev1.ContainerStatus, p Policy, now time.Time) HeadHealth {
	since := notReadySince(pod)
	if since.IsZero() {
		since = lastExit(cs)
	}
	if since.IsZero() {
		// No time to count from: never act on this observation alone.
		since = now
	}
	h := HeadHealth{State: HeadCrashLoop, Reason: ReasonCrashLoopBackOff, Action: ActionObserve, Since: since,
		Message: fmt.Sprintf("head pod %s: Ray container %s in CrashLoopBackOff, %d restarts%s",
			pod.Name, cs.Name, cs.RestartCount, lastExitWords(cs))}
	if p.CrashLoopReplaceAfter <= 0 {
		return h
	}
	return waitUntil(h, since, p.CrashLoopReplaceAfter, now, ActionDeletePod)
}

// classifyWaiting handles a Ray container waiting for a reason other than
// CrashLoopBackOff: being recreated after an exit, or blocked (image pull).
func classifyWaiting(pod *corev1.Pod, cs *corev1.ContainerStatus) HeadHealth {
	w := cs.State.Waiting
	h := HeadHealth{State: HeadStarting, Reason: ReasonContainerWaiting, Action: ActionObserve,
		Message: fmt.Sprintf("head pod %s: Ray container %s waiting (%s)", pod.Name, cs.Name, w.Reason)}
	if w.Reason == waitingContainerCreating || w.Reason == waitingPodInitializing {
		h.Reason = ReasonContainerCreating
	}
	if cs.RestartCount > 0 {
		h.State, h.Reason, h.Since = HeadContainerRestarting, ReasonContainerRestarting, lastExit(cs)
		h.Message += fmt.Sprintf(" after %d restarts%s", cs.RestartCount, lastExitWords(cs))
	}
	return h
}

// classifyNotReady handles a running Ray container whose pod is not Ready.
// If readiness was lost after this container started, the head was serving
// and stopped (a hung GCS); otherwise it is still coming up, after a restart
// or for the first time. The opt-in not-Ready bound covers all three, counted
// from the later of the two times, so a slow start is not mistaken for a hang.
func classifyNotReady(pod *corev1.Pod, cs *corev1.ContainerStatus, p Policy, now time.Time) HeadHealth {
	started := cs.State.Running.StartedAt.Time
	unready := notReadySince(pod)
	h := HeadHealth{Action: ActionObserve}
	switch {
	case unready.After(started):
		h.State, h.Reason, h.Since = HeadNotReady, ReasonHeadNotReady, unready
		h.Message = fmt.Sprintf("head pod %s: not Ready since %s", pod.Name, unready.UTC().Format(time.RFC3339))
	case cs.RestartCount > 0:
		h.State, h.Reason, h.Since = HeadContainerRestarting, ReasonContainerRestarting, lastExit(cs)
		h.Message = fmt.Sprintf("head pod %s: Ray container %s restarted (%d restarts%s), not Ready yet",
			pod.Name, cs.Name, cs.RestartCount, lastExitWords(cs))
	default:
		h.State, h.Reason = HeadStarting, ReasonContainerStarting
		h.Message = fmt.Sprintf("head pod %s: Ray container %s running, not Ready yet", pod.Name, cs.Name)
	}
	if p.NotReadyReplaceAfter <= 0 {
		return h
	}
	from := started
	if unready.After(from) {
		from = unready
	}
	return waitUntil(h, from, p.NotReadyReplaceAfter, now, ActionDeletePod)
}

// restartsInPlace tells whether the kubelet restarts a container that exited
// with this code under this pod restart policy ("" means Always).
func restartsInPlace(policy corev1.RestartPolicy, exitCode int32) bool {
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return exitCode != 0
	}
	return true
}

func restartPolicyOrDefault(p corev1.RestartPolicy) corev1.RestartPolicy {
	if p == "" {
		return corev1.RestartPolicyAlways
	}
	return p
}

// rayContainerStatus finds the status of spec.containers[0], the Ray
// container, by name.
func rayContainerStatus(pod *corev1.Pod) *corev1.ContainerStatus {
	if len(pod.Spec.Containers) == 0 {
		return nil
	}
	name := pod.Spec.Containers[0].Name
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == name {
			return &pod.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// firstWaiting returns the first waiting init or app container.
func firstWaiting(pod *corev1.Pod) (*corev1.ContainerStateWaiting, string) {
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for i := range list {
			if w := list[i].State.Waiting; w != nil {
				return w, list[i].Name
			}
		}
	}
	return nil, ""
}

func podCondition(pod *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// notReadySince is when the pod's Ready condition last left True; zero when
// the pod is Ready or reports no Ready condition.
func notReadySince(pod *corev1.Pod) time.Time {
	c := podCondition(pod, corev1.PodReady)
	if c == nil || c.Status == corev1.ConditionTrue {
		return time.Time{}
	}
	return c.LastTransitionTime.Time
}

// lastExit is when the Ray container last exited; zero when it never did.
func lastExit(cs *corev1.ContainerStatus) time.Time {
	if t := cs.LastTerminationState.Terminated; t != nil {
		return t.FinishedAt.Time
	}
	return time.Time{}
}

func lastExitWords(cs *corev1.ContainerStatus) string {
	t := cs.LastTerminationState.Terminated
	if t == nil {
		return ""
	}
	return fmt.Sprintf(", last exit: reason %s, exit code %d", t.Reason, t.ExitCode)
}
