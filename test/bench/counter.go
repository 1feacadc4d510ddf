/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"net/http"
	"sort"
	"strings"
	"sync"
)

// requestCounter counts the API requests that pass through a wrapped
// transport, by verb and resource: the operator's own traffic, whatever
// the other clients of the API server do.
type requestCounter struct {
	mu     sync.Mutex
	counts map[requestKey]int64
}

// requestKey names a kind of request, e.g. list pods or patch rayclusters/status.
type requestKey struct {
	Verb     string `json:"verb"`
	Resource string `json:"resource"`
}

// RequestCount is one row of a request table.
type RequestCount struct {
	Verb     string `json:"verb"`
	Resource string `json:"resource"`
	Count    int64  `json:"count"`
}

func newRequestCounter() *requestCounter { return &requestCounter{counts: map[requestKey]int64{}} }

// wrap is a rest.Config.Wrap function.
func (c *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		c.add(classify(req.Method, req.URL.Path, req.URL.Query().Get("watch") == "true"))
		return rt.RoundTrip(req)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (c *requestCounter) add(k requestKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[k]++
}

// snapshot returns the counts so far.
func (c *requestCounter) snapshot() map[requestKey]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[requestKey]int64, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

// requestsSince lists the requests made after before was taken, sorted.
func requestsSince(before, after map[requestKey]int64) []RequestCount {
	var out []RequestCount
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			out = append(out, RequestCount{Verb: k.Verb, Resource: k.Resource, Count: d})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Resource != out[j].Resource {
			return out[i].Resource < out[j].Resource
		}
		return out[i].Verb < out[j].Verb
	})
	return out
}

// writeVerbs are the verbs that change state.
var writeVerbs = map[string]bool{"create": true, "update": true, "patch": true, "delete": true, "deletecollection": true}

// totals sums requests, and the writes among them.
func totals(rows []RequestCount) (all, writes int64) {
	for _, r := range rows {
		all += r.Count
		if writeVerbs[r.Verb] {
			writes += r.Count
		}
	}
	return all, writes
}

// classify maps a request to the verb and resource the API server would
// log: /api/v1/namespaces/ns/pods/name/status with PATCH is patch
// pods/status; a GET without a name is a list, or a watch.
func classify(method, path string, watch bool) requestKey {
	resource, named := resourceOf(path)
	verb := strings.ToLower(method)
	switch method {
	case http.MethodGet:
		switch {
		case watch:
			verb = "watch"
		case named:
			verb = "get"
		default:
			verb = "list"
		}
	case http.MethodPost:
		verb = "create"
	case http.MethodPut:
		verb = "update"
	case http.MethodDelete:
		if !named {
			verb = "deletecollection"
		}
	}
	return requestKey{Verb: verb, Resource: resource}
}

// resourceOf extracts "resource[/subresource]" from an API path and says
// whether the path names one object. Paths outside /api and /apis (e.g.
// /version) are returned as they are, as one object.
func resourceOf(path string) (string, bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:] // api, v1
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:] // apis, group, version
	default:
		return path, true // /version, /openapi/...: one document each
	}
	if len(parts) >= 2 && parts[0] == "namespaces" && len(parts) != 2 {
		parts = parts[2:] // namespaces/<ns>/<resource>...
	}
	switch len(parts) {
	case 0:
		return "discovery", false
	case 1:
		return parts[0], false
	case 2:
		return parts[0], true
	default:
		return parts[0] + "/" + parts[2], true
	}
}
