package chart

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// batchCluster is a cluster with two worker groups whose pods have two
// containers, requests and limits, so the PodGroup's sums are not trivial.
const batchCluster = `
cluster:
  name: demo
headGroupSpec:
  template:
    spec:
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          resources: {requests: {cpu: "1", memory: 2Gi}, limits: {cpu: "2", memory: 2Gi}}
workerGroupSpecs:
  - groupName: gpu
    replicas: 2
    minReplicas: 1
    maxReplicas: 3
    template:
      spec:
        nodeSelector: {accelerator: a100}
        containers:
          - name: ray-worker
            image: rayproject/ray:2.60.0
            resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: "1", memory: 1Gi, nvidia.com/gpu: "1"}}
          - name: sidecar
            image: busybox
            resources: {requests: {cpu: 250m, memory: 512Mi}}
  - groupName: cpu
    replicas: 5
    maxReplicas: 3
    template:
      spec:
        containers:
          - name: ray-worker
            image: rayproject/ray:2.60.0
            resources: {limits: {cpu: "1", memory: 1Gi}}
`

// podMeta is what a batch scheduler adds to one pod template.
type podMeta struct {
	schedulerName string
	labels        map[string]string // only the scheduler's keys are checked
	annotations   map[string]string // ditto; "" means the key must be absent
}

func TestBatchSchedulerPods(t *testing.T) {
	tests := map[string]struct {
		values string
		head   podMeta
		gpu    podMeta
	}{
		"no scheduler: the scheduler labels change nothing": {
			values: `cluster: {labels: {volcano.sh/queue-name: q, ray.io/gang-scheduling-enabled: "true", kai.scheduler/queue: a}}`,
			head:   podMeta{labels: map[string]string{"volcano.sh/queue-name": "", "kai.scheduler/queue": ""}, annotations: map[string]string{"scheduling.k8s.io/group-name": ""}},
			gpu:    podMeta{labels: map[string]string{"volcano.sh/queue-name": "", "kai.scheduler/queue": ""}},
		},
		"volcano: queue and priority labels, the PodGroup and task in annotations": {
			values: `
operator: {batchScheduler: volcano}
cluster: {labels: {volcano.sh/queue-name: q1, ray.io/priority-class-name: high}}`,
			head: podMeta{schedulerName: "volcano",
				labels:      map[string]string{"volcano.sh/queue-name": "q1", "ray.io/priority-class-name": "high"},
				annotations: map[string]string{"scheduling.k8s.io/group-name": "ray-demo-pg", "volcano.sh/task-spec": "headgroup"}},
			gpu: podMeta{schedulerName: "volcano",
				labels:      map[string]string{"volcano.sh/queue-name": "q1", "ray.io/priority-class-name": "high"},
				annotations: map[string]string{"scheduling.k8s.io/group-name": "ray-demo-pg", "volcano.sh/task-spec": "gpu"}},
		},
		"volcano: an empty queue label is not copied": {
			values: `
operator: {batchScheduler: volcano}
cluster: {labels: {volcano.sh/queue-name: ""}}`,
			head: podMeta{schedulerName: "volcano", labels: map[string]string{"volcano.sh/queue-name": ""}},
			gpu:  podMeta{schedulerName: "volcano", labels: map[string]string{"volcano.sh/queue-name": ""}},
		},
		"yunikorn without gang scheduling: application and queue labels only": {
			values: `
operator: {batchScheduler: yunikorn}
cluster: {labels: {yunikorn.apache.org/app-id: app-1, yunikorn.apache.org/queue: root.test}}`,
			head: podMeta{schedulerName: "yunikorn",
				labels:      map[string]string{"applicationId": "app-1", "queue": "root.test"},
				annotations: map[string]string{"yunikorn.apache.org/task-groups": "", "yunikorn.apache.org/task-group-name": ""}},
			gpu: podMeta{schedulerName: "yunikorn", labels: map[string]string{"applicationId": "app-1", "queue": "root.test"}},
		},
		"yunikorn with gang scheduling: the RayCluster's own task groups win": {
			values: `
operator: {batchScheduler: yunikorn}
cluster:
  labels: {ray.io/gang-scheduling-enabled: ""}
  annotations: {yunikorn.apache.org/task-groups: '[{"name":"x"}]'}`,
			head: podMeta{schedulerName: "yunikorn",
				annotations: map[string]string{"yunikorn.apache.org/task-groups": `[{"name":"x"}]`, "yunikorn.apache.org/task-group-name": "headgroup"}},
			gpu: podMeta{schedulerName: "yunikorn",
				annotations: map[string]string{"yunikorn.apache.org/task-groups": `[{"name":"x"}]`, "yunikorn.apache.org/task-group-name": "gpu"}},
		},
		"kai-scheduler: the queue label": {
			values: `
operator: {batchScheduler: kai-scheduler}
cluster: {labels: {kai.scheduler/queue: team-a}}`,
			head: podMeta{schedulerName: "kai-scheduler", labels: map[string]string{"kai.scheduler/queue": "team-a"}},
			gpu:  podMeta{schedulerName: "kai-scheduler", labels: map[string]string{"kai.scheduler/queue": "team-a"}},
		},
		"kai-scheduler without a queue: only the scheduler name": {
			values: `operator: {batchScheduler: kai-scheduler}`,
			head:   podMeta{schedulerName: "kai-scheduler", labels: map[string]string{"kai.scheduler/queue": ""}},
			gpu:    podMeta{schedulerName: "kai-scheduler"},
		},
		"scheduler-plugins with gang scheduling: the pod-group label": {
			values: `
operator: {batchScheduler: scheduler-plugins}
cluster: {labels: {ray.io/gang-scheduling-enabled: "true"}}`,
			head: podMeta{schedulerName: "scheduler-plugins-scheduler", labels: map[string]string{"scheduling.x-k8s.io/pod-group": "demo"}},
			gpu:  podMeta{schedulerName: "scheduler-plugins-scheduler", labels: map[string]string{"scheduling.x-k8s.io/pod-group": "demo"}},
		},
		"scheduler-plugins without gang scheduling: only the scheduler name": {
			values: `operator: {batchScheduler: scheduler-plugins}`,
			head:   podMeta{schedulerName: "scheduler-plugins-scheduler", labels: map[string]string{"scheduling.x-k8s.io/pod-group": ""}},
			gpu:    podMeta{schedulerName: "scheduler-plugins-scheduler"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, _ := renderBatch(t, tc.values)
			checkPodMeta(t, "head", r.head.Spec.Template, tc.head)
			checkPodMeta(t, "worker gpu", r.worker(t, "gpu").Spec.Template, tc.gpu)
		})
	}
}

