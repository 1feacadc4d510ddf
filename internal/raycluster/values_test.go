/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestMapValues(t *testing.T) {
	tests := map[string]struct {
		annotations map[string]string
		ingress     bool
		want        map[string]any
	}{
		"no annotations": {
			want: map[string]any{},
		},
		"only the annotations the chart reads are passed": {
			annotations: map[string]string{
				"ray.io/ft-enabled":                                "true",
				"ray.io/external-storage-namespace":                "ns1",
				"kubectl.kubernetes.io/last-applied-configuration": "{}",
				AnnotationNodeLostGrace:                            "10",
			},
			want: map[string]any{"ray.io/ft-enabled": "true", "ray.io/external-storage-namespace": "ns1"},
		},
		"the overwrite-command switch is passed": {
			annotations: map[string]string{"ray.io/overwrite-container-cmd": "true", "team": "a"},
			want:        map[string]any{"ray.io/overwrite-container-cmd": "true"},
		},
		"with a head Ingress every annotation is passed": {
			annotations: map[string]string{"nginx.ingress.kubernetes.io/rewrite-target": "/$1", "ray.io/ft-enabled": "true"},
			ingress:     true,
			want:        map[string]any{"nginx.ingress.kubernetes.io/rewrite-target": "/$1", "ray.io/ft-enabled": "true"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			obj := &unstructured.Unstructured{Object: map[string]any{}}
			if tc.ingress {
				obj.Object["spec"] = map[string]any{"headGroupSpec": map[string]any{"enableIngress": true}}
			}
			obj.SetName("rc")
			obj.SetUID("uid-1")
			obj.SetAnnotations(tc.annotations)
			got, err := MapValues(context.Background(), obj)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"cluster": map[string]any{"name": "rc", "uid": "uid-1", "annotations": tc.want}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("MapValues = %#v, want %#v", got, want)
			}
		})
	}
}

func TestMapValuesForBatchScheduler(t *testing.T) {
	labels := map[string]string{
		LabelVolcanoQueue:          "q1",
		LabelPriorityClassName:     "high",
		LabelGangSchedulingEnabled: "",
		LabelYuniKornAppID:         "app-1",
		LabelYuniKornQueue:         "root.a",
		LabelKaiQueue:              "team-a",
		"app.kubernetes.io/name":   "ray",
	}
	annotations := map[string]string{AnnotationYuniKornTaskGroups: "[]", "team": "a"}
	tests := map[string]struct {
		scheduler   BatchScheduler
		labels      map[string]any // nil: no cluster.labels key
		annotations map[string]any
	}{
		"no scheduler: no labels, no operator key": {scheduler: NoBatchScheduler, annotations: map[string]any{}},
		"volcano: its queue and the priority class": {
			scheduler:   Volcano,
			labels:      map[string]any{LabelVolcanoQueue: "q1", LabelPriorityClassName: "high"},
			annotations: map[string]any{},
		},
		"yunikorn: application, queue, gang switch (empty value kept) and the task groups annotation": {
			scheduler:   YuniKorn,
			labels:      map[string]any{LabelYuniKornAppID: "app-1", LabelYuniKornQueue: "root.a", LabelGangSchedulingEnabled: ""},
			annotations: map[string]any{AnnotationYuniKornTaskGroups: "[]"},
		},
		"kai-scheduler: its queue": {
			scheduler: KaiScheduler, labels: map[string]any{LabelKaiQueue: "team-a"}, annotations: map[string]any{},
		},
		"scheduler-plugins: the gang switch": {
			scheduler: SchedulerPlugins, labels: map[string]any{LabelGangSchedulingEnabled: ""}, annotations: map[string]any{},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			obj := &unstructured.Unstructured{Object: map[string]any{}}
			obj.SetName("rc")
			obj.SetUID("uid-1")
			obj.SetLabels(labels)
			obj.SetAnnotations(annotations)
			got, err := MapValuesFor(tc.scheduler)(context.Background(), obj)
			if err != nil {
				t.Fatal(err)
			}
			cluster := map[string]any{"name": "rc", "uid": "uid-1", "annotations": tc.annotations}
			if tc.labels != nil {
				cluster["labels"] = tc.labels
			}
			want := map[string]any{"cluster": cluster}
			if tc.scheduler != NoBatchScheduler {
				want["operator"] = map[string]any{"batchScheduler": string(tc.scheduler)}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("MapValuesFor(%q) = %#v, want %#v", tc.scheduler, got, want)
			}
		})
	}
}

// TestMapValuesForNoSchedulerIsMapValues: without a batch scheduler the
// values, and so every release's input hash, are what they were before.
func TestMapValuesForNoSchedulerIsMapValues(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]any{}}
	obj.SetName("rc")
	obj.SetLabels(map[string]string{LabelVolcanoQueue: "q1"})
	a, err := MapValues(context.Background(), obj)
	if err != nil {
		t.Fatal(err)
	}
	b, err := MapValuesFor(NoBatchScheduler)(context.Background(), obj)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("MapValues = %#v, MapValuesFor(none) = %#v", a, b)
	}
	if _, ok := a["cluster"].(map[string]any)["labels"]; ok {
		t.Errorf("labels passed with no batch scheduler: %#v", a)
	}
}
