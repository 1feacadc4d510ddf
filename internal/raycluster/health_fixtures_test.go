/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// The tests' clock: every fixture time is an offset from t0, in seconds.
func t0() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }

func at(sec int) time.Time     { return t0().Add(time.Duration(sec) * time.Second) }
func mt(sec int) metav1.Time   { return metav1.NewTime(at(sec)) }
func secs(n int) time.Duration { return time.Duration(n) * time.Second }
func mtp(sec int) *metav1.Time { t := mt(sec); return &t }
func policyWith(f func(*Policy)) Policy {
	p := DefaultPolicy()
	if f != nil {
		f(&p)
	}
	return p
}

type podOpt func(*corev1.Pod)

// headPod is a healthy head: Running on node-a, Ready since t0-100s, its Ray
// container running since t0-200s. Options then break it as a row needs.
func headPod(opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "rc-head-0", Namespace: "ns", UID: "uid-head", ResourceVersion: "42",
			Labels: map[string]string{LabelCluster: "rc", LabelNodeType: NodeTypeHead}},
		Spec: corev1.PodSpec{NodeName: "node-a",
			Containers: []corev1.Container{{Name: "ray-head"}, {Name: "sidecar"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: mt(-300)},
				{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: mt(-100)},
			},
			// The Ray container is listed second on purpose: lookup is by name.
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "sidecar", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: mt(-200)}}},
				{Name: "ray-head", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: mt(-200)}}},
			}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func rayStatus(p *corev1.Pod) *corev1.ContainerStatus { return rayContainerStatus(p) }

func phase(ph corev1.PodPhase) podOpt { return func(p *corev1.Pod) { p.Status.Phase = ph } }

func statusReason(r string) podOpt { return func(p *corev1.Pod) { p.Status.Reason = r } }

func restartPolicy(rp corev1.RestartPolicy) podOpt {
	return func(p *corev1.Pod) { p.Spec.RestartPolicy = rp }
}

func unbound() podOpt { return func(p *corev1.Pod) { p.Spec.NodeName = "" } }

// notReady sets the Ready condition to False since the given second.
func notReady(since int) podOpt {
	return func(p *corev1.Pod) {
		c := podCondition(p, corev1.PodReady)
		c.Status, c.LastTransitionTime = corev1.ConditionFalse, mt(since)
	}
}

func noConditions() podOpt { return func(p *corev1.Pod) { p.Status.Conditions = nil } }

func unschedulable() podOpt {
	return func(p *corev1.Pod) {
		c := podCondition(p, corev1.PodScheduled)
		c.Status, c.Reason, c.Message = corev1.ConditionFalse, corev1.PodReasonUnschedulable, "0/3 nodes are available"
	}
}

func scheduledAt(sec int) podOpt {
	return func(p *corev1.Pod) { podCondition(p, corev1.PodScheduled).LastTransitionTime = mt(sec) }
}

func noRayStatus() podOpt {
	return func(p *corev1.Pod) { p.Status.ContainerStatuses = p.Status.ContainerStatuses[:1] }
}

func rayRunningSince(sec int) podOpt {
	return func(p *corev1.Pod) {
		rayStatus(p).State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: mt(sec)}}
	}
}

func rayWaiting(reason string) podOpt {
	return func(p *corev1.Pod) {
		rayStatus(p).State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
	}
}

func rayTerminated(finished int, code int32) podOpt {
	return func(p *corev1.Pod) {
		rayStatus(p).State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			Reason: "Error", ExitCode: code, FinishedAt: mt(finished)}}
	}
}

// restarted records n restarts, the last exit (OOMKilled) at the given second.
func restarted(n int32, lastExit int) podOpt {
	return func(p *corev1.Pod) {
		cs := rayStatus(p)
		cs.RestartCount = n
		cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			Reason: "OOMKilled", ExitCode: 137, FinishedAt: mt(lastExit)}}
	}
}

func initWaiting(reason string) podOpt {
	return func(p *corev1.Pod) {
		p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "init",
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}}
		p.Status.ContainerStatuses = nil
	}
}

// deleting marks the pod deleted at the given second with a grace period:
// the API server sets deletionTimestamp to request time plus grace.
func deleting(requested int, grace int64) podOpt {
	return func(p *corev1.Pod) {
		p.DeletionTimestamp = mtp(requested + int(grace))
		p.DeletionGracePeriodSeconds = ptr.To(grace)
	}
}

func finalizers(f ...string) podOpt { return func(p *corev1.Pod) { p.Finalizers = f } }

func named(name string) podOpt { return func(p *corev1.Pod) { p.Name = name } }

type nodeOpt func(*corev1.Node)

// readyNode is node-a, Ready since long ago.
func readyNode(opts ...nodeOpt) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a"},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, LastTransitionTime: mt(-9000)},
			{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastTransitionTime: mt(-9000)},
		}}}
	for _, o := range opts {
		o(n)
	}
	return n
}

func nodeReady(s corev1.ConditionStatus, since int) nodeOpt {
	return func(n *corev1.Node) {
		c := nodeCondition(n, corev1.NodeReady)
		c.Status, c.LastTransitionTime = s, mt(since)
	}
}

func noNodeConditions() nodeOpt { return func(n *corev1.Node) { n.Status.Conditions = nil } }

func taint(key string, added *metav1.Time) nodeOpt {
	return func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoExecute, TimeAdded: added})
	}
}