func TestBatchSchedulerKeepsTheChartsLabels(t *testing.T) {
	r, _ := renderBatch(t, `
operator: {batchScheduler: kai-scheduler}
cluster: {labels: {kai.scheduler/queue: team-a}}`)
	plain, _ := renderBatch(t, "")
	for k, v := range plain.head.Spec.Template.Labels {
		if got := r.head.Spec.Template.Labels[k]; got != v {
			t.Errorf("head label %s = %q with a scheduler, %q without", k, got, v)
		}
	}
}

func TestYuniKornTaskGroups(t *testing.T) {
	r, _ := renderBatch(t, `
operator: {batchScheduler: yunikorn}
cluster: {labels: {ray.io/gang-scheduling-enabled: "true"}}`)
	raw := r.head.Spec.Template.Annotations["yunikorn.apache.org/task-groups"]
	var groups []struct {
		Name         string                       `json:"name"`
		MinMember    int32                        `json:"minMember"`
		MinResource  map[string]resource.Quantity `json:"minResource"`
		NodeSelector map[string]string            `json:"nodeSelector"`
	}
	if err := json.Unmarshal([]byte(raw), &groups); err != nil {
		t.Fatalf("task groups %q: %v", raw, err)
	}
	want := []struct {
		name      string
		members   int32
		resources map[string]string
		selector  map[string]string
	}{
		// Requests win over limits, per container; containers add up.
		{"headgroup", 1, map[string]string{"cpu": "1", "memory": "2Gi"}, nil},
		{"gpu", 1, map[string]string{"cpu": "750m", "memory": "1536Mi", "nvidia.com/gpu": "1"}, map[string]string{"accelerator": "a100"}},
		// minReplicas (unset: 0) members, whatever replicas says.
		{"cpu", 0, map[string]string{"cpu": "1", "memory": "1Gi"}, nil},
	}
	if len(groups) != len(want) {
		t.Fatalf("%d task groups, want %d: %s", len(groups), len(want), raw)
	}
	for i, w := range want {
		g := groups[i]
		if g.Name != w.name || g.MinMember != w.members || !reflect.DeepEqual(g.NodeSelector, w.selector) {
			t.Errorf("task group %d = %s/%d/%v, want %s/%d/%v", i, g.Name, g.MinMember, g.NodeSelector, w.name, w.members, w.selector)
		}
		checkQuantities(t, "task group "+w.name, g.MinResource, w.resources)
	}
	if worker := r.worker(t, "cpu").Spec.Template.Annotations["yunikorn.apache.org/task-groups"]; worker != raw {
		t.Errorf("workers carry other task groups than the head:\n%s\n%s", worker, raw)
	}
}

