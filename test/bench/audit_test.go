/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

func TestCountAudit(t *testing.T) {
	from := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	to := from.Add(time.Minute)
	evAt := func(id, stage, verb, user, ua, resource, sub, at, uri string) string {
		ref := ""
		if resource != "" {
			ref = `,"objectRef":{"resource":"` + resource + `","subresource":"` + sub + `","namespace":"versus"}`
		}
		return `{"kind":"Event","auditID":"` + id + `","stage":"` + stage + `","requestURI":"` + uri + `","verb":"` + verb +
			`","user":{"username":"` + user + `"},"userAgent":"` + ua + `"` + ref + `,"requestReceivedTimestamp":"` + at + `"}`
	}
	ev := func(id, stage, verb, user, ua, resource, sub, at string) string {
		return evAt(id, stage, verb, user, ua, resource, sub, at, "/api/v1/x?watch=true")
	}
	const in, before, after = "2026-12-03T10:00:30.123456Z", "2026-12-03T09:59:59.999999Z", "2026-12-03T10:01:00.000001Z"
	admin, kcm := simcluster.AdminUser, simcluster.ControllerManagerUser
	tests := map[string]struct {
		lines []string
		want  map[string]map[requestKey]int64
	}{
		"operator and controller manager": {
			lines: []string{
				ev("1", "ResponseComplete", "create", admin, "ray-ha-operator/v0.0.0", "statefulsets", "", in),
				ev("2", "ResponseComplete", "patch", admin, "kuberay-operator/v1.5.0", "rayclusters", "status", in),
				ev("3", "ResponseComplete", "create", kcm, "kube-controller-manager/v1.37.2", "pods", "", in),
			},
			want: map[string]map[requestKey]int64{
				whoOperator:          {{"create", "statefulsets"}: 1, {"patch", "rayclusters/status"}: 1},
				whoControllerManager: {{"create", "pods"}: 1},
			},
		},
		"a watch counted once": {
			lines: []string{
				ev("w", "ResponseStarted", "watch", admin, "ray-ha-operator/v0.0.0", "pods", "", in),
				ev("w", "ResponseComplete", "watch", admin, "ray-ha-operator/v0.0.0", "pods", "", in),
			},
			want: map[string]map[requestKey]int64{whoOperator: {{"watch", "pods"}: 1}},
		},
		"outside the window": {
			lines: []string{
				ev("1", "ResponseComplete", "get", admin, "ray-ha-operator/v0.0.0", "pods", "", before),
				ev("2", "ResponseComplete", "get", admin, "ray-ha-operator/v0.0.0", "pods", "", after),
			},
			want: map[string]map[requestKey]int64{},
		},
		"the bench and other users left out": {
			lines: []string{
				ev("1", "ResponseComplete", "create", admin, benchUserAgent, "rayclusters", "", in),
				ev("2", "ResponseComplete", "update", "system:kube-scheduler", "kube-scheduler", "pods", "binding", in),
			},
			want: map[string]map[requestKey]int64{},
		},
		"the simulated cluster's own client and health checks left out": {
			lines: []string{
				ev("1", "ResponseComplete", "get", admin, "bench/v0.0.0 (linux/amd64) kubernetes/$Format", "nodes", "", in),
				evAt("2", "ResponseComplete", "get", admin, "Go-http-client/2.0", "", "", in, "/readyz"),
			},
			want: map[string]map[requestKey]int64{},
		},
		"Go's default user agent is the operator's Helm client": {
			lines: []string{ev("1", "ResponseComplete", "create", admin, "Go-http-client/2.0", "statefulsets", "", in)},
			want:  map[string]map[requestKey]int64{whoOperator: {{"create", "statefulsets"}: 1}},
		},
		"a request outside the resources by its path": {
			lines: []string{ev("1", "ResponseComplete", "get", admin, "ray-ha-operator/v0.0.0", "", "", in)},
			want:  map[string]map[requestKey]int64{whoOperator: {{"get", "/api/v1/x"}: 1}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := countAudit(strings.NewReader(strings.Join(tc.lines, "\n")+"\n"), from, to, newWhoOf("bench/v0.0.0 (linux/amd64) kubernetes/$Format"))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("countAudit = %v, want %v", got, tc.want)
			}
			for who, keys := range tc.want {
				if len(got[who]) != len(keys) {
					t.Errorf("%s: %v, want %v", who, got[who], keys)
				}
				for k, n := range keys {
					if got[who][k] != n {
						t.Errorf("%s %v = %d, want %d", who, k, got[who][k], n)
					}
				}
			}
		})
	}
}

func TestCountAuditRejectsGarbage(t *testing.T) {
	if _, err := countAudit(strings.NewReader("not json\n"), time.Time{}, time.Now(), newWhoOf("")); err == nil {
		t.Fatal("countAudit accepted a line that is not JSON")
	}
}

func TestAuditPolicy(t *testing.T) {
	got := auditPolicy("a", "system:b")
	for _, want := range []string{"kind: Policy", "omitStages: [RequestReceived]", `users: ["a", "system:b"]`, "- level: None"} {
		if !strings.Contains(got, want) {
			t.Errorf("policy lacks %q:\n%s", want, got)
		}
	}
}
