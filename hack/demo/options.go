package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Scenario names, as given to --scenario and printed in the table.
const (
	scenarioHeadDeleted = "head-deleted"
	scenarioNodeLost    = "node-lost"
	scenarioDelete      = "delete"
	scenarioAutoscale   = "autoscale"
)

// allScenarios is the order the scenarios run in: the delete scenario ends
// the cluster, so it comes last.
var allScenarios = []string{scenarioHeadDeleted, scenarioNodeLost, scenarioAutoscale, scenarioDelete}

// options are the command line of the demo.
type options struct {
	// scenarios to run, in allScenarios order.
	scenarios []string
	// keep leaves everything running after the scenarios, until Ctrl-C.
	keep bool
	// timeout bounds the whole run, builds included.
	timeout time.Duration
	// dir is the work folder: cluster certificates, kubeconfig, logs. It is
	// kept after the run so that the logs can be read.
	dir string
	// operatorBin, when set, is run instead of building the operator from
	// the repository (e.g. a release build).
	operatorBin string
	// bounds are the demo's short head-health bounds.
	bounds bounds
}

// bounds are the operator's head-health settings for the demo: much shorter
// than the production defaults, so a lost node is handled within seconds.
type bounds struct {
	nodeLostGrace         time.Duration
	stuckTerminatingGrace time.Duration
	deletionTimeout       time.Duration
}

func defaultBounds() bounds {
	return bounds{
		nodeLostGrace:         10 * time.Second,
		stuckTerminatingGrace: 10 * time.Second,
		deletionTimeout:       60 * time.Second,
	}
}

// parseOptions reads the command line; errors are usage errors.
func parseOptions(args []string, out io.Writer) (options, error) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(out)
	scenario := fs.String("scenario", "all",
		"scenarios to run, comma-separated: "+strings.Join(allScenarios, ", ")+" or all")
	keep := fs.Bool("keep", false, "leave the simulated cluster, Redis and the operator running after the scenarios (until Ctrl-C) and print the kubectl command")
	timeout := fs.Duration("timeout", 15*time.Minute, "bound of the whole run, builds included")
	dir := fs.String("dir", "", "work folder for the cluster's files and logs (default: bin/demo-run in the repository)")
	operatorBin := fs.String("operator-bin", "", "run this operator binary instead of building bin/manager from the repository")
	nodeLostGrace := fs.Duration("node-lost-grace", defaultBounds().nodeLostGrace, "how long the head's node must be lost before the operator force-deletes the head")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: demo [flags]\n\nShows ray-ha-operator recovering a Ray head on a simulated cluster.\n\n")
		fs.PrintDefaults()
		fmt.Fprintf(out, "\nExamples:\n  make demo\n  make demo DEMO_ARGS='--scenario node-lost --keep'\n")
	}
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	scenarios, err := parseScenarios(*scenario)
	if err != nil {
		return options{}, err
	}
	if *timeout <= 0 {
		return options{}, errors.New("--timeout must be positive")
	}
	if *nodeLostGrace < time.Second {
		return options{}, errors.New("--node-lost-grace must be at least 1s")
	}
	b := defaultBounds()
	b.nodeLostGrace = nodeLostGrace.Round(time.Second)
	return options{scenarios: scenarios, keep: *keep, timeout: *timeout, dir: *dir, operatorBin: *operatorBin, bounds: b}, nil
}

// parseScenarios turns "all" or a comma-separated list into the scenarios to
// run, in the order of allScenarios whatever the order given.
func parseScenarios(s string) ([]string, error) {
	if strings.TrimSpace(s) == "all" {
		return slices.Clone(allScenarios), nil
	}
	want := map[string]bool{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(allScenarios, name) {
			return nil, fmt.Errorf("--scenario: unknown scenario %q (want %s or all)", name, strings.Join(allScenarios, ", "))
		}
		want[name] = true
	}
	var out []string
	for _, name := range allScenarios {
		if want[name] {
			out = append(out, name)
		}
	}
	return out, nil
}
