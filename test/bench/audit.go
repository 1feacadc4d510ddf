/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// The versus phase counts API requests in the API server's audit log: the
// same count for any client, whatever its language or framework, told
// apart by user and user agent (both operators run as the admin user, so
// the user agent names them; kube-controller-manager has a user of its own).

// auditPolicy logs, without bodies, the requests of the users the versus
// phase compares; the others (kwok, the scheduler) are not logged, which
// keeps the log's cost off the API server.
func auditPolicy(users ...string) string {
	quoted := make([]string, len(users))
	for i, u := range users {
		quoted[i] = fmt.Sprintf("%q", u)
	}
	return "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n" +
		"- level: Metadata\n  users: [" + strings.Join(quoted, ", ") + "]\n" +
		"- level: None\n"
}

// auditEvent is the part of an audit.k8s.io/v1 Event the count needs.
type auditEvent struct {
	AuditID    string `json:"auditID"`
	Stage      string `json:"stage"`
	RequestURI string `json:"requestURI"`
	Verb       string `json:"verb"`
	User       struct {
		Username string `json:"username"`
	} `json:"user"`
	UserAgent string `json:"userAgent"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	Received time.Time `json:"requestReceivedTimestamp"`
}

// requestWho names the client a request came from ("" for one not
// counted).
type requestWho func(ev auditEvent) string

// auditCounts are requests by client, then by verb and resource.
type auditCounts map[string]map[requestKey]int64

// rows lists one client's requests, sorted.
func (a auditCounts) rows(who string) []RequestCount {
	return orEmpty(requestsSince(nil, a[who]))
}

// readAudit counts the requests received within [from, to] in the audit
// log at path.
func readAudit(path string, from, to time.Time, who requestWho) (auditCounts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening the audit log: %w", err)
	}
	defer f.Close()
	return countAudit(f, from, to, who)
}

// countAudit counts each request once (a watch is logged when its
// response starts and again when it ends), by the time it was received.
func countAudit(r io.Reader, from, to time.Time, who requestWho) (auditCounts, error) {
	out, seen := auditCounts{}, map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for sc.Scan() {
		var ev auditEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return nil, fmt.Errorf("parsing an audit event: %w", err)
		}
		if seen[ev.AuditID] || ev.Received.Before(from) || ev.Received.After(to) {
			continue
		}
		seen[ev.AuditID] = true
		name := who(ev)
		if name == "" {
			continue
		}
		if out[name] == nil {
			out[name] = map[requestKey]int64{}
		}
		out[name][ev.key()]++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
	}
	return out, nil
}

// key is the request's verb and resource[/subresource], or its path for a
// request outside the resources (discovery).
func (ev auditEvent) key() requestKey {
	if ev.ObjectRef == nil || ev.ObjectRef.Resource == "" {
		path, _, _ := strings.Cut(ev.RequestURI, "?")
		return requestKey{Verb: ev.Verb, Resource: path}
	}
	res := ev.ObjectRef.Resource
	if ev.ObjectRef.Subresource != "" {
		res += "/" + ev.ObjectRef.Subresource
	}
	return requestKey{Verb: ev.Verb, Resource: res}
}
