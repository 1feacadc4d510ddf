package reliability

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
)

// The convergence checks themselves are test/harness/simenv's.

// restartNode brings a lost node back, waits until it is Ready again and
// reports its pods Ready, as a returning kubelet does.
// A node that does not come back fails the test with the simulator's
// report on it (its kwok process, lease, Ready condition, taints and
// kwok's last errors), which tells a simulation fault from an operator one.
func (e *procEnv) restartNode(t *testing.T, name string) {
	t.Helper()
	if err := e.sim.RestartNode(name); err != nil {
		t.Fatal(err)
	}
	back := false
	defer func() {
		if !back { // harness.Eventually failed the test; say why the node stayed away
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			t.Logf("node %s after its restart: %s", name, e.sim.NodeReport(ctx, name))
		}
	}()
	harness.Eventually(t, time.Minute, "node "+name+" Ready again", simenv.NodeReady(e.cl, name))
	back = true
	// A returning kubelet reports its pods Ready again; kwok does not.
	if _, err := e.sim.ResyncPods(context.Background(), name); err != nil {
		t.Fatal(err)
	}
}

// procSince rounds a duration for logs.
func procSince(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// procActions are the counts that must grow by exactly one per head
// failure: detections, force-deletes and recoveries in status.
type procActions struct{ detected, forceDeleted, recoveries int }

func procCounts(t *testing.T, e *procEnv, key types.NamespacedName) procActions {
	t.Helper()
	ctx := context.Background()
	var a procActions
	var err error
	if a.detected, err = simenv.EventCount(ctx, e.cl, key, raycluster.EventHeadFailureDetected); err != nil {
		t.Fatal(err)
	}
	if a.forceDeleted, err = simenv.EventCount(ctx, e.cl, key, raycluster.EventHeadForceDeleted); err != nil {
		t.Fatal(err)
	}
	n, err := simenv.RecoveryCount(ctx, e.cl, key)
	if err != nil {
		t.Fatal(err)
	}
	a.recoveries = int(n)
	return a
}
