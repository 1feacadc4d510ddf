/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestWait(t *testing.T) {
	boom := errors.New("boom")
	tests := map[string]struct {
		cond    func(calls int) (bool, string, error)
		timeout time.Duration
		// wantErr is a piece of the error ("" for none); wantCalls the
		// checks made.
		wantErr   string
		wantCalls int
	}{
		"done at once": {
			cond: func(int) (bool, string, error) { return true, "", nil }, timeout: time.Second, wantCalls: 1,
		},
		"done on the third check": {
			cond: func(n int) (bool, string, error) { return n == 3, fmt.Sprint("check ", n), nil }, timeout: 5 * time.Second, wantCalls: 3,
		},
		"a timeout reports the last observation": {
			cond:    func(n int) (bool, string, error) { return false, fmt.Sprint("check ", n), nil },
			timeout: 250 * time.Millisecond, wantErr: "thing: not within 250ms; last seen: check ", wantCalls: -1,
		},
		"an error ends the wait at once": {
			cond: func(int) (bool, string, error) { return false, "", boom }, timeout: time.Minute, wantErr: "thing: boom", wantCalls: 1,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			calls := 0
			_, err := Wait(context.Background(), tc.timeout, "thing", func(context.Context) (bool, string, error) {
				calls++
				return tc.cond(calls)
			})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Wait: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Wait error = %v, want one containing %q", err, tc.wantErr)
			}
			if tc.wantCalls >= 0 && calls != tc.wantCalls {
				t.Errorf("checks = %d, want %d", calls, tc.wantCalls)
			}
			if tc.wantCalls < 0 && !strings.Contains(err.Error(), fmt.Sprint("check ", calls)) {
				t.Errorf("error %q does not name the last check (%d)", err, calls)
			}
		})
	}
}

func TestWaitChecksHaveADeadlinePastTheTimeout(t *testing.T) {
	var deadline time.Time
	began := time.Now()
	_, err := Wait(context.Background(), time.Second, "thing", func(ctx context.Context) (bool, string, error) {
		deadline, _ = ctx.Deadline()
		return true, "", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := deadline.Sub(began); d < time.Second+checkSlack-time.Second/2 || d > time.Second+checkSlack+time.Second/2 {
		t.Errorf("check deadline %s after the start, want about %s", d, time.Second+checkSlack)
	}
}

func TestWaitEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Wait(ctx, time.Minute, "thing", func(context.Context) (bool, string, error) { return false, "not yet", nil })
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "not yet") {
		t.Fatalf("Wait with a cancelled context = %v, want context.Canceled and the last observation", err)
	}
}
