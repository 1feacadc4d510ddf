/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"
	"math"
	"regexp"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// statusFacts are the inputs of computeStatus, taken from the reconcile's
// Observation.
type statusFacts struct {
	Spec       *rayv1.RayClusterSpec
	Generation int64
	// Head is the head pod, nil when none exists.
	Head *corev1.Pod
	// Workers are the cluster's worker pods.
	Workers []corev1.Pod
	// ServiceName is the head Service's name; Service is nil when it does
	// not exist (yet).
	ServiceName string
	Service     *corev1.Service
	// ReplicaSets are the worker ReplicaSets.
	ReplicaSets []appsv1.ReplicaSet
	// HeadCreateRefused is why the head StatefulSet cannot create the
	// head pod, "" when nothing refused it.
	HeadCreateRefused string
	// HeadDelete is the head hook's delete of this reconcile.
	HeadDelete HeadDeleteAttempt
	Now        metav1.Time
}

// computeStatus writes the status projection's fields into st and reports whether
// anything changed. lastUpdateTime moves only then, so a steady state
// writes nothing.
func computeStatus(st *rayv1.RayClusterStatus, f statusFacts) bool {
	before := st.DeepCopy()
	st.Head = headInfo(f)
	if f.Service != nil {
		st.Endpoints = endpoints(f.Service)
	}
	setWorkerCounts(st, f)
	setDesiredResources(st, f.Spec)
	headReady := setHeadPodReady(st, f)
	workersReady := st.ReadyWorkerReplicas >= st.DesiredWorkerReplicas
	setProvisioned(st, f, headReady && workersReady)
	st.State, st.Reason = clusterState(st, f, headReady, workersReady)
	setReplicaFailure(st, f, headReady)
	if equality.Semantic.DeepEqual(before, st) {
		return false
	}
	st.LastUpdateTime = ptr.To(f.Now)
	return true
}

// headInfo locates the head. For a headless Service the Service IP is the
// head pod's IP, as KubeRay reports it.
func headInfo(f statusFacts) rayv1.HeadInfo {
	h := rayv1.HeadInfo{ServiceName: f.ServiceName}
	if f.Head != nil {
		h.PodName, h.PodIP = f.Head.Name, f.Head.Status.PodIP
	}
	if f.Service != nil {
		h.ServiceIP = f.Service.Spec.ClusterIP
		if h.ServiceIP == corev1.ClusterIPNone || h.ServiceIP == "" {
			h.ServiceIP = h.PodIP
		}
	}
	return h
}

// endpoints maps the head Service's port names to their numbers.
func endpoints(svc *corev1.Service) map[string]string {
	if len(svc.Spec.Ports) == 0 {
		return nil
	}
	out := make(map[string]string, len(svc.Spec.Ports))
	for _, p := range svc.Spec.Ports {
		name := p.Name
		if name == "" {
			name = strconv.Itoa(int(p.Port))
		}
		out[name] = strconv.Itoa(int(p.Port))
	}
	return out
}

// setWorkerCounts counts worker pods (Running: available; Running and
// Ready: ready; pods being deleted count as neither) and sums the groups'
// bounds as the chart sizes the ReplicaSets.
func setWorkerCounts(st *rayv1.RayClusterStatus, f statusFacts) {
	st.ReadyWorkerReplicas, st.AvailableWorkerReplicas = 0, 0
	for i := range f.Workers {
		p := &f.Workers[i]
		if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
			continue
		}
		st.AvailableWorkerReplicas++
		if podReady(p) {
			st.ReadyWorkerReplicas++
		}
	}
	st.DesiredWorkerReplicas, st.MinWorkerReplicas, st.MaxWorkerReplicas = 0, 0, 0
	suspended := ptr.Deref(f.Spec.Suspend, false)
	for i := range f.Spec.WorkerGroupSpecs {
		g := &f.Spec.WorkerGroupSpecs[i]
		// As KubeRay: a suspended group counts in none of the three, a
		// suspended cluster's groups still count in min and max.
		if ptr.Deref(g.Suspend, false) {
			continue
		}
		hosts := int64(hostsPerReplica(g))
		st.MinWorkerReplicas = saturatingAdd(st.MinWorkerReplicas, int64(ptr.Deref(g.MinReplicas, 0))*hosts)
		st.MaxWorkerReplicas = saturatingAdd(st.MaxWorkerReplicas, int64(ptr.Deref(g.MaxReplicas, math.MaxInt32))*hosts)
		if suspended {
			continue
		}
		st.DesiredWorkerReplicas = saturatingAdd(st.DesiredWorkerReplicas, desiredPods(g))
	}
}

// desiredReplicas is a group's replicas clamped to [minReplicas,
// maxReplicas], as KubeRay clamps them.
func desiredReplicas(g *rayv1.WorkerGroupSpec) int32 {
	lo, hi := ptr.Deref(g.MinReplicas, 0), ptr.Deref(g.MaxReplicas, math.MaxInt32)
	return min(max(ptr.Deref(g.Replicas, lo), lo), hi)
}

