/*
Copyright 2026 The ray-ha-operator Authors.
*/

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// ev writes one test2json event line.
func ev(action, pkg, test, output string) string {
	b, _ := json.Marshal(event{Action: action, Package: pkg, Test: test, Output: output})
	return string(b)
}

func TestReport(t *testing.T) {
	tests := map[string]struct {
		lines      []string
		failed     bool
		want       []string // substrings of the output, in order
		notWant    []string
		skips      int
		passed     int
		failedTest int
	}{
		"passing output dropped, package result printed": {
			lines: []string{
				ev("start", "p", "", ""),
				ev("run", "p", "TestA", ""),
				ev("output", "p", "TestA", "noisy log line\n"),
				ev("pass", "p", "TestA", ""),
				ev("pass", "p", "", ""),
			},
			want:    []string{"ok  \tp\t", "Skipped tests: none", "1 packages ok, 0 failed"},
			notWant: []string{"noisy log line"},
			passed:  1,
		},
		"failed test's output printed whole, run fails": {
			lines: []string{
				ev("start", "p", "", ""),
				ev("run", "p", "TestB", ""),
				ev("output", "p", "TestB", "    b_test.go:9: got 1, want 2\n"),
				ev("fail", "p", "TestB", ""),
				ev("fail", "p", "", ""),
			},
			failed: true, failedTest: 1,
			want: []string{"--- FAIL: p TestB", "got 1, want 2", "FAIL\tp", "FAILED: p TestB"},
		},
		"skips listed by reason, the last line logged": {
			lines: []string{
				ev("start", "p", "", ""),
				ev("run", "p", "TestC", ""),
				ev("output", "p", "TestC", "=== RUN   TestC\n"),
				ev("output", "p", "TestC", "    c_test.go:3: setting up\n"),
				ev("output", "p", "TestC", "    c_test.go:5: no container engine here\n"),
				ev("output", "p", "TestC", "--- SKIP: TestC (0.00s)\n"),
				ev("skip", "p", "TestC", ""),
				ev("run", "q", "TestD", ""),
				ev("output", "q", "TestD", "    d_test.go:5: no container engine here\n"),
				ev("skip", "q", "TestD", ""),
				ev("run", "q", "TestE", ""),
				ev("skip", "q", "TestE", ""),
				ev("pass", "p", "", ""),
			},
			// q's tests end without a package start event: nothing is pending.
			want: []string{"Skipped tests (3), by reason:", "- c_test.go:5: no container engine here", "    p TestC", "    q TestD",
				"- (no reason given)", "    q TestE"},
			notWant: []string{"setting up"},
			skips:   3,
		},
		"a package without a result fails, with its running tests' output": {
			lines: []string{
				ev("start", "p", "", ""),
				ev("run", "p", "TestF", ""),
				ev("output", "p", "TestF", "waiting for the head\n"),
			},
			failed: true,
			want:   []string{"--- UNFINISHED: p TestF", "waiting for the head", "no result", "0 packages ok, 1 failed"},
		},
		"timeout: unfinished tests and the panic printed": {
			lines: []string{
				ev("start", "p", "", ""),
				ev("run", "p", "TestG", ""),
				ev("output", "p", "TestG", "last log of G\n"),
				ev("output", "p", "", "panic: test timed out after 1m0s\n"),
				ev("output", "p", "", "FAIL\n"),
				ev("output", "p", "", "FAIL\tp\t60.1s\n"),
				ev("fail", "p", "", ""),
			},
			failed:  true,
			want:    []string{"--- UNFINISHED: p TestG", "last log of G", "panic: test timed out", "FAIL\tp"},
			notWant: []string{"FAIL\n", "FAIL\tp\t60.1s"},
		},
		"build failure and go's own lines": {
			lines: []string{
				"go: downloading example.com/x v1.0.0",
				`{"ImportPath":"p [p.test]","Action":"build-output","Output":"./a.go:1: syntax error\n"}`,
				`{"ImportPath":"p [p.test]","Action":"build-fail"}`,
			},
			failed: true,
			want:   []string{"go: downloading example.com/x", "./a.go:1: syntax error"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var out strings.Builder
			r := newReport(&out)
			if err := r.read(strings.NewReader(strings.Join(tc.lines, "\n") + "\n")); err != nil {
				t.Fatal(err)
			}
			r.finish()
			got := out.String()
			if r.failed() != tc.failed {
				t.Errorf("failed() = %t, want %t\n%s", r.failed(), tc.failed, got)
			}
			rest := got
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q (in order):\n%s", w, got)
				}
				rest = rest[i+len(w):]
			}
			for _, nw := range tc.notWant {
				if strings.Contains(got, nw) {
					t.Errorf("output has %q:\n%s", nw, got)
				}
			}
			if len(r.skips) != tc.skips || r.passed != tc.passed || r.failedTests != tc.failedTest {
				t.Errorf("skips, passed, failed = %d, %d, %d; want %d, %d, %d", len(r.skips), r.passed, r.failedTests, tc.skips, tc.passed, tc.failedTest)
			}
		})
	}
}
