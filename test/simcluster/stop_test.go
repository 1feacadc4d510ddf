package simcluster_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// TestStopLeavesNothing proves Stop kills every component (including a
// restarted node's kwok) and its whole process group, reaps them, and
// removes the work folder it created.
func TestStopLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("simulated cluster tier: skipped with -short")
	}
	// Start, not StartForTest: the work folder must be Start's own
	// temporary one, which Stop removes.
	c, err := simcluster.Start(context.Background(), simcluster.Options{Nodes: 2, Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	if err := c.KillNode("sim-node-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.RestartNode("sim-node-1"); err != nil {
		t.Fatal(err)
	}
	groups := simcluster.ProcessGroups(c)
	// etcd, apiserver, controller manager, scheduler, 2 kwok + 1 restarted
	// kwok; more when the supervisor restarted a control-plane component.
	if len(groups) < 7 {
		t.Fatalf("ProcessGroups = %v, want at least 7 processes", groups)
	}
	dir := c.Dir()

	start := time.Now()
	c.Stop()
	t.Logf("Stop took %s", time.Since(start))
	if ok, alive := allGroupsGone(groups); !ok {
		t.Fatalf("processes left after Stop: %s", alive)
	}
	if kids := childrenOf(os.Getpid()); len(kids) != 0 {
		t.Fatalf("the test process still has children after Stop: %v", kids)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("work folder %s not removed by Stop (stat: %v)", dir, err)
	}
	c.Stop() // idempotent
}

// helperEnv makes TestHelperClusterProcess start a cluster in a child
// test process.
const helperEnv = "SIMCLUSTER_TEST_HELPER_DIR"

// TestKilledParentLeavesNothing SIGKILLs a process that runs a cluster —
// no Stop, no cleanup — and checks that every component dies with it.
func TestKilledParentLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("simulated cluster tier: skipped with -short")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperClusterProcess$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	groups := readGroups(t, out)

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	harness.Eventually(t, 10*time.Second, "components die with their parent", func(context.Context) (bool, string, error) {
		ok, alive := allGroupsGone(groups)
		return ok, alive, nil
	})
}

// readGroups reads the "GROUP name pgid" lines the helper prints, up to
// "READY".
func readGroups(t *testing.T, out interface{ Read([]byte) (int, error) }) []simcluster.Group {
	t.Helper()
	type result struct {
		groups []simcluster.Group
		err    error
	}
	done := make(chan result, 1)
	go func() {
		var groups []simcluster.Group
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 3 && f[0] == "GROUP":
				pgid, _ := strconv.Atoi(f[2])
				groups = append(groups, simcluster.Group{Name: f[1], PGID: pgid})
			case len(f) == 1 && f[0] == "READY":
				done <- result{groups: groups}
				return
			}
		}
		done <- result{err: fmt.Errorf("helper ended before READY: %v", sc.Err())}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if len(r.groups) < 5 { // more after a supervised restart
			t.Fatalf("helper reported %v, want at least 5 processes", r.groups)
		}
		return r.groups
	case <-time.After(2 * time.Minute):
		t.Fatal("helper did not start its cluster within 2 minutes")
		return nil
	}
}

// TestHelperClusterProcess is not a test: it runs only as the child of
// TestKilledParentLeavesNothing, starts a cluster, reports its processes
// and waits to be killed.
func TestHelperClusterProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process for TestKilledParentLeavesNothing")
	}
	c, err := simcluster.Start(context.Background(), simcluster.Options{Nodes: 1, Dir: dir})
	if err != nil {
		fmt.Println("START FAILED", err)
		os.Exit(1)
	}
	for _, g := range simcluster.ProcessGroups(c) {
		fmt.Printf("GROUP %s %d\n", g.Name, g.PGID)
	}
	fmt.Println("READY")
	time.Sleep(10 * time.Minute)
}
