package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// result is one row of the table, plus notes printed under it.
type result struct {
	scenario string
	// what happened, in a few words.
	what string
	// detected is when the operator reported the failure, from the
	// injection; negative when not seen.
	detected time.Duration
	// detectedCoarse: detected comes from a whole-second status timestamp,
	// because the failure was over before the demo's next look.
	detectedCoarse bool
	// recovered is the recovery time as the operator measured it, as shown
	// (it names its source).
	recovered string
	// wall is when the demo saw the cluster healthy again, from the injection.
	wall time.Duration
	ok   bool
	// outcome is the result column: "head recovered", "Redis clean (...)"
	// or what went wrong.
	outcome string
	notes   []string
}

func (r *result) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// Outcome phrases the demo's test looks for.
const (
	outcomeHeadRecovered = "head recovered"
	outcomeRedisClean    = "Redis clean"
)

// printResults writes the table and the notes and reports whether every
// scenario succeeded.
func printResults(out io.Writer, results []result) bool {
	fmt.Fprintf(out, "\nResults\n\n")
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tWHAT HAPPENED\tDETECTED AFTER\tRECOVERED AFTER\tWALL TIME\tRESULT")
	allOK := true
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.scenario, r.what, showDetected(r), orDash(r.recovered), showDuration(r.wall), r.outcome)
		allOK = allOK && r.ok
	}
	_ = tw.Flush()
	fmt.Fprintf(out, "\nDETECTED AFTER: from the failure to the operator's HeadRecovering condition (or, for delete, the head pod gone);\n")
	fmt.Fprintf(out, "  \"<1s\" or \"~Ns\" when the recovery was over before the demo looked again, read from status.recovery.lastFailureTime.\n")
	fmt.Fprintf(out, "RECOVERED AFTER: the operator's own measurement (status.recovery.lastRecoveryDuration; for delete, until its finalizer let go).\n")
	fmt.Fprintf(out, "WALL TIME: from the failure until the demo saw the cluster healthy (or gone and Redis clean).\n")
	for _, r := range results {
		if len(r.notes) == 0 {
			continue
		}
		fmt.Fprintf(out, "\n%s:\n", r.scenario)
		for _, n := range r.notes {
			fmt.Fprintf(out, "  - %s\n", n)
		}
	}
	if allOK {
		fmt.Fprintf(out, "\nAll %d scenario(s) recovered within their bounds.\n", len(results))
	} else {
		fmt.Fprintf(out, "\nAt least one scenario did not recover within its bound (see RESULT).\n")
	}
	return allOK
}

// showDetected prints the detection time, marking a whole-second one.
func showDetected(r result) string {
	if !r.detectedCoarse || r.detected < 0 {
		return showDuration(r.detected)
	}
	if r.detected < time.Second {
		return "<1s"
	}
	return "~" + r.detected.Round(time.Second).String()
}

// showDuration prints a duration for the table; negative means unknown.
func showDuration(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return roundDuration(d).String()
}

// splitRow splits a table row printed by printResults into its columns
// (tabwriter pads with at least two spaces); the test uses it.
func splitRow(line string) []string {
	var cols []string
	for _, c := range strings.Split(line, "  ") {
		if c = strings.TrimSpace(c); c != "" {
			cols = append(cols, c)
		}
	}
	return cols
}
