package raycluster

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

func TestStatusRoundTripKeepsOtherConditions(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "ray.io/v1", "kind": "RayCluster",
		"metadata": map[string]any{"name": "demo", "namespace": "ns"},
		"spec":     map[string]any{"rayVersion": "2.60.0"},
		"status": map[string]any{"conditions": []any{map[string]any{
			"type": "Deployed", "status": "True", "reason": "InstallSuccessful", "message": "ok",
			"lastTransitionTime": "2026-01-01T00:00:00Z",
		}}},
	}}
	rc, err := FromObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Spec.RayVersion != "2.60.0" || len(rc.Status.Conditions) != 1 {
		t.Fatalf("typed copy = %+v", rc)
	}
	rc.Status.Conditions = append(rc.Status.Conditions, metav1.Condition{
		Type: "HeadPodReady", Status: metav1.ConditionTrue, Reason: "HeadPodRunningAndReady",
		LastTransitionTime: metav1.Now(),
	})
	rc.Status.State = rayv1.ClusterState("ready")
	if err := WriteStatus(obj, &rc.Status); err != nil {
		t.Fatal(err)
	}
	back, err := FromObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Status.Conditions) != 2 || back.Status.Conditions[0].Type != "Deployed" || back.Status.State != "ready" {
		t.Fatalf("status after write = %+v", back.Status)
	}
}
