package kuberay

import (
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// batchSpec is a generated RayCluster compared with the operator (ours and
// KubeRay's) running with a batch scheduler.
type batchSpec struct {
	scheduler string
	spec      specCase
}

// batchSpecs: for each scheduler KubeRay has a plugin for, the labels that
// scheduler reads (set, empty, missing), gang scheduling, and resources that
// make the PodGroup's sums and the task groups non-trivial: requests and
// limits, a sidecar, GPUs, several groups with replicas outside their
// bounds, node selectors and tolerations. (A suspended worker group, which
// the PodGroup leaves out, needs a KubeRay feature gate; the chart's tests
// cover it.)
func batchSpecs() []batchSpec {
	gang := label("ray.io/gang-scheduling-enabled", "true")
	sized := []specEdit{
		headRay(resources(limits("cpu", "2", "memory", "4Gi"), limits("cpu", "1", "memory", "2Gi"))),
		workerRay(0, resources(limits("cpu", "1", "memory", "1536Mi", "nvidia.com/gpu", "1"), limits("cpu", "500m"))),
		workerGroup(0, "replicas", int64(2)),
		workerGroup(0, "minReplicas", int64(1)),
		workerPod(0, appendList("containers", map[string]any{"name": "sidecar", "image": "busybox",
			"resources": map[string]any{"requests": map[string]any{"cpu": "250m", "memory": "256Mi"}}})),
		addWorkerGroup("big", resources(limits("cpu", "4", "memory", "8Gi"), nil)),
		workerGroup(1, "replicas", int64(5)),
		workerGroup(1, "maxReplicas", int64(3)),
	}
	placed := []specEdit{
		workerPod(0, func(pod map[string]any) { pod["nodeSelector"] = map[string]any{"accelerator": "a100"} }),
		workerPod(0, appendList("tolerations", map[string]any{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"})),
	}
	b := func(scheduler, name string, edits ...specEdit) batchSpec {
		return batchSpec{scheduler: scheduler, spec: spec(name, edits...)}
	}
	return []batchSpec{
		b("volcano", "volcano-plain"),
		b("volcano", "volcano-queue-priority", label("volcano.sh/queue-name", "q1"), label("ray.io/priority-class-name", "high")),
		b("volcano", "volcano-empty-queue", label("volcano.sh/queue-name", "")),
		b("volcano", "volcano-sized", append(sized, label("volcano.sh/queue-name", "q1"))...),
		b("volcano", "volcano-topology", label("volcano.sh/network-topology-mode", "hard"),
			label("volcano.sh/network-topology-highest-tier-allowed", "2")),
		b("volcano", "volcano-topology-mode-only", label("volcano.sh/network-topology-mode", "soft")),
		b("volcano", "volcano-topology-bad-tier", label("volcano.sh/network-topology-mode", "hard"),
			label("volcano.sh/network-topology-highest-tier-allowed", "two")),
		b("volcano", "volcano-over-template", label("volcano.sh/queue-name", "q1"),
			headMeta("labels", map[string]any{"volcano.sh/queue-name": "mine"}),
			headMeta("annotations", map[string]any{"volcano.sh/task-spec": "mine"}),
			headPod(func(pod map[string]any) { pod["schedulerName"] = "my-scheduler" })),
		b("yunikorn", "yunikorn-app-queue", label("yunikorn.apache.org/app-id", "app-1"), label("yunikorn.apache.org/queue", "root.test")),
		b("yunikorn", "yunikorn-gang", append(append(sized, placed...), gang, label("yunikorn.apache.org/app-id", "app-1"))...),
		b("yunikorn", "yunikorn-gang-empty-label", label("ray.io/gang-scheduling-enabled", "")),
		b("yunikorn", "yunikorn-gang-own-groups", gang, annotation("yunikorn.apache.org/task-groups", `[{"name":"headgroup","minMember":1,"minResource":{"cpu":"1"}}]`)),
		b("kai-scheduler", "kai-queue", label("kai.scheduler/queue", "team-a")),
		b("kai-scheduler", "kai-no-queue"),
		b("scheduler-plugins", "sp-plain"),
		b("scheduler-plugins", "sp-gang", gang),
		b("scheduler-plugins", "sp-gang-sized", append(sized, gang)...),
		// Labels of another scheduler change nothing.
		b("kai-scheduler", "kai-other-labels", label("volcano.sh/queue-name", "q1"), gang),
	}
}

// label sets a RayCluster label.
func label(k, v string) specEdit {
	return func(c cluster) {
		meta := c["metadata"].(map[string]any)
		l, _ := meta["labels"].(map[string]any)
		if l == nil {
			l = map[string]any{}
		}
		l[k] = v
		meta["labels"] = l
	}
}

// batchInputs are the generated batch specs, then every sample RayCluster
// that carries a scheduler's labels, compared again with that scheduler on
// (the sample also runs without one, among the plain inputs).
func batchInputs(samples []Input) []Input {
	var in []Input
	for _, s := range batchSpecs() {
		c := baseCluster(s.spec.name)
		for _, e := range s.spec.edits {
			e(c)
		}
		in = append(in, Input{Spec: batchInputName("generated "+s.spec.name, s.scheduler), Object: &unstructured.Unstructured{Object: c}, BatchScheduler: s.scheduler})
	}
	for _, s := range samples {
		if sched := sampleScheduler(s.Object.GetLabels()); sched != "" {
			in = append(in, Input{Spec: batchInputName(s.Spec, sched), Object: s.Object, BatchScheduler: sched})
		}
	}
	return in
}

func batchInputName(name, scheduler string) string {
	return name + " with --batch-scheduler=" + scheduler
}

// sampleScheduler names the scheduler a sample's labels are written for.
func sampleScheduler(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case k == "ray.io/scheduler-name":
			return labels[k]
		case k == "volcano.sh/queue-name":
			return "volcano"
		case k == "yunikorn.apache.org/app-id" || k == "yunikorn.apache.org/queue":
			return "yunikorn"
		case k == "kai.scheduler/queue":
			return "kai-scheduler"
		}
	}
	if _, ok := labels["ray.io/gang-scheduling-enabled"]; ok {
		return "scheduler-plugins"
	}
	return ""
}
