package helm

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// TestRetryRateLimiterCapped: repeated failures of one resource back off
// exponentially from 5 ms but never past the cap, and another resource
// starts over.
func TestRetryRateLimiterCapped(t *testing.T) {
	rl := retryRateLimiter(2 * time.Second)
	a := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "ns", Name: "a"}}
	b := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "ns", Name: "b"}}
	var last time.Duration
	for i := range 30 {
		last = rl.When(a)
		if last > 2*time.Second {
			t.Fatalf("failure %d: backoff %s above the 2s cap", i+1, last)
		}
	}
	if last != 2*time.Second {
		t.Errorf("after 30 failures the backoff is %s, want the cap 2s", last)
	}
	if d := rl.When(b); d > 100*time.Millisecond {
		t.Errorf("first failure of another resource waits %s, want milliseconds", d)
	}
	rl.Forget(a)
	if d := rl.When(a); d > 100*time.Millisecond {
		t.Errorf("after Forget the backoff is %s, want milliseconds", d)
	}
}
