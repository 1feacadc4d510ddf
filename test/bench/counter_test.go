/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"net/http"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := map[string]struct {
		method, path string
		watch        bool
		want         requestKey
	}{
		"get a pod":              {http.MethodGet, "/api/v1/namespaces/ns/pods/rc-head-0", false, requestKey{"get", "pods"}},
		"list pods":              {http.MethodGet, "/api/v1/namespaces/ns/pods", false, requestKey{"list", "pods"}},
		"list pods everywhere":   {http.MethodGet, "/api/v1/pods", false, requestKey{"list", "pods"}},
		"watch nodes":            {http.MethodGet, "/api/v1/nodes", true, requestKey{"watch", "nodes"}},
		"get a namespace":        {http.MethodGet, "/api/v1/namespaces/ns", false, requestKey{"get", "namespaces"}},
		"list namespaces":        {http.MethodGet, "/api/v1/namespaces", false, requestKey{"list", "namespaces"}},
		"patch status":           {http.MethodPatch, "/apis/ray.io/v1/namespaces/ns/rayclusters/rc/status", false, requestKey{"patch", "rayclusters/status"}},
		"create a statefulset":   {http.MethodPost, "/apis/apps/v1/namespaces/ns/statefulsets", false, requestKey{"create", "statefulsets"}},
		"update a secret":        {http.MethodPut, "/api/v1/namespaces/ns/secrets/sh.helm.release.v1.rc.v1", false, requestKey{"update", "secrets"}},
		"delete a pod":           {http.MethodDelete, "/api/v1/namespaces/ns/pods/p", false, requestKey{"delete", "pods"}},
		"delete a collection":    {http.MethodDelete, "/api/v1/namespaces/ns/pods", false, requestKey{"deletecollection", "pods"}},
		"server version":         {http.MethodGet, "/version", false, requestKey{"get", "/version"}},
		"discovery":              {http.MethodGet, "/apis/apps/v1", false, requestKey{"list", "discovery"}},
		"cluster-scoped by name": {http.MethodGet, "/api/v1/nodes/sim-node-1", false, requestKey{"get", "nodes"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := classify(tc.method, tc.path, tc.watch); got != tc.want {
				t.Errorf("classify(%s %s) = %+v, want %+v", tc.method, tc.path, got, tc.want)
			}
		})
	}
}

func TestRequestsSince(t *testing.T) {
	before := map[requestKey]int64{{"get", "pods"}: 2, {"list", "pods"}: 1}
	after := map[requestKey]int64{{"get", "pods"}: 5, {"list", "pods"}: 1, {"patch", "rayclusters/status"}: 1}
	rows := requestsSince(before, after)
	want := []RequestCount{{"get", "pods", 3}, {"patch", "rayclusters/status", 1}}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v, want %+v", rows, want)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
	if all, writes := totals(rows); all != 4 || writes != 1 {
		t.Errorf("totals = %d, %d writes; want 4, 1", all, writes)
	}
}
