package reliability

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/operatorproc"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// procFastArgs are the operator flags of these tests: the production
// bounds shortened to seconds, so one failure recovers in about ten
// seconds, and no cap on replacements in a row, since a soak replaces the
// same cluster's head many times within the default one-hour window; for
// the same reason no fleet-wide budget of force-deletes (the fleet brake's
// zone rule stays on).
var procFastArgs = []string{
	"--head-node-lost-grace=3s",
	"--head-stuck-terminating-grace=1s",
	"--head-replacement-backoff-base=1s",
	"--head-replacement-backoff-max=2s",
	"--head-replacement-cap=0",
	"--fleet-brake-max-forced-replacements=0",
	"--redis-probe-interval=1s",
	"--redis-probe-timeout=500ms",
	"--redis-cleanup-timeout=60s",
	"--zap-log-level=info",
}

// procEnv is a simulated cluster, a real redis-server and the operator
// binary run as child processes that the test kills and restarts.
type procEnv struct {
	t     *testing.T
	sim   *simcluster.Cluster
	cl    client.Client
	redis *redisserver.Server
	// ops start operator processes with the env's flags; when the test
	// fails they log the last two.
	ops *harness.Binaries
	op  *operatorproc.Process
}

// procStart brings up the simulated cluster with the RayCluster CRD, a
// redis-server and the operator binary (not started yet).
func procStart(t *testing.T, nodes int, extraArgs ...string) *procEnv {
	t.Helper()
	return procStartSim(t, simcluster.Options{Nodes: nodes}, extraArgs...)
}

// procStartSim is procStart on a simulated cluster with its own options.
func procStartSim(t *testing.T, simOpts simcluster.Options, extraArgs ...string) *procEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("reliability suite on the simulated cluster: skipped with -short")
	}
	began := time.Now()
	sim := simcluster.StartForTest(t, simOpts)
	e := &procEnv{t: t, sim: sim, cl: simenv.InstallCRD(t, sim),
		redis: redisserver.Start(t, redisserver.Options{}),
		ops:   harness.NewBinaries(t, sim.Kubeconfig(), append(append([]string(nil), procFastArgs...), extraArgs...)...)}
	t.Logf("simulated cluster, redis-server and operator binary ready in %s", time.Since(began).Round(time.Millisecond))
	return e
}

// startOperator starts one more operator process with the env's flags and
// extra ones; each process logs to its own numbered file.
func (e *procEnv) startOperator(extra ...string) *operatorproc.Process {
	e.t.Helper()
	return e.ops.Start(extra...)
}

// restartOperator SIGKILLs the env's operator (when one runs) and starts a
// new one: a crash and the Deployment bringing the pod back.
func (e *procEnv) restartOperator() {
	e.t.Helper()
	if e.op != nil {
		e.op.Kill()
	}
	e.op = e.startOperator()
}

// checkOperatorAlive fails the test when the env's operator ended by
// itself: a crash the test did not cause.
func (e *procEnv) checkOperatorAlive() error {
	if e.op != nil && e.op.Exited() {
		return fmt.Errorf("the operator exited by itself (%v); log end:\n%s", e.op.ExitError(), e.op.Tail(3000))
	}
	return nil
}

// namespace creates a namespace.
func (e *procEnv) namespace(name string) string {
	e.t.Helper()
	if err := e.cl.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		e.t.Fatalf("creating namespace %s: %v", name, err)
	}
	return name
}

// procEnvInt reads a positive integer knob from the environment.
func procEnvInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a non-negative integer", name, v)
	}
	return n
}

// procEnvDuration reads a duration knob from the environment.
func procEnvDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive duration", name, v)
	}
	return d
}
