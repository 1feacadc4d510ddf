// Command demo shows what ray-ha-operator is for, on one machine and without
// a real cluster: it starts a simulated Kubernetes cluster with three nodes
// and a real redis-server with a password, runs the operator, creates a
// RayCluster with GCS fault tolerance, breaks its head in the ways that
// matter (head pod deleted, head's node lost) and deletes it, and prints how
// long each recovery took as the operator itself measured it.
//
//	make demo                          # everything
//	make demo DEMO_ARGS='--scenario node-lost --keep'
//
// It needs the binaries of `make testbin` and redis-server; it builds the
// operator itself. Every process it starts runs in its own process group and
// dies with it, also on Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailed      = 1 // a scenario did not recover, or the demo could not run
	exitUsage       = 2
	exitInterrupted = 130
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	opts, err := parseOptions(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return exitUsage
	}
	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first Ctrl-C the default action returns, so a second one
	// ends the demo at once; the children still die with it.
	go func() { <-sigCtx.Done(); stop() }()

	d := newDemo(opts, os.Stdout)
	defer d.cleanup()
	ctx, cancel := context.WithTimeout(sigCtx, opts.timeout)
	defer cancel()
	ok, err := d.run(ctx)
	switch {
	case sigCtx.Err() != nil:
		fmt.Fprintln(os.Stderr, "\ndemo: interrupted; stopping everything it started")
		return exitInterrupted
	case err != nil:
		fmt.Fprintln(os.Stderr, "\ndemo:", err)
		if ctx.Err() != nil {
			fmt.Fprintf(os.Stderr, "demo: the whole run is bounded by --timeout=%s\n", opts.timeout)
		}
		d.printWhereToLook()
		return exitFailed
	}
	if opts.keep {
		d.keepRunning(sigCtx)
	}
	fmt.Println("\nstopping the operator, the simulated cluster and redis-server")
	if !ok {
		d.printWhereToLook()
		return exitFailed
	}
	return exitOK
}
