package chart

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
)

// spareValues is a cluster with the given annotations, head resources and
// extra head pod spec lines, and extra top-level values.
func spareValues(annotations, resources, podSpec, top string) string {
	return fmt.Sprintf(`
cluster:
  annotations: {%s}
%s
headGroupSpec:
  template:
    spec:
%s
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          resources: %s
`, annotations, top, podSpec, resources)
}

// TestHeadSpareRendered covers when the chart renders the warm spare and
// what it holds: the head's images and requests, at the spare's priority,
// kept off the head's node and on nodes the head may use.
func TestHeadSpareRendered(t *testing.T) {
	tests := map[string]struct {
		values   string
		want     bool
		replicas int32
		requests []corev1.ResourceList // per container
		images   []string
	}{
		"no annotation: no spare": {
			values: spareValues("", "{requests: {cpu: 2}}", "", ""),
		},
		"disabled: no spare": {
			values: spareValues(`ray-ha.io/head-spare: disabled`, "{requests: {cpu: 2}}", "", ""),
		},
		"enabled: the head's requests and image": {
			values:   spareValues(`ray-ha.io/head-spare: enabled`, "{requests: {cpu: 2, memory: 8Gi}, limits: {cpu: 4, memory: 8Gi}}", "", ""),
			want:     true,
			replicas: 1,
			requests: []corev1.ResourceList{{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi")}},
			images:   []string{"rayproject/ray:2.60.0"},
		},
		"enabled: a missing request is the limit, as Kubernetes takes it": {
			values:   spareValues(`ray-ha.io/head-spare: enabled`, "{requests: {cpu: 1}, limits: {cpu: 3, memory: 2Gi}}", "", ""),
			want:     true,
			replicas: 1,
			requests: []corev1.ResourceList{{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("2Gi")}},
			images:   []string{"rayproject/ray:2.60.0"},
		},
		"enabled and suspended: no pod, no capacity held": {
			values:   spareValues(`ray-ha.io/head-spare: enabled`, "{requests: {cpu: 2}}", "", "suspend: true"),
			want:     true,
			replicas: 0,
			requests: []corev1.ResourceList{{corev1.ResourceCPU: resource.MustParse("2")}},
			images:   []string{"rayproject/ray:2.60.0"},
		},
		"enabled with the autoscaler: the sidecar's requests are held too": {
			values:   spareValues(`ray-ha.io/head-spare: enabled`, "{requests: {cpu: 2}}", "", "enableInTreeAutoscaling: true"),
			want:     true,
			replicas: 1,
			requests: []corev1.ResourceList{
				{corev1.ResourceCPU: resource.MustParse("2")},
				{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("512Mi")},
			},
			images: []string{"rayproject/ray:2.60.0", "rayproject/ray:2.60.0"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := renderValues(t, tc.values)
			if !tc.want {
				if r.spare != nil {
					t.Fatalf("spare rendered: %s", r.spare.Name)
				}
				return
			}
			if r.spare == nil {
				t.Fatal("no spare rendered")
			}
			if got := *r.spare.Spec.Replicas; got != tc.replicas {
				t.Errorf("replicas = %d, want %d", got, tc.replicas)
			}
			cs := r.spare.Spec.Template.Spec.Containers
			if len(cs) != len(tc.requests) {
				t.Fatalf("%d containers, want %d", len(cs), len(tc.requests))
			}
			for i, c := range cs {
				if c.Image != tc.images[i] {
					t.Errorf("container %d image %q, want %q", i, c.Image, tc.images[i])
				}
				if !equalResources(c.Resources.Requests, tc.requests[i]) {
					t.Errorf("container %d requests %v, want %v", i, c.Resources.Requests, tc.requests[i])
				}
				if len(c.Resources.Limits) != 0 {
					t.Errorf("container %d has limits %v: a placeholder needs none", i, c.Resources.Limits)
				}
				if strings.Join(c.Command, " ") != "sleep infinity" {
					t.Errorf("container %d command %q, want sleep infinity", i, c.Command)
				}
			}
		})
	}
}

// TestHeadSparePlacement checks what keeps the spare useful and harmless:
// its priority, zero grace, the anti-affinity to this cluster's head, the
// head's own node constraints, and labels that make it no Ray pod.
func TestHeadSparePlacement(t *testing.T) {
	r := renderValues(t, spareValues(`ray-ha.io/head-spare: enabled`, "{requests: {cpu: 2}}", `
      nodeSelector: {pool: ray}
      tolerations: [{key: dedicated, operator: Equal, value: ray, effect: NoSchedule}]
      imagePullSecrets: [{name: regcred}]
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: other}}}`, ""))
	if r.spare == nil {
		t.Fatal("no spare rendered")
	}
	spec := r.spare.Spec.Template.Spec
	if spec.PriorityClassName != "ray-ha-head-spare" {
		t.Errorf("priorityClassName %q", spec.PriorityClassName)
	}
	if spec.TerminationGracePeriodSeconds == nil || *spec.TerminationGracePeriodSeconds != 0 {
		t.Errorf("terminationGracePeriodSeconds %v, want 0: a preempted spare must free its node at once", spec.TerminationGracePeriodSeconds)
	}
	if spec.NodeSelector["pool"] != "ray" || len(spec.Tolerations) != 1 || spec.Tolerations[0].Key != "dedicated" {
		t.Errorf("head's nodeSelector/tolerations not copied: %v %v", spec.NodeSelector, spec.Tolerations)
	}
	if len(spec.ImagePullSecrets) != 1 || spec.ImagePullSecrets[0].Name != "regcred" {
		t.Errorf("imagePullSecrets %v", spec.ImagePullSecrets)
	}
	if spec.Affinity == nil || spec.Affinity.NodeAffinity == nil ||
		spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0].Key != "zone" {
		t.Errorf("head's node affinity not copied: %+v", spec.Affinity)
	}
	anti := spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	if len(anti) != 1 || anti[0].TopologyKey != "kubernetes.io/hostname" {
		t.Fatalf("anti-affinity %+v, want one term on the hostname (the head's own anti-affinity is not the spare's)", anti)
	}
	head := labels.Set(r.head.Spec.Template.Labels)
	sel := labels.SelectorFromSet(anti[0].LabelSelector.MatchLabels)
	if !sel.Matches(head) {
		t.Errorf("anti-affinity %v does not match the head pod's labels %v", sel, head)
	}
	podLabels := r.spare.Spec.Template.Labels
	if _, ok := podLabels["ray.io/cluster"]; ok {
		t.Errorf("spare pod labelled ray.io/cluster: KubeRay clients would count it as a Ray pod")
	}
	if podLabels["ray-ha.io/head-spare-of"] != testRelease {
		t.Errorf("spare pod labels %v, want ray-ha.io/head-spare-of=%s", podLabels, testRelease)
	}
	if !labels.SelectorFromSet(r.spare.Spec.Selector.MatchLabels).Matches(labels.Set(podLabels)) {
		t.Errorf("selector %v does not match the template labels %v", r.spare.Spec.Selector.MatchLabels, podLabels)
	}
}

// TestHeadSpareNameFollowsWhatItHolds: a ReplicaSet leaves its pod alone
// when its template changes, so a new image or new requests must give a
// new ReplicaSet (its name's hash), and anything else the same one.
func TestHeadSpareNameFollowsWhatItHolds(t *testing.T) {
	base := spareValues(`ray-ha.io/head-spare: enabled`, "{requests: {cpu: 2}}", "", "")
	name := func(values string) string {
		r := renderValues(t, values)
		if r.spare == nil {
			t.Fatal("no spare rendered")
		}
		return r.spare.Name
	}
	first := name(base)
	if !strings.HasPrefix(first, testRelease+"-head-spare-") {
		t.Errorf("name %q", first)
	}
	tests := map[string]struct {
		values string
		same   bool
	}{
		"same values":        {values: base, same: true},
		"a worker group":     {values: base + "workerGroupSpecs: []\n", same: true},
		"another image":      {values: strings.Replace(base, "ray:2.60.0", "ray:2.61.0", 1)},
		"other requests":     {values: strings.Replace(base, "cpu: 2", "cpu: 3", 1)},
		"another node label": {values: spareValues(`ray-ha.io/head-spare: enabled`, "{requests: {cpu: 2}}", "      nodeSelector: {pool: b}", "")},
	}
	for n, tc := range tests {
		t.Run(n, func(t *testing.T) {
			if got := name(tc.values); (got == first) != tc.same {
				t.Errorf("name %q vs %q, same=%v wanted", got, first, tc.same)
			}
		})
	}
}

func equalResources(a, b corev1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for k, q := range a {
		w, ok := b[k]
		if !ok || q.Cmp(w) != 0 {
			return false
		}
	}
	return true
}