func TestPodGroup(t *testing.T) {
	// Head 1 CPU/2Gi; gpu: 2 replicas of 750m/1.5Gi/1 GPU; cpu: replicas
	// 5 as written (KubeRay sums replicas unclamped) of 1/1Gi. Members:
	// head + 2 + 3 (5 clamped to maxReplicas).
	wantResources := map[string]string{"cpu": "7500m", "memory": "10Gi", "nvidia.com/gpu": "2"}
	tests := map[string]struct {
		values     string
		apiVersion string // "" when no PodGroup is rendered
		name       string
		spec       map[string]any // besides minMember and minResources
	}{
		"volcano with queue, priority and network topology": {
			values: `
operator: {batchScheduler: volcano}
cluster:
  labels:
    volcano.sh/queue-name: q1
    ray.io/priority-class-name: high
    volcano.sh/network-topology-mode: hard
    volcano.sh/network-topology-highest-tier-allowed: "02"`,
			apiVersion: "scheduling.volcano.sh/v1beta1", name: "ray-demo-pg",
			spec: map[string]any{"queue": "q1", "priorityClassName": "high",
				"networkTopology": map[string]any{"mode": "hard", "highestTierAllowed": 2}},
		},
		"volcano without labels": {
			values:     `operator: {batchScheduler: volcano}`,
			apiVersion: "scheduling.volcano.sh/v1beta1", name: "ray-demo-pg", spec: map[string]any{},
		},
		"volcano with an empty topology mode": {
			values:     `{operator: {batchScheduler: volcano}, cluster: {labels: {volcano.sh/network-topology-mode: ""}}}`,
			apiVersion: "scheduling.volcano.sh/v1beta1", name: "ray-demo-pg",
			spec: map[string]any{"networkTopology": map[string]any{}},
		},
		"scheduler-plugins with gang scheduling": {
			values:     `{operator: {batchScheduler: scheduler-plugins}, cluster: {labels: {ray.io/gang-scheduling-enabled: "true"}}}`,
			apiVersion: "scheduling.x-k8s.io/v1alpha1", name: "demo", spec: map[string]any{},
		},
		"scheduler-plugins without gang scheduling": {values: `operator: {batchScheduler: scheduler-plugins}`},
		"yunikorn":      {values: `{operator: {batchScheduler: yunikorn}, cluster: {labels: {ray.io/gang-scheduling-enabled: "true"}}}`},
		"kai-scheduler": {values: `operator: {batchScheduler: kai-scheduler}`},
		"no scheduler":  {values: `cluster: {labels: {volcano.sh/queue-name: q1}}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, pgs := renderBatch(t, tc.values)
			if tc.apiVersion == "" {
				if len(pgs) > 0 {
					t.Fatalf("rendered %d PodGroups, want none", len(pgs))
				}
				return
			}
			if len(pgs) != 1 {
				t.Fatalf("rendered %d PodGroups, want 1", len(pgs))
			}
			pg := pgs[0]
			if pg.GetAPIVersion() != tc.apiVersion || pg.GetName() != tc.name || pg.GetNamespace() != testNamespace {
				t.Errorf("PodGroup %s %s/%s, want %s %s/%s", pg.GetAPIVersion(), pg.GetNamespace(), pg.GetName(), tc.apiVersion, testNamespace, tc.name)
			}
			spec, _, _ := unstructured.NestedMap(pg.Object, "spec")
			if got := fmt.Sprint(spec["minMember"]); got != "6" {
				t.Errorf("minMember = %s, want 6", got)
			}
			minResources, _, _ := unstructured.NestedStringMap(spec, "minResources")
			checkQuantities(t, "minResources", toQuantities(t, minResources), wantResources)
			delete(spec, "minMember")
			delete(spec, "minResources")
			// Compared as JSON: the manifest's numbers are not int64.
			got, _ := json.Marshal(spec)
			want, _ := json.Marshal(tc.spec)
			if string(got) != string(want) {
				t.Errorf("spec besides the gang's size = %s, want %s", got, want)
			}
		})
	}
}

func TestPodGroupSkipsSuspendedGroups(t *testing.T) {
	_, pgs := renderBatch(t, `
operator: {batchScheduler: volcano}
workerGroupSpecs:
  - groupName: gpu
    replicas: 2
    suspend: true
    template: {spec: {containers: [{name: w, image: i, resources: {requests: {cpu: "1"}}}]}}
  - groupName: cpu
    replicas: 1
    template: {spec: {containers: [{name: w, image: i, resources: {requests: {cpu: 250m}}}]}}`)
	if len(pgs) != 1 {
		t.Fatalf("rendered %d PodGroups, want 1", len(pgs))
	}
	spec, _, _ := unstructured.NestedMap(pgs[0].Object, "spec")
	if got := fmt.Sprint(spec["minMember"]); got != "2" {
		t.Errorf("minMember = %s, want 2 (head and the cpu worker)", got)
	}
	minResources, _, _ := unstructured.NestedStringMap(spec, "minResources")
	checkQuantities(t, "minResources", toQuantities(t, minResources), map[string]string{"cpu": "1250m", "memory": "2Gi"})
}

func TestBatchSchedulerBadValues(t *testing.T) {
	tests := map[string]struct {
		values string
		want   string
	}{
		"unknown scheduler":           {`operator: {batchScheduler: kueue}`, "/operator/batchScheduler"},
		"unknown operator setting":    {`operator: {scheduler: volcano}`, "scheduler"},
		"highest tier not an integer": {`{operator: {batchScheduler: volcano}, cluster: {labels: {volcano.sh/network-topology-mode: hard, volcano.sh/network-topology-highest-tier-allowed: two}}}`, "volcano.sh/network-topology-highest-tier-allowed"},
		"bad quantity in a PodGroup":  {`{operator: {batchScheduler: volcano}, headGroupSpec: {template: {spec: {containers: [{name: h, image: i, resources: {requests: {example.com/foo: "1x"}}}]}}}}`, "headGroupSpec.template.spec.containers[0].resources[example.com/foo]"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Render(testChart(t), testRelease, testNamespace, batchValues(t, tc.values))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("render error %v, want one naming %q", err, tc.want)
			}
		})
	}
}

// renderBatch renders batchCluster with extra values merged over it (top-
// level keys replace, except cluster, whose keys are merged), and returns
// the workloads and the PodGroups apart.
func renderBatch(t *testing.T, extra string) (*rendering, []*unstructured.Unstructured) {
	t.Helper()
	objs, err := Render(testChart(t), testRelease, testNamespace, batchValues(t, extra))
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	var rest, podGroups []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "PodGroup" {
			podGroups = append(podGroups, o)
			continue
		}
		rest = append(rest, o)
	}
	return typed(t, rest), podGroups
}

func batchValues(t *testing.T, extra string) map[string]any {
	t.Helper()
	vals := parseValues(t, batchCluster)
	for k, v := range parseValues(t, extra) {
		if k == "cluster" {
			for ck, cv := range v.(map[string]any) {
				vals["cluster"].(map[string]any)[ck] = cv
			}
			continue
		}
		vals[k] = v
	}
	return vals
}

func checkPodMeta(t *testing.T, pod string, tmpl corev1.PodTemplateSpec, want podMeta) {
	t.Helper()
	if tmpl.Spec.SchedulerName != want.schedulerName {
		t.Errorf("%s schedulerName = %q, want %q", pod, tmpl.Spec.SchedulerName, want.schedulerName)
	}
	checkKeys(t, pod+" label", tmpl.Labels, want.labels)
	checkKeys(t, pod+" annotation", tmpl.Annotations, want.annotations)
}

// checkKeys checks the wanted keys; a wanted "" means the key is absent.
func checkKeys(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		v, ok := got[k]
		switch {
		case w == "" && ok:
			t.Errorf("%s %s = %q, want none", what, k, v)
		case w != "" && v != w:
			t.Errorf("%s %s = %q, want %q", what, k, v, w)
		}
	}
}

func toQuantities(t *testing.T, in map[string]string) map[string]resource.Quantity {
	t.Helper()
	out := map[string]resource.Quantity{}
	for k, v := range in {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			t.Fatalf("%s: %q is not a quantity: %v", k, v, err)
		}
		out[k] = q
	}
	return out
}

// checkQuantities compares resource lists by value ("1536Mi" equals "1.5Gi").
func checkQuantities(t *testing.T, what string, got map[string]resource.Quantity, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
		return
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok || g.Cmp(resource.MustParse(w)) != 0 {
			t.Errorf("%s[%s] = %s, want %s", what, k, g.String(), w)
		}
	}
}
