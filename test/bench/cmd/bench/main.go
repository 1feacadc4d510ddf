/*
Copyright 2026 The ray-ha-operator Authors.
*/

// Command bench measures the operator on the simulated cluster, and with
// -phases versus side by side with KubeRay's, and writes docs/benchmarks.md
// (the generated sections) and docs/benchmarks.json. It
// needs the binaries of `make testbin` and redis-server; `make bench` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/ray-ha-operator/ray-ha-operator/test/bench"
)

func main() {
	// Client-go's reflectors log through controller-runtime's root logger;
	// each operator the bench starts logs to its own file.
	ctrl.SetLogger(logr.Discard())
	cfg := bench.DefaultConfig()
	cfg.Bind(flag.CommandLine)
	md := flag.String("md", "docs/benchmarks.md", "Markdown file whose operator sections are written (empty: none)")
	js := flag.String("json", "docs/benchmarks.json", "JSON result file (empty: none)")
	modes := flag.String("modes", "", "comma-separated recovery modes (default: all): head-deleted, head-failed, container-exit, stuck-terminating, node-lost, leader-failover")
	keep := flag.Bool("keep", false, "keep the work folder (cluster and operator logs) after the run")
	flag.Parse()
	if *modes != "" {
		cfg.Modes = strings.Split(*modes, ",")
	}
	if err := run(cfg, *md, *js, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(cfg bench.Config, md, js string, keep bool) error {
	dir, err := os.MkdirTemp("", "ray-ha-bench-")
	if err != nil {
		return fmt.Errorf("creating a work folder: %w", err)
	}
	if keep {
		fmt.Fprintln(os.Stderr, "work folder:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	cfg.Dir = dir
	cfg.Log = func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	res.Command = command()
	bench.StampVersus(res)
	if res.HasOperatorPhases() {
		fmt.Print(bench.Markdown(res))
	}
	fmt.Print(bench.NodeLossMarkdown(res))
	fmt.Print(bench.VersusMarkdown(res))
	if md == "" || js == "" {
		return nil
	}
	return bench.WriteFiles(res, md, js)
}

// command is how this run can be repeated: make bench, with its flags.
func command() string {
	if len(os.Args) == 1 {
		return "make bench"
	}
	return "make bench BENCH_ARGS='" + strings.Join(os.Args[1:], " ") + "'"
}
