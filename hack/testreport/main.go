/*
Copyright 2026 The ray-ha-operator Authors.
*/

// Command testreport reads `go test -json` on stdin and prints what a
// person needs from a long run: each package's result as it finishes, the
// whole output of every failed test (and of a package that failed outside
// its tests, such as a timeout, with the output of the tests still running
// then), and at the end the list of skipped tests with the reason each
// gave, then a one-line summary. It exits 1 when a test or package failed
// or the stream ended without a package's result, so `go test ... |
// testreport` fails as `go test` would.
//
// Output of passing tests is dropped: `go test -json` implies -v, and the
// simulated-cluster tiers log thousands of lines each.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

func main() {
	r := newReport(os.Stdout)
	if err := r.read(os.Stdin); err != nil {
		fmt.Fprintf(os.Stderr, "testreport: reading go test -json: %v\n", err)
		os.Exit(2)
	}
	r.finish()
	if r.failed() {
		os.Exit(1)
	}
}

// read feeds every line of in to the report. A line that is not a test
// event (go's own messages) is printed as it is.
func (r *report) read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1024*1024), 64*1024*1024)
	for sc.Scan() {
		r.line(sc.Bytes())
	}
	return sc.Err()
}
