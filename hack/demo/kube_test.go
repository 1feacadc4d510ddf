package main

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPoll(t *testing.T) {
	errTransient := errors.New("connection refused")
	errFatal := errors.New("the operator exited")
	tests := map[string]struct {
		cond      func(calls int) (bool, error)
		timeout   time.Duration
		wantErr   error
		wantCalls int
	}{
		"true at once":               {cond: func(int) (bool, error) { return true, nil }, timeout: time.Second, wantCalls: 1},
		"true after a transient err": {cond: func(n int) (bool, error) { return n > 1, map[bool]error{true: errTransient}[n == 1] }, timeout: 5 * time.Second, wantCalls: 2},
		"permanent error stops":      {cond: func(int) (bool, error) { return false, permanentError{errFatal} }, timeout: 5 * time.Second, wantErr: errFatal, wantCalls: 1},
		"timeout keeps the last err": {cond: func(int) (bool, error) { return false, errTransient }, timeout: 300 * time.Millisecond, wantErr: context.DeadlineExceeded},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			calls := 0
			err := poll(context.Background(), "thing", tc.timeout, func(context.Context) (bool, error) {
				calls++
				return tc.cond(calls)
			})
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("poll() = %v, want %v", err, tc.wantErr)
			}
			if tc.wantCalls > 0 && calls != tc.wantCalls {
				t.Errorf("cond called %d times, want %d", calls, tc.wantCalls)
			}
		})
	}
}
