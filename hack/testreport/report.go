/*
Copyright 2026 The ray-ha-operator Authors.
*/

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// event is one line of `go test -json` (cmd/test2json's TestEvent).
type event struct {
	Time       time.Time
	Action     string
	Package    string
	ImportPath string // build-output and build-fail events
	Test       string
	Elapsed    float64
	Output     string
}

// testKey names one test of one package.
type testKey struct{ pkg, test string }

// skip is a skipped test and the reason it logged.
type skip struct {
	testKey
	reason string
}

// report accumulates the stream's state: output is kept per running test
// (and per package for lines outside tests) until the result is known.
type report struct {
	out     io.Writer
	running map[testKey][]string
	pkgOut  map[string][]string
	started map[string]bool // packages with a start event and no result yet

	skips                        []skip
	passed, failedTests          int
	pkgOK, pkgFailed, pkgNoTests int
	failedNames                  []string
	buildFailed                  bool
}

func newReport(out io.Writer) *report {
	return &report{out: out, running: map[testKey][]string{}, pkgOut: map[string][]string{}, started: map[string]bool{}}
}

// line handles one input line.
func (r *report) line(b []byte) {
	var e event
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &e) != nil {
		fmt.Fprintln(r.out, string(b))
		return
	}
	switch {
	case e.Action == "build-output":
		fmt.Fprint(r.out, e.Output)
	case e.Action == "build-fail":
		r.buildFailed = true
	case e.Test == "":
		r.packageEvent(e)
	default:
		r.testEvent(e)
	}
}

func (r *report) testEvent(e event) {
	k := testKey{e.Package, e.Test}
	switch e.Action {
	case "run":
		r.running[k] = nil
	case "output":
		r.running[k] = append(r.running[k], e.Output)
	case "pass":
		r.passed++
		delete(r.running, k)
	case "skip":
		r.skips = append(r.skips, skip{k, skipReason(r.running[k])})
		delete(r.running, k)
	case "fail":
		r.failedTests++
		r.failedNames = append(r.failedNames, e.Package+" "+e.Test)
		fmt.Fprintf(r.out, "--- FAIL: %s %s\n", e.Package, e.Test)
		r.printLines(r.running[k])
		delete(r.running, k)
	}
}

func (r *report) packageEvent(e event) {
	switch e.Action {
	case "start":
		r.started[e.Package] = true
	case "output":
		if !isSummaryLine(e.Package, e.Output) {
			r.pkgOut[e.Package] = append(r.pkgOut[e.Package], e.Output)
		}
	case "skip": // no test files
		r.pkgNoTests++
		delete(r.started, e.Package)
		delete(r.pkgOut, e.Package)
	case "pass":
		r.pkgOK++
		fmt.Fprintf(r.out, "ok  \t%s\t%.1fs\n", e.Package, e.Elapsed)
		r.endPackage(e.Package)
	case "fail":
		r.pkgFailed++
		r.printUnfinished(e.Package)
		r.printLines(r.pkgOut[e.Package])
		fmt.Fprintf(r.out, "FAIL\t%s\t%.1fs\n", e.Package, e.Elapsed)
		r.endPackage(e.Package)
	}
}

// isSummaryLine: go test's own result lines of a package ("PASS", "FAIL",
// "ok  <pkg> 1.2s", "FAIL <pkg> 1.2s"), which the report prints itself.
func isSummaryLine(pkg, line string) bool {
	l := strings.TrimRight(line, "\n")
	return l == "PASS" || l == "FAIL" || strings.HasPrefix(l, "ok  \t"+pkg) || strings.HasPrefix(l, "FAIL\t"+pkg)
}

// printUnfinished prints the output of the package's tests that never
// ended: a timeout or a crash stopped them, and their logs say where.
func (r *report) printUnfinished(pkg string) {
	var keys []testKey
	for k := range r.running {
		if k.pkg == pkg {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b testKey) int { return strings.Compare(a.test, b.test) })
	for _, k := range keys {
		fmt.Fprintf(r.out, "--- UNFINISHED: %s %s\n", k.pkg, k.test)
		r.printLines(r.running[k])
	}
}

func (r *report) endPackage(pkg string) {
	delete(r.started, pkg)
	delete(r.pkgOut, pkg)
	for k := range r.running {
		if k.pkg == pkg {
			delete(r.running, k)
		}
	}
}

func (r *report) printLines(lines []string) {
	for _, l := range lines {
		fmt.Fprint(r.out, l)
	}
}

// skipReason is what a skipped test logged, without the framework's own
// lines; a test that gave no reason says so.
func skipReason(lines []string) string {
	var parts []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	// The reason is what the test logged last, t.Skip's message; earlier
	// log lines are setup.
	return parts[len(parts)-1]
}

// failed reports whether anything failed, including a package whose
// result never came (the go command died) or a build.
func (r *report) failed() bool {
	return r.failedTests > 0 || r.pkgFailed > 0 || r.buildFailed || len(r.started) > 0
}

// finish prints what never finished, the skips by reason, and the summary.
func (r *report) finish() {
	for pkg := range r.started {
		r.printUnfinished(pkg)
		r.printLines(r.pkgOut[pkg])
		fmt.Fprintf(r.out, "FAIL\t%s\t(no result: the test binary did not finish)\n", pkg)
	}
	r.printSkips()
	fmt.Fprintf(r.out, "\n%d packages ok, %d failed, %d without tests; tests: %d passed, %d failed, %d skipped\n",
		r.pkgOK, r.pkgFailed+len(r.started), r.pkgNoTests, r.passed, r.failedTests, len(r.skips))
	for _, n := range r.failedNames {
		fmt.Fprintf(r.out, "FAILED: %s\n", n)
	}
}

// printSkips lists the skipped tests grouped by reason, the reasons in
// order of first appearance, so a tier that could not run shows as one
// line with its tests.
func (r *report) printSkips() {
	if len(r.skips) == 0 {
		fmt.Fprintln(r.out, "\nSkipped tests: none")
		return
	}
	fmt.Fprintf(r.out, "\nSkipped tests (%d), by reason:\n", len(r.skips))
	var reasons []string
	byReason := map[string][]string{}
	for _, s := range r.skips {
		if _, ok := byReason[s.reason]; !ok {
			reasons = append(reasons, s.reason)
		}
		byReason[s.reason] = append(byReason[s.reason], s.pkg+" "+s.test)
	}
	for _, reason := range reasons {
		fmt.Fprintf(r.out, "- %s\n", reason)
		for _, name := range byReason[reason] {
			fmt.Fprintf(r.out, "    %s\n", name)
		}
	}
}
