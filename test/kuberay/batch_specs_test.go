package kuberay

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestSampleScheduler(t *testing.T) {
	tests := map[string]struct {
		labels map[string]string
		want   string
	}{
		"no labels":                      {want: ""},
		"unrelated labels":               {labels: map[string]string{"team": "a"}, want: ""},
		"KubeRay's scheduler-name label": {labels: map[string]string{"ray.io/scheduler-name": "volcano"}, want: "volcano"},
		"volcano queue":                  {labels: map[string]string{"volcano.sh/queue-name": "q"}, want: "volcano"},
		"yunikorn with gang scheduling": {labels: map[string]string{"ray.io/gang-scheduling-enabled": "true",
			"yunikorn.apache.org/app-id": "a"}, want: "yunikorn"},
		"kai queue":             {labels: map[string]string{"kai.scheduler/queue": "team-a"}, want: "kai-scheduler"},
		"gang scheduling alone": {labels: map[string]string{"ray.io/gang-scheduling-enabled": "true"}, want: "scheduler-plugins"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := sampleScheduler(tc.labels); got != tc.want {
				t.Errorf("sampleScheduler(%v) = %q, want %q", tc.labels, got, tc.want)
			}
		})
	}
}

// TestBatchInputsCoverEveryScheduler: the tier compares each scheduler
// KubeRay has a plugin for, and every sample written for one.
func TestBatchInputsCoverEveryScheduler(t *testing.T) {
	samples := []Input{
		{Spec: "sample plain", Object: baseObject("plain", nil)},
		{Spec: "sample kai", Object: baseObject("kai", map[string]any{"kai.scheduler/queue": "a"})},
	}
	seen := map[string]int{}
	var sampleRuns []string
	for _, in := range batchInputs(samples) {
		seen[in.BatchScheduler]++
		if in.Object == samples[1].Object {
			sampleRuns = append(sampleRuns, in.Spec)
		}
		if in.Object == samples[0].Object {
			t.Errorf("a sample without scheduler labels is compared with a scheduler: %s", in.Spec)
		}
	}
	for _, s := range []string{"volcano", "yunikorn", "kai-scheduler", "scheduler-plugins"} {
		if seen[s] < 2 {
			t.Errorf("%d inputs for %s, want several", seen[s], s)
		}
	}
	if len(sampleRuns) != 1 || sampleRuns[0] != "sample kai with --batch-scheduler=kai-scheduler" {
		t.Errorf("the kai sample is compared as %v, want once with kai-scheduler", sampleRuns)
	}
}

func baseObject(name string, labels map[string]any) *unstructured.Unstructured {
	c := baseCluster(name)
	if labels != nil {
		c["metadata"].(map[string]any)["labels"] = labels
	}
	return &unstructured.Unstructured{Object: c}
}
