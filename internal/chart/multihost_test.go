package chart

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// TestMultiHostGroups: a worker group runs replicas × numOfHosts pods, and
// the headless worker Service exists exactly when some group has more than
// one host per replica, as KubeRay creates them.
func TestMultiHostGroups(t *testing.T) {
	group := func(name string, replicas, hosts int, extra string) string {
		return fmt.Sprintf("  - {groupName: %s, replicas: %d, numOfHosts: %d%s, template: {spec: {containers: [{name: w, image: i}]}}}\n",
			name, replicas, hosts, extra)
	}
	tests := map[string]struct {
		groups   string
		suspend  bool
		pods     map[string]int32
		headless bool
	}{
		"single host":              {groups: group("a", 3, 1, ""), pods: map[string]int32{"a": 3}},
		"numOfHosts 0 counts as 1": {groups: group("a", 2, 0, ""), pods: map[string]int32{"a": 2}},
		"negative counts as 1":     {groups: group("a", 2, -3, ""), pods: map[string]int32{"a": 2}},
		"two hosts":                {groups: group("a", 3, 2, ""), pods: map[string]int32{"a": 6}, headless: true},
		"clamped replicas times hosts": {
			groups: group("a", 9, 4, ", minReplicas: 0, maxReplicas: 2"), pods: map[string]int32{"a": 8}, headless: true,
		},
		"one multi-host group of two": {
			groups: group("a", 1, 1, "") + group("tpu", 1, 64, ""), pods: map[string]int32{"a": 1, "tpu": 64}, headless: true,
		},
		"suspended group": {groups: group("a", 2, 4, ", suspend: true"), pods: map[string]int32{"a": 0}, headless: true},
		"suspended cluster": {
			groups: group("a", 2, 4, ""), suspend: true, pods: map[string]int32{"a": 0}, headless: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := renderValues(t, fmt.Sprintf("suspend: %t\nworkerGroupSpecs:\n%s", tc.suspend, tc.groups))
			for g, want := range tc.pods {
				wantEqual(t, "replicas of "+g, ptr.Deref(r.worker(t, g).Spec.Replicas, -1), want)
			}
			if !tc.headless {
				if r.headless != nil {
					t.Fatalf("rendered the headless worker Service %s, want none", r.headless.Name)
				}
				return
			}
			if r.headless == nil {
				t.Fatal("no headless worker Service rendered")
			}
			wantEqual(t, "name", r.headless.Name, "demo-headless")
			wantSubset(t, "labels", r.headless.Labels, map[string]string{"ray.io/headless-worker-svc": "demo", "ray.io/cluster": "demo"})
			wantEqual(t, "spec", r.headless.Spec, corev1.ServiceSpec{
				Type:                     corev1.ServiceTypeClusterIP,
				ClusterIP:                corev1.ClusterIPNone,
				PublishNotReadyAddresses: true,
				Selector:                 map[string]string{"ray.io/cluster": "demo", "ray.io/node-type": "worker"},
			})
		})
	}
}
