package kuberay

import (
	"reflect"
	"testing"
)

func TestCompareFacts(t *testing.T) {
	tests := map[string]struct {
		pod           string
		kuberay, ours Facts
		want          []Difference
	}{
		"equal facts: no difference": {
			pod:     "head",
			kuberay: Facts{{fieldRayStart, "num-cpus"}: "1"},
			ours:    Facts{{fieldRayStart, "num-cpus"}: "1"},
		},
		"a value differs, one side lacks a property": {
			pod:     "worker g",
			kuberay: Facts{{fieldRayStart, "num-cpus"}: "1", {fieldMount, "/dev/shm"}: "volume shared-mem"},
			ours:    Facts{{fieldRayStart, "num-cpus"}: "2"},
			want: []Difference{
				{Spec: "s", Pod: "worker g", Field: fieldMount, Name: "/dev/shm", KubeRay: "volume shared-mem", Ours: absent},
				{Spec: "s", Pod: "worker g", Field: fieldRayStart, Name: "num-cpus", KubeRay: "1", Ours: "2"},
			},
		},
		"an allow-listed difference carries its reason": {
			pod:     "head",
			kuberay: Facts{{fieldEnv, "RAY_USAGE_STATS_KUBERAY_IN_USE"}: "1"},
			ours:    Facts{},
			want: []Difference{{Spec: "s", Pod: "head", Field: fieldEnv, Name: "RAY_USAGE_STATS_KUBERAY_IN_USE", KubeRay: "1", Ours: absent,
				Reason: "KubeRay's telemetry marker tells Ray's usage stats that KubeRay runs the cluster, which is not so here"}},
		},
		"the allow-list matches values exactly: a different value of an allowed name fails": {
			pod:     "head",
			kuberay: Facts{{fieldEnv, "RAY_USAGE_STATS_KUBERAY_IN_USE"}: "1"},
			ours:    Facts{{fieldEnv, "RAY_USAGE_STATS_KUBERAY_IN_USE"}: "0"},
			want:    []Difference{{Spec: "s", Pod: "head", Field: fieldEnv, Name: "RAY_USAGE_STATS_KUBERAY_IN_USE", KubeRay: "1", Ours: "0"}},
		},
		"an entry for the head does not cover workers": {
			pod:     "worker g",
			kuberay: Facts{{fieldEnv, "RAY_USAGE_STATS_EXTRA_TAGS"}: "x"},
			ours:    Facts{},
			want:    []Difference{{Spec: "s", Pod: "worker g", Field: fieldEnv, Name: "RAY_USAGE_STATS_EXTRA_TAGS", KubeRay: "x", Ours: absent}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := compareFacts("s", tc.pod, tc.kuberay, tc.ours)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestAllowListPredicates(t *testing.T) {
	const raylet, gcs = "/api/local_raylet_healthz", "/api/gcs_healthz"
	tests := map[string]struct {
		d       Difference
		ours    Facts
		allowed bool
	}{
		"probe ports that follow rayStartParams": {
			d:       Difference{Pod: "head", Field: fieldProbe, Name: "liveness", KubeRay: "HTTP :52365" + raylet + " + HTTP :8265" + gcs, Ours: "HTTP :52366" + raylet + " + HTTP :8266" + gcs},
			ours:    Facts{{fieldRayStart, "dashboard-agent-listen-port"}: "52366", {fieldRayStart, "dashboard-port"}: "8266"},
			allowed: true,
		},
		"probe ports that follow nothing": {
			d:    Difference{Pod: "head", Field: fieldProbe, Name: "liveness", KubeRay: "HTTP :52365" + raylet + " + HTTP :8265" + gcs, Ours: "HTTP :52366" + raylet + " + HTTP :8265" + gcs},
			ours: Facts{},
		},
		"probe paths that differ": {
			d:    Difference{Pod: "worker g", Field: fieldProbe, Name: "readiness", KubeRay: "HTTP :52365" + raylet, Ours: "HTTP :52365/other"},
			ours: Facts{},
		},
		"/api/healthz on the agent port": {
			d:       Difference{Pod: "head", Field: fieldProbe, Name: "readiness", KubeRay: "HTTP :52365" + raylet + " + HTTP :8265" + gcs, Ours: "HTTP :52365/api/healthz"},
			ours:    Facts{},
			allowed: true,
		},
		"/api/healthz replacing only the raylet check on the head": {
			d:    Difference{Pod: "head", Field: fieldProbe, Name: "readiness", KubeRay: "HTTP :52365" + raylet, Ours: "HTTP :52365/api/healthz"},
			ours: Facts{},
		},
		"metrics port at metrics-export-port": {
			d:       Difference{Pod: "head", Field: fieldPort, Name: "metrics", KubeRay: "8080/TCP", Ours: "9091/TCP"},
			ours:    Facts{{fieldRayStart, "metrics-export-port"}: "9091"},
			allowed: true,
		},
		"metrics port elsewhere": {
			d:    Difference{Pod: "head", Field: fieldPort, Name: "metrics", KubeRay: "8080/TCP", Ours: "9000/TCP"},
			ours: Facts{{fieldRayStart, "metrics-export-port"}: "9091"},
		},
		"legacy redis password read from env": {
			d:       Difference{Pod: "head", Field: fieldRayStart, Name: "redis-password", KubeRay: "secret", Ours: "${REDIS_PASSWORD}"},
			ours:    Facts{{fieldEnv, "REDIS_PASSWORD"}: "secret"},
			allowed: true,
		},
		"legacy redis password env holding something else": {
			d:    Difference{Pod: "head", Field: fieldRayStart, Name: "redis-password", KubeRay: "secret", Ours: "${REDIS_PASSWORD}"},
			ours: Facts{{fieldEnv, "REDIS_PASSWORD"}: "other"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := allowReason(tc.d, Facts{}, tc.ours) != ""
			if got != tc.allowed {
				t.Errorf("allowed = %v, want %v for %+v", got, tc.allowed, tc.d)
			}
		})
	}
}
