/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

func podAsking(containers ...corev1.ResourceRequirements) corev1.PodTemplateSpec {
	var cs []corev1.Container
	for _, r := range containers {
		cs = append(cs, corev1.Container{Name: "c", Resources: r})
	}
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: cs}}
}

func asks(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

func TestSetDesiredResources(t *testing.T) {
	head := podAsking(corev1.ResourceRequirements{Requests: asks("cpu", "1", "memory", "2Gi")})
	worker := podAsking(
		corev1.ResourceRequirements{Requests: asks("cpu", "500m", "memory", "1Gi"), Limits: asks("cpu", "2", "nvidia.com/gpu", "1")},
		corev1.ResourceRequirements{Limits: asks("google.com/tpu", "4", "memory", "512Mi", "example.com/fpga", "1")},
	)
	tests := map[string]struct {
		spec               rayv1.RayClusterSpec
		cpu, mem, gpu, tpu string
	}{
		"head only": {
			spec: rayv1.RayClusterSpec{HeadGroupSpec: rayv1.HeadGroupSpec{Template: head}},
			cpu:  "1", mem: "2Gi", gpu: "0", tpu: "0",
		},
		"limits win over requests, per resource; other resources ignored": {
			spec: rayv1.RayClusterSpec{HeadGroupSpec: rayv1.HeadGroupSpec{Template: head},
				WorkerGroupSpecs: []rayv1.WorkerGroupSpec{{GroupName: "g", Replicas: ptr.To[int32](3), Template: worker}}},
			// head 1 + 3 × limit 2; memory 2Gi + 3 × (1Gi + 512Mi)
			cpu: "7", mem: "6656Mi", gpu: "3", tpu: "12",
		},
		"replicas clamped to the bounds; suspended groups ask nothing": {
			spec: rayv1.RayClusterSpec{HeadGroupSpec: rayv1.HeadGroupSpec{Template: head},
				WorkerGroupSpecs: []rayv1.WorkerGroupSpec{
					{GroupName: "low", Replicas: ptr.To[int32](0), MinReplicas: ptr.To[int32](2), Template: worker},
					{GroupName: "off", Replicas: ptr.To[int32](5), Suspend: ptr.To(true), Template: worker},
				}},
			cpu: "5", mem: "5Gi", gpu: "2", tpu: "8",
		},
		"a multi-host replica asks for each of its hosts": {
			spec: rayv1.RayClusterSpec{HeadGroupSpec: rayv1.HeadGroupSpec{Template: head},
				WorkerGroupSpecs: []rayv1.WorkerGroupSpec{{GroupName: "tpu", Replicas: ptr.To[int32](2), NumOfHosts: 4, Template: worker}}},
			// head 1 + 2 × 4 × limit 2; memory 2Gi + 8 × 1.5Gi
			cpu: "17", mem: "14Gi", gpu: "8", tpu: "32",
		},
		"a suspended cluster asks nothing": {
			spec: rayv1.RayClusterSpec{Suspend: ptr.To(true), HeadGroupSpec: rayv1.HeadGroupSpec{Template: head},
				WorkerGroupSpecs: []rayv1.WorkerGroupSpec{{GroupName: "g", Replicas: ptr.To[int32](3), Template: worker}}},
			cpu: "0", mem: "0", gpu: "0", tpu: "0",
		},
		"a huge group does not overflow": {
			spec: rayv1.RayClusterSpec{HeadGroupSpec: rayv1.HeadGroupSpec{Template: podAsking()},
				WorkerGroupSpecs: []rayv1.WorkerGroupSpec{{GroupName: "g", Replicas: ptr.To[int32](2147483647),
					Template: podAsking(corev1.ResourceRequirements{Requests: asks("memory", "4Ti")})}}},
			cpu: "0", mem: "8589934588Ti", gpu: "0", tpu: "0",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var st rayv1.RayClusterStatus
			setDesiredResources(&st, &tc.spec)
			for _, c := range []struct {
				field string
				got   resource.Quantity
				want  string
			}{{"desiredCPU", st.DesiredCPU, tc.cpu}, {"desiredMemory", st.DesiredMemory, tc.mem},
				{"desiredGPU", st.DesiredGPU, tc.gpu}, {"desiredTPU", st.DesiredTPU, tc.tpu}} {
				// Compared as canonical strings: parsing the huge value
				// back would saturate at the int64 limit.
				if c.got.String() != c.want {
					t.Errorf("%s = %s, want %s", c.field, c.got.String(), c.want)
				}
			}
		})
	}
}
