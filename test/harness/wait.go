/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// PollInterval is the wait between two checks of a Condition.
const PollInterval = 100 * time.Millisecond

// checkSlack is how long a check may still run after the wait's timeout:
// the checks' context outlives the wait by this much, so a check that runs
// at the very end fails by the timeout, with what it last saw, and not by
// its own context running out.
const checkSlack = 10 * time.Second

// Condition is one check of asynchronous state. It reports whether the
// state is reached and, when not, what it saw instead (the observation a
// timeout reports). An error ends the wait at once: return it only for what
// no amount of waiting fixes (a transient NotFound is an observation).
type Condition func(ctx context.Context) (done bool, observation string, err error)

// Wait checks cond every PollInterval until it is done, returns an error or
// timeout passes, and returns how long it took. The error names what and,
// on a timeout, the last observation. It is Eventually for programs that are
// not tests (the demo, the bench); ctx ends the wait early.
func Wait(ctx context.Context, timeout time.Duration, what string, cond Condition) (time.Duration, error) {
	began := time.Now()
	end := began.Add(timeout)
	checkCtx, cancel := context.WithDeadline(ctx, end.Add(checkSlack))
	defer cancel()
	var last string
	for {
		done, seen, err := cond(checkCtx)
		if err != nil {
			return time.Since(began), fmt.Errorf("%s: %w", what, err)
		}
		if done {
			return time.Since(began), nil
		}
		if seen != "" {
			last = seen
		}
		if time.Now().After(end) {
			return time.Since(began), fmt.Errorf("%s: not within %s; last seen: %s", what, timeout, last)
		}
		select {
		case <-ctx.Done():
			return time.Since(began), fmt.Errorf("%s: %w; last seen: %s", what, ctx.Err(), last)
		case <-time.After(PollInterval):
		}
	}
}

// Eventually is Wait for tests: it fails the test with the last observation
// when cond is not done within timeout, and returns the time it took.
func Eventually(t testing.TB, timeout time.Duration, what string, cond Condition) time.Duration {
	t.Helper()
	took, err := Wait(context.Background(), timeout, what, cond)
	if err != nil {
		t.Fatal(err)
	}
	return took
}