// hostsPerReplica is a group's numOfHosts; below 1 it counts as 1, as
// KubeRay creates the pods (an object from before the field had no value).
func hostsPerReplica(g *rayv1.WorkerGroupSpec) int32 {
	return max(g.NumOfHosts, 1)
}

// desiredPods is the number of worker pods a group wants: its desired
// replicas times its hosts per replica, as the chart sizes its ReplicaSet.
func desiredPods(g *rayv1.WorkerGroupSpec) int64 {
	return int64(desiredReplicas(g)) * int64(hostsPerReplica(g))
}

func saturatingAdd(a int32, b int64) int32 {
	if s := int64(a) + b; s < math.MaxInt32 {
		return int32(s)
	}
	return math.MaxInt32
}

// conditionReason is the pattern metav1.Condition accepts for a reason.
var conditionReason = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`)

// setHeadPodReady mirrors the head pod's readiness (KubeRay's condition)
// and returns it.
func setHeadPodReady(st *rayv1.RayClusterStatus, f statusFacts) bool {
	status, reason, msg := headPodReady(f.Head)
	setCondition(st, rayv1.HeadPodReady, status, reason, msg, f.Generation, f.Now)
	return status == metav1.ConditionTrue
}

func headPodReady(pod *corev1.Pod) (metav1.ConditionStatus, string, string) {
	switch {
	case pod == nil:
		return metav1.ConditionFalse, rayv1.ReasonHeadPodNotFound, "no head pod exists"
	case pod.DeletionTimestamp == nil && pod.Status.Phase == corev1.PodRunning && podReady(pod):
		return metav1.ConditionTrue, rayv1.ReasonHeadPodRunningAndReady, ""
	}
	reason, msg := rayv1.ReasonUnknown, fmt.Sprintf("head pod %s is %s", pod.Name, pod.Status.Phase)
	if c := podCondition(pod, corev1.PodReady); c != nil && c.Reason != "" {
		reason, msg = c.Reason, c.Message
	}
	if cs := rayContainerStatus(pod); (reason == "ContainersNotReady" || reason == rayv1.ReasonUnknown) && cs != nil {
		switch {
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
			reason, msg = cs.State.Waiting.Reason, cs.State.Waiting.Message
		case cs.State.Terminated != nil && cs.State.Terminated.Reason != "":
			reason, msg = cs.State.Terminated.Reason, cs.State.Terminated.Message
		}
	}
	if pod.DeletionTimestamp != nil {
		reason, msg = "PodTerminating", fmt.Sprintf("head pod %s is being deleted", pod.Name)
	}
	if !conditionReason.MatchString(reason) {
		reason = rayv1.ReasonUnknown
	}
	return metav1.ConditionFalse, reason, msg
}

// setProvisioned sets RayClusterProvisioned: True the first time every pod
// is Ready, then sticky (as in KubeRay) until the cluster is suspended.
func setProvisioned(st *rayv1.RayClusterStatus, f statusFacts, allReady bool) {
	wasTrue := conditionIs(st, rayv1.RayClusterProvisioned, metav1.ConditionTrue)
	switch {
	case ptr.Deref(f.Spec.Suspend, false):
		setCondition(st, rayv1.RayClusterProvisioned, metav1.ConditionFalse, rayv1.ReasonRayClusterPodsProvisioning,
			"the cluster is suspended", f.Generation, f.Now)
	case wasTrue:
	case allReady:
		setCondition(st, rayv1.RayClusterProvisioned, metav1.ConditionTrue, rayv1.ReasonAllPodRunningAndReadyFirstTime,
			"the head and all desired workers are Running and Ready", f.Generation, f.Now)
	default:
		setCondition(st, rayv1.RayClusterProvisioned, metav1.ConditionFalse, rayv1.ReasonRayClusterPodsProvisioning,
			"waiting for the head and the desired workers to be Running and Ready", f.Generation, f.Now)
	}
}

// clusterState keeps KubeRay's state truthful: "ready" only while the head
// and the desired workers are Ready, "suspended" once a suspended cluster's
// pods are gone, and otherwise empty. KubeRay's "failed" is not used for a
// head that is down: clients read it as terminal, while the operator is
// bringing the head back; Reason and the HeadRecovering condition say why.
func clusterState(st *rayv1.RayClusterStatus, f statusFacts, headReady, workersReady bool) (rayv1.ClusterState, string) {
	switch {
	case ptr.Deref(f.Spec.Suspend, false):
		if f.Head == nil && len(f.Workers) == 0 {
			return rayv1.ClusterStateSuspended, ""
		}
		return "", "suspending: deleting the cluster's pods"
	case headReady && workersReady:
		return rayv1.ClusterStateReady, ""
	case !conditionIs(st, rayv1.RayClusterProvisioned, metav1.ConditionTrue):
		return "", ""
	case !headReady:
		return "", "the head is not Ready; see the HeadPodReady and HeadRecovering conditions"
	}
	return "", fmt.Sprintf("%d of %d desired workers are Ready", st.ReadyWorkerReplicas, st.DesiredWorkerReplicas)
}

func podReady(p *corev1.Pod) bool {
	c := podCondition(p, corev1.PodReady)
	return c != nil && c.Status == corev1.ConditionTrue
}
