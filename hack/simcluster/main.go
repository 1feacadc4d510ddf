// Command simcluster runs a simulated Kubernetes cluster (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok nodes) on
// this machine until interrupted:
//
//	go run ./hack/simcluster up [--nodes 3] [--dir DIR]
//
// It needs the binaries of `make testbin`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "simcluster:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 || args[0] != "up" {
		return errors.New("usage: simcluster up [--nodes N] [--dir DIR] [--toleration-seconds S]")
	}
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	nodes := fs.Int("nodes", simcluster.DefaultNodes, "number of simulated nodes")
	dir := fs.String("dir", "", "work folder, kept after exit (default: a temporary folder, removed on exit)")
	toleration := fs.Int("toleration-seconds", 0, "not-ready/unreachable toleration added to pods (default 2)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	c, err := simcluster.Start(ctx, simcluster.Options{
		Nodes:                        *nodes,
		Dir:                          *dir,
		NotReadyTolerationSeconds:    *toleration,
		UnreachableTolerationSeconds: *toleration,
		Log:                          func(format string, a ...any) { fmt.Printf(format+"\n", a...) },
	})
	if err != nil {
		return err
	}
	defer c.Stop()
	fmt.Printf("\nThe cluster is up (started in %s). In another shell:\n\n", c.StartedIn().Round(time.Millisecond))
	fmt.Printf("  export KUBECONFIG=%s\n  kubectl get nodes\n\n", c.Kubeconfig())
	fmt.Printf("Component logs: %s/logs. Press Ctrl-C to stop.\n", c.Dir())
	<-ctx.Done()
	fmt.Println("\nstopping the simulated cluster")
	return nil
}
