/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

func TestRecreates(t *testing.T) {
	tests := map[string]struct {
		strategy *rayv1.RayClusterUpgradeStrategy
		want     bool
	}{
		"unset":         {},
		"no type":       {strategy: &rayv1.RayClusterUpgradeStrategy{}},
		"None":          {strategy: &rayv1.RayClusterUpgradeStrategy{Type: ptr.To(rayv1.UpgradeNone)}},
		"Recreate":      {strategy: &rayv1.RayClusterUpgradeStrategy{Type: ptr.To(rayv1.UpgradeRecreate)}, want: true},
		"unknown value": {strategy: &rayv1.RayClusterUpgradeStrategy{Type: ptr.To(rayv1.RayClusterUpgradeType("Rolling"))}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rc := &rayv1.RayCluster{Spec: rayv1.RayClusterSpec{UpgradeStrategy: tc.strategy}}
			if got := recreates(rc); got != tc.want {
				t.Errorf("recreates = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOutdatedPods(t *testing.T) {
	pod := func(name, nodeType, group, hash string, deleting bool) corev1.Pod {
		p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{LabelNodeType: nodeType, LabelGroup: group}}}
		if hash != "" {
			p.Annotations = map[string]string{AnnotationPodTemplateHash: hash}
		}
		if deleting {
			p.DeletionTimestamp = ptr.To(metav1.Unix(1, 0))
		}
		return p
	}
	want := map[string]string{groupKey(NodeTypeHead, headGroup): "h2", groupKey(NodeTypeWork, "small"): "w2"}
	tests := map[string]struct {
		pods []corev1.Pod
		want []string
	}{
		"current pods stay":               {pods: []corev1.Pod{pod("head", NodeTypeHead, headGroup, "h2", false), pod("w", NodeTypeWork, "small", "w2", false)}},
		"an outdated head goes":           {pods: []corev1.Pod{pod("head", NodeTypeHead, headGroup, "h1", false)}, want: []string{"head"}},
		"outdated workers go":             {pods: []corev1.Pod{pod("a", NodeTypeWork, "small", "w1", false), pod("b", NodeTypeWork, "small", "w2", false)}, want: []string{"a"}},
		"a pod of an earlier chart stays": {pods: []corev1.Pod{pod("old", NodeTypeWork, "small", "", false)}},
		"a group without a workload hash": {pods: []corev1.Pod{pod("x", NodeTypeWork, "other", "w1", false)}},
		"a pod being deleted is left":     {pods: []corev1.Pod{pod("a", NodeTypeWork, "small", "w1", true)}},
		"a worker group named headgroup is a worker group": {
			pods: []corev1.Pod{pod("w", NodeTypeWork, headGroup, "h1", false)}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, p := range outdatedPods(tc.pods, want) {
				got = append(got, p.Name)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("outdatedPods = %v, want %v", got, tc.want)
			}
		})
	}
}
