/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"strings"

	"gopkg.in/inf.v0"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// tpuResource is the extended resource name TPUs are asked for by.
const tpuResource corev1.ResourceName = "google.com/tpu"

// desiredResources is what the cluster asks for, summed from the spec.
type desiredResources struct {
	cpu, memory, gpu, tpu *inf.Dec
}

// setDesiredResources fills desiredCPU/Memory/GPU/TPU as KubeRay does: the
// head pod once plus each worker group's pod times its desired pods
// (replicas times numOfHosts);
// per container the limit, or the request when there is no limit. GPUs are
// every resource named "<vendor>/gpu". A suspended cluster asks for nothing.
// Sums use arbitrary precision: a million replicas must not overflow.
func setDesiredResources(st *rayv1.RayClusterStatus, spec *rayv1.RayClusterSpec) {
	d := desiredResources{cpu: new(inf.Dec), memory: new(inf.Dec), gpu: new(inf.Dec), tpu: new(inf.Dec)}
	if !ptr.Deref(spec.Suspend, false) {
		d.addPod(&spec.HeadGroupSpec.Template.Spec, 1)
		for i := range spec.WorkerGroupSpecs {
			g := &spec.WorkerGroupSpecs[i]
			if ptr.Deref(g.Suspend, false) {
				continue
			}
			d.addPod(&g.Template.Spec, desiredPods(g))
		}
	}
	st.DesiredCPU = decQuantity(d.cpu, resource.DecimalSI)
	st.DesiredMemory = decQuantity(d.memory, resource.BinarySI)
	st.DesiredGPU = decQuantity(d.gpu, resource.DecimalSI)
	st.DesiredTPU = decQuantity(d.tpu, resource.DecimalSI)
}

func (d *desiredResources) addPod(pod *corev1.PodSpec, times int64) {
	if times <= 0 {
		return
	}
	n := inf.NewDec(times, 0)
	for i := range pod.Containers {
		for name, q := range containerAsks(&pod.Containers[i]) {
			var sum *inf.Dec
			switch {
			case name == corev1.ResourceCPU:
				sum = d.cpu
			case name == corev1.ResourceMemory:
				sum = d.memory
			case name == tpuResource:
				sum = d.tpu
			case strings.HasSuffix(string(name), "/gpu"):
				sum = d.gpu
			default:
				continue
			}
			sum.Add(sum, new(inf.Dec).Mul(q.AsDec(), n))
		}
	}
}

// containerAsks is a container's limits, with requests for what has no limit.
func containerAsks(c *corev1.Container) corev1.ResourceList {
	out := corev1.ResourceList{}
	for name, q := range c.Resources.Requests {
		out[name] = q
	}
	for name, q := range c.Resources.Limits {
		out[name] = q
	}
	return out
}

// decQuantity turns a sum into a Quantity (zero is omitted from status).
func decQuantity(d *inf.Dec, format resource.Format) resource.Quantity {
	return *resource.NewDecimalQuantity(*d, format)
}
