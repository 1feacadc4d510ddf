package ray

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// probeHead runs the probes the chart renders against the real head: they
// pass on a healthy head; then only gcs_server is SIGKILLed and the test
// records which probe fails, how fast, and what the head's `ray start
// --block` does about it. It returns when gcs_server was killed; the head
// is gone when it returns.
func probeHead(ctx context.Context, t *testing.T, c *Cluster, spec Spec, workerSpec podSpec) time.Time {
	t.Helper()
	headSpec, err := c.HeadSpec()
	if err != nil {
		t.Fatal(err)
	}
	healthy := map[string]struct {
		in   podSpec
		kind string
	}{
		"head liveness":    {headSpec, "liveness"},
		"head readiness":   {headSpec, "readiness"},
		"worker liveness":  {workerSpec, "liveness"},
		"worker readiness": {workerSpec, "readiness"},
	}
	for name, tc := range healthy {
		t.Run("healthy "+name, func(t *testing.T) {
			p := tc.in.c.LivenessProbe
			if tc.kind == "readiness" {
				p = tc.in.c.ReadinessProbe
			}
			// A kubelet tolerates several failures in a row (the chart's
			// failureThreshold); on a loaded machine one run can time out.
			var fails []string
			for attempt := 0; attempt < 3; attempt++ {
				r := RunProbe(ctx, p, tc.in.ip, tc.in.env)
				if r.OK {
					return
				}
				fails = append(fails, r.Detail)
				time.Sleep(2 * time.Second)
			}
			t.Errorf("rendered %s probe fails on a healthy node, 3 times in a row: %s", tc.kind, strings.Join(fails, "; "))
		})
	}
	reportExecProbes(ctx, t, spec, c)
	return gcsKilled(ctx, t, c, headSpec, workerSpec)
}

// reportExecProbes runs the exec probes the chart renders for Ray < 2.53
// (wget of the raylet and GCS health endpoints, in bash, as the kubelet runs
// them) against this head, to learn whether Ray still serves those endpoints.
func reportExecProbes(ctx context.Context, t *testing.T, spec Spec, c *Cluster) {
	t.Helper()
	old := spec
	old.RayVersion = "2.52.0"
	rc, err := old.Render()
	if err != nil {
		t.Fatal(err)
	}
	oc := &Cluster{Venv: c.Venv, Rendered: rc, Objects: c.Objects, Dir: c.Dir}
	s, err := oc.HeadSpec()
	if err != nil {
		t.Fatal(err)
	}
	p := s.c.LivenessProbe
	if p == nil || p.Exec == nil {
		t.Fatalf("rayVersion 2.52.0 renders no exec liveness probe: %+v", p)
	}
	r := RunProbe(ctx, p, s.ip, s.env)
	t.Logf("Ray < 2.53 exec probe %q against Ray %s: ok=%v (%s, %.2f s)",
		strings.Join(p.Exec.Command, " "), RayVersion, r.OK, strings.TrimSpace(r.Detail), r.Took.Seconds())
}

// gcsKilled SIGKILLs only the head's gcs_server and samples the head's and
// the worker's liveness probes every 250 ms: until the head probe failed and
// the head's main process exited (20 s at most), and the worker's for at
// least workerWindow.
func gcsKilled(ctx context.Context, t *testing.T, c *Cluster, headSpec, workerSpec podSpec) time.Time {
	t.Helper()
	heads := c.Running(headSpec.name)
	if len(heads) != 1 {
		t.Fatalf("want one running head, have %d", len(heads))
	}
	head := heads[0]
	pids := head.PidsByName("gcs_server")
	if len(pids) != 1 {
		t.Fatalf("head has gcs_server processes %v, want one", pids)
	}
	killed := time.Now()
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	tl := NewTimeline(killed)
	var headFailed, workerFailed bool
	workerSamples := 0
	deadline := killed.Add(20 * time.Second)
	for time.Now().Before(deadline) && !(headFailed && !head.Running() && time.Since(killed) > workerWindow) {
		if !headFailed {
			r := RunProbe(ctx, headSpec.c.LivenessProbe, headSpec.ip, headSpec.env)
			if !r.OK {
				headFailed = true
				// The kubelet learns the result when the probe returns.
				tl.Mark("head probe returns failure", time.Now(), fmt.Sprintf("%s (probe ran %.2f s of its %d s timeout)",
					firstLine(r.Detail), r.Took.Seconds(), headSpec.c.LivenessProbe.TimeoutSeconds))
			}
		}
		r := RunProbe(ctx, workerSpec.c.LivenessProbe, workerSpec.ip, workerSpec.env)
		workerSamples++
		if !r.OK && !workerFailed {
			workerFailed = true
			tl.Mark("worker liveness probe fails", time.Now(), firstLine(r.Detail))
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !workerFailed {
		tl.Mark("worker probe still passing", time.Now(), fmt.Sprintf("passed all %d samples: the raylet treats an unreachable GCS as healthy", workerSamples))
	}
	if at, err := head.Exited(); !at.IsZero() {
		tl.Mark("head `ray start --block` exited", at, fmt.Sprintf("%v: the container would end and the kubelet restart it", err))
	}
	t.Logf("gcs_server SIGKILLed on the head (the rest of the head left running):\n%s", tl.Markdown())
	if !headFailed {
		t.Errorf("the head's rendered probe kept passing for 20 s without a GCS")
	}
	if d := tl.Since("head probe returns failure"); d > 10*time.Second {
		t.Errorf("the head's probe failed only %.1f s after the GCS died", d.Seconds())
	}
	// The container has ended: its remaining processes go with it.
	if err := head.Kill(); err != nil {
		t.Error(err)
	}
	return killed
}

// workerWindow is how long the worker's probe is watched after the GCS died.
const workerWindow = 10 * time.Second

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
