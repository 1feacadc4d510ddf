package helm

import (
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestIsRejection(t *testing.T) {
	tests := map[string]struct {
		msg  string
		want bool
	}{
		"the chart's fail": {msg: `installing release ns/rc: execution error at (ray-cluster/templates/_helpers.tpl:13:4): cluster.name: "x" is longer than 47 characters`, want: true},
		"a render error":   {msg: `upgrading release ns/rc: parse error at (ray-cluster/templates/x.yaml:3): unexpected EOF`, want: true},
		"an immutable StatefulSet field": {msg: `upgrading release ns/rc: cannot patch "rc-head" with kind StatefulSet: StatefulSet.apps "rc-head" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas' are forbidden`,
			want: true},
		"an immutable selector":    {msg: `cannot patch "w" with kind ReplicaSet: ReplicaSet.apps "w" is invalid: spec.selector: Invalid value: {}: field is immutable`, want: true},
		"an OpenAPI check":         {msg: `installing release ns/f: unable to build kubernetes objects from release manifest: error validating "": error validating data: ValidationError(Deployment.spec.replicas)`, want: true},
		"a conflict":               {msg: `upgrading release ns/rc: Operation cannot be fulfilled on statefulsets.apps "rc-head": the object has been modified`},
		"a quota":                  {msg: `installing release ns/rc: pods "x" is forbidden: exceeded quota: q`},
		"an API server going away": {msg: `upgrading release ns/rc: Get "https://127.0.0.1:6443/api": dial tcp 127.0.0.1:6443: connect: connection refused`},
		"a missing CRD":            {msg: `unable to build kubernetes objects from release manifest: resource mapping not found for name: "x" namespace: "" from "": no matches for kind "PodGroup"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := isRejection(errors.New(tc.msg)); got != tc.want {
				t.Errorf("isRejection(%q) = %v, want %v", tc.msg, got, tc.want)
			}
		})
	}
}

func TestBackoffFor(t *testing.T) {
	tests := map[string]struct {
		attempts int
		want     time.Duration
	}{
		"first try":   {attempts: 1, want: 5 * time.Second},
		"doubles":     {attempts: 3, want: 20 * time.Second},
		"capped":      {attempts: 8, want: time.Minute},
		"long capped": {attempts: 1000, want: time.Minute},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := backoffFor(5*time.Second, time.Minute, tc.attempts); got != tc.want {
				t.Errorf("backoffFor(%d) = %s, want %s", tc.attempts, got, tc.want)
			}
		})
	}
}

func TestRejectionsHoldOnlyTheRejectedInputs(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := newRejections(time.Second, 4*time.Second)
	steps := []struct {
		at       time.Duration
		hash     string
		record   bool
		wantHeld bool
		wantWait time.Duration
	}{
		{at: 0, hash: "a", record: true},
		{at: 500 * time.Millisecond, hash: "a", wantHeld: true, wantWait: 500 * time.Millisecond},
		{at: 500 * time.Millisecond, hash: "b"}, // new inputs: tried at once
		{at: time.Second, hash: "a", record: true},
		{at: 2500 * time.Millisecond, hash: "a", wantHeld: true, wantWait: 500 * time.Millisecond}, // second wait: 2s
		{at: 3 * time.Second, hash: "a"},
	}
	for i, s := range steps {
		wait, held := r.holding("uid", s.hash, t0.Add(s.at))
		if held != s.wantHeld || wait != s.wantWait {
			t.Fatalf("step %d: holding = %s, %v; want %s, %v", i, wait, held, s.wantWait, s.wantHeld)
		}
		if s.record {
			r.record("uid", s.hash, t0.Add(s.at))
		}
	}
	r.forget("uid")
	if _, held := r.holding("uid", "a", t0); held {
		t.Error("a forgotten resource is still held")
	}
}

func TestSameFailure(t *testing.T) {
	const cause = `execution error at (widget/templates/fail.yaml:1:4): no`
	held := "installing release ns/w: " + cause + rejectedNote + " (try 2); trying again after 2026-01-01T00:00:00Z, or at once when the resource changes"
	tests := map[string]struct {
		prev *metav1.Condition
		msg  string
		want bool
	}{
		"first failure":                    {msg: "installing release ns/w: " + cause},
		"already told":                     {prev: &metav1.Condition{Status: metav1.ConditionTrue, Message: held}, msg: "installing release ns/w: " + cause, want: true},
		"install then upgrade, same cause": {prev: &metav1.Condition{Status: metav1.ConditionTrue, Message: held}, msg: "upgrading release ns/w: " + cause, want: true},
		"a new cause":                      {prev: &metav1.Condition{Status: metav1.ConditionTrue, Message: held}, msg: "installing release ns/w: execution error at (widget/templates/fail.yaml:1:4): other"},
		"after a success":                  {prev: &metav1.Condition{Status: metav1.ConditionFalse, Message: held}, msg: "installing release ns/w: " + cause},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := sameFailure(tc.prev, tc.msg); got != tc.want {
				t.Errorf("sameFailure = %v, want %v", got, tc.want)
			}
		})
	}
}
