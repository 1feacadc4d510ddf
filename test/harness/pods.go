/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// PodReady reports whether the pod's Ready condition is True.
func PodReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// PodRunningReady reports whether the pod runs and is Ready.
func PodRunningReady(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodRunning && PodReady(p)
}

// The Set* functions write the status a kubelet reports, for pods whose
// status the test owns (simcluster.DisregardStatusAnnotation): kwok leaves
// them alone.

// SetRunningReady writes a Running, Ready status with the Ray container
// running.
func SetRunningReady(ctx context.Context, c client.Client, p *corev1.Pod) error {
	now := metav1.Now()
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = fmt.Sprintf("10.250.%d.%d", now.Second(), now.Nanosecond()%250+1)
	p.Status.Conditions = podConditions(now, corev1.ConditionTrue, "")
	p.Status.ContainerStatuses = []corev1.ContainerStatus{rayContainer(p, true,
		corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}})}
	return c.Status().Update(ctx, p)
}

// SetCrashLoop writes what a kubelet reports for a Ray container that keeps
// exiting: Running pod, not Ready, container waiting in CrashLoopBackOff.
func SetCrashLoop(ctx context.Context, c client.Client, p *corev1.Pod) error {
	now := metav1.Now()
	p.Status.Conditions = podConditions(now, corev1.ConditionFalse, "ContainersNotReady")
	cs := rayContainer(p, false, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
		Reason: "CrashLoopBackOff", Message: "back-off 10s restarting failed container"}})
	cs.RestartCount = 3
	cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: 1, Reason: "Error", StartedAt: now, FinishedAt: now}}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{cs}
	return c.Status().Update(ctx, p)
}

// SetContainerExited writes a Ray container that just exited with code 1.
func SetContainerExited(ctx context.Context, c client.Client, p *corev1.Pod) error {
	now := metav1.Now()
	p.Status.Conditions = podConditions(now, corev1.ConditionFalse, "ContainersNotReady")
	p.Status.ContainerStatuses = []corev1.ContainerStatus{rayContainer(p, false, corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", StartedAt: now, FinishedAt: now}})}
	return c.Status().Update(ctx, p)
}

// SetNotReady writes a Ray container that has run for a while and whose
// readiness probe now fails (a hung GCS).
func SetNotReady(ctx context.Context, c client.Client, p *corev1.Pod) error {
	now := metav1.Now()
	started := metav1.NewTime(now.Add(-time.Minute))
	p.Status.Conditions = podConditions(now, corev1.ConditionFalse, "ContainersNotReady")
	p.Status.ContainerStatuses = []corev1.ContainerStatus{rayContainer(p, false,
		corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}})}
	return c.Status().Update(ctx, p)
}

// SetFailed writes a pod that failed for good (phase Failed).
func SetFailed(ctx context.Context, c client.Client, p *corev1.Pod) error {
	now := metav1.Now()
	p.Status.Phase = corev1.PodFailed
	p.Status.Conditions = podConditions(now, corev1.ConditionFalse, "PodFailed")
	p.Status.ContainerStatuses = []corev1.ContainerStatus{rayContainer(p, false, corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "Error", StartedAt: now, FinishedAt: now}})}
	return c.Status().Update(ctx, p)
}

func podConditions(now metav1.Time, ready corev1.ConditionStatus, reason string) []corev1.PodCondition {
	return []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: ready, Reason: reason, LastTransitionTime: now},
		{Type: corev1.PodReady, Status: ready, Reason: reason, LastTransitionTime: now},
	}
}

func rayContainer(p *corev1.Pod, ready bool, state corev1.ContainerState) corev1.ContainerStatus {
	c := p.Spec.Containers[0]
	return corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: c.Image, Ready: ready,
		Started: &ready, State: state}
}
