package reliability

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ray-ha-operator/ray-ha-operator/test/e2e"
	"github.com/ray-ha-operator/ray-ha-operator/test/operatorproc"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// procCheckSlack is how long a procEventually check may still run after
// the wait's timeout.
const procCheckSlack = 10 * time.Second

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
	bin   string
	dir   string
	// args are the flags of every operator process of this env.
	args []string
	// started are all operator processes in start order, for the logs
	// written when a test fails.
	started []*operatorproc.Process
	op      *operatorproc.Process
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
	dir := t.TempDir()
	sim := simcluster.StartForTest(t, simOpts)
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := envtest.InstallCRDs(sim.RESTConfig(), envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(root, "config", "crd", "bases")}, ErrorIfPathMissing: true,
	}); err != nil {
		t.Fatalf("installing the RayCluster CRD: %v", err)
	}
	cl, err := client.New(sim.RESTConfig(), client.Options{Scheme: e2e.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	e := &procEnv{t: t, sim: sim, cl: cl, dir: dir,
		redis: redisserver.Start(t, redisserver.Options{}),
		bin:   operatorproc.Shared(t),
		args:  append(append([]string(nil), procFastArgs...), extraArgs...)}
	t.Cleanup(func() {
		if t.Failed() {
			e.logOperators()
		}
	})
	t.Logf("simulated cluster, redis-server and operator binary ready in %s", time.Since(began).Round(time.Millisecond))
	return e
}

// startOperator starts one more operator process with the env's flags and
// extra ones; each process logs to its own numbered file.
func (e *procEnv) startOperator(extra ...string) *operatorproc.Process {
	e.t.Helper()
	p := operatorproc.Start(e.t, operatorproc.Options{
		Bin: e.bin, Kubeconfig: e.sim.Kubeconfig(),
		LogPath: filepath.Join(e.dir, fmt.Sprintf("operator-%03d.log", len(e.started)+1)),
		Args:    append(append([]string(nil), e.args...), extra...),
	})
	e.started = append(e.started, p)
	return p
}

// logOperators writes, for a failed test, the error lines and the end of
// the logs of the last two operator processes (a leader and its standby,
// or a crashed operator and the one that replaced it).
func (e *procEnv) logOperators() {
	last := e.started[max(0, len(e.started)-2):]
	for i, p := range last {
		n := len(e.started) - len(last) + i + 1
		e.t.Logf("errors in operator log %d of %d (pid %d):\n%s", n, len(e.started), p.Pid(), procErrorLines(p.Log(), 40))
		e.t.Logf("operator log %d of %d (end):\n%s", n, len(e.started), p.Tail(6000))
	}
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

// procEventually polls cond every 100 ms until it holds or timeout passes,
// failing the test with cond's last explanation; it returns the time taken.
func procEventually(t *testing.T, timeout time.Duration, what string, cond func(ctx context.Context) (bool, string, error)) time.Duration {
	t.Helper()
	began := time.Now()
	end := began.Add(timeout)
	// The checks' context outlives the wait by a little, so a check that
	// runs at the very end fails by the timeout, with what it last saw,
	// and not by its own context running out.
	ctx, cancel := context.WithDeadline(context.Background(), end.Add(procCheckSlack))
	defer cancel()
	var why string
	for {
		ok, seen, err := cond(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return time.Since(began)
		}
		why = seen
		if time.Now().After(end) {
			t.Fatalf("%s: not within %s; last seen: %s", what, timeout, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// procErrorLines returns the last n lines of an operator log at error
// level, the ones that explain a failed convergence.
func procErrorLines(log string, n int) string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, `"level":"error"`) {
			if len(line) > 600 {
				line = line[:600]
			}
			out = append(out, line)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return strings.Join(out, "\n")
}
