/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// RayImage and RayVersion are what test RayClusters run.
const (
	RayImage   = "rayproject/ray:2.52.0"
	RayVersion = "2.52.0"
)

// ClusterOptions shape a test RayCluster.
type ClusterOptions struct {
	// RedisAddress turns GCS fault tolerance on with this Redis.
	RedisAddress string
	// Workers is the number of worker pods (one group, "small").
	Workers int32
	// Annotations are added to the RayCluster (policy bounds, say).
	Annotations map[string]string
	// HeadStatusByTest leaves the head pods' status to the test (and to
	// the kubelet loop) instead of kwok.
	HeadStatusByTest bool
	// AvoidNode keeps the head off this node; WorkerNode pins the workers.
	AvoidNode, WorkerNode string
}

// NewRayCluster returns a KubeRay-shaped RayCluster for the tests; edits
// change it last.
func NewRayCluster(ns, name string, o ClusterOptions, edits ...func(*rayv1.RayCluster)) *rayv1.RayCluster {
	rc := &rayv1.RayCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: o.Annotations},
		Spec: rayv1.RayClusterSpec{
			RayVersion: RayVersion,
			HeadGroupSpec: rayv1.HeadGroupSpec{
				RayStartParams: map[string]string{},
				Template:       podTemplate("ray-head", o.HeadStatusByTest),
			},
			WorkerGroupSpecs: []rayv1.WorkerGroupSpec{{
				GroupName: "small", Replicas: ptr.To(o.Workers), MinReplicas: ptr.To[int32](0), MaxReplicas: ptr.To[int32](5),
				RayStartParams: map[string]string{}, Template: podTemplate("ray-worker", false),
			}},
		},
	}
	if o.RedisAddress != "" {
		rc.Spec.GcsFaultToleranceOptions = &rayv1.GcsFaultToleranceOptions{RedisAddress: o.RedisAddress}
	}
	if o.AvoidNode != "" {
		rc.Spec.HeadGroupSpec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpNotIn, Values: []string{o.AvoidNode}}},
			}}},
		}}
	}
	if o.WorkerNode != "" {
		rc.Spec.WorkerGroupSpecs[0].Template.Spec.NodeSelector = map[string]string{corev1.LabelHostname: o.WorkerNode}
	}
	for _, edit := range edits {
		edit(rc)
	}
	return rc
}

func podTemplate(container string, statusByTest bool) corev1.PodTemplateSpec {
	t := corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		// A short grace keeps deletions of test-managed pods quick.
		TerminationGracePeriodSeconds: ptr.To[int64](1),
		Containers:                    []corev1.Container{{Name: container, Image: RayImage}},
	}}
	if statusByTest {
		t.Annotations = map[string]string{simcluster.DisregardStatusAnnotation: "true"}
	}
	return t
}
