package reliability

import "testing"

// TestAPIServerOperatorsPart checks which unconverged states are blamed
// on the operator; it runs under -short.
func TestAPIServerOperatorsPart(t *testing.T) {
	tests := map[string]struct {
		why  string
		want bool
	}{
		"head pod missing":      {why: "no head pod", want: false},
		"head pod pending":      {why: "head 1234 not Ready (phase Pending, deleting false)", want: false},
		"workers not replaced":  {why: "apiserver/a: worker ReplicaSet a-small-worker: spec 2 ready 1, want 2", want: false},
		"status lags the pods":  {why: `pods Ready but state "", conditions HeadRecovering=True`, want: true},
		"release left pending":  {why: "release revisions pending: [x.v2=pending-upgrade]", want: true},
		"old generation served": {why: "Deployed for generation 1, spec is at 2", want: true},
		"operator exited":       {why: "the operator exited by itself", want: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := apiserverOperatorsPart(tc.why); got != tc.want {
				t.Errorf("apiserverOperatorsPart(%q) = %v, want %v", tc.why, got, tc.want)
			}
		})
	}
}
