package ray

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// EnvWriteDocs, set to 1 (make test-ray does), makes
// TestBehaviourWhileGCSDown write its table to BehaviourDoc.
const EnvWriteDocs = "RAY_WRITE_DOCS"

// BehaviourDoc is the generated page, relative to the module root.
const BehaviourDoc = "docs/gcs-ha-ray-behaviour.md"

// downWindow is how long the head stays down before the new one starts.
const downWindow = 12 * time.Second

// TestBehaviourWhileGCSDown measures what a driver on a worker node can do
// while the head (and with it the GCS) is gone, and when each operation works
// again after a new head starts from the same rendered pod. Killing only
// gcs_server is not a separate case with the rendered pods: the head's
// `ray start --block` notices within about a second and takes the rest of
// the head down with it (see the probe part of
// TestHeadReplacementKeepsDetachedActor).
func TestBehaviourWhileGCSDown(t *testing.T) {
	venv := RequireVenv(t)
	srv := redisserver.Start(t, redisserver.Options{Password: redisPassword})
	ctx, cancel := context.WithTimeout(context.Background(), 7*time.Minute)
	defer cancel()

	c, spec := startCluster(t, venv, srv.Addr(), "obs", "obs-a", true)
	head, _ := c.mustStartHead(ctx, t, nil)
	_, workerSpec := c.mustStartWorker(ctx, t)
	dashboard := fmt.Sprintf("http://%s:%d", HeadIP, spec.Ports.Dashboard)
	obs, err := c.StartObserver(ctx, workerSpec, "OBSERVE_DASHBOARD_URL="+dashboard,
		fmt.Sprintf("OBSERVE_WINDOW_S=%d", int(downWindow.Seconds())), "OBSERVE_OP_TIMEOUT_S=150")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := obs.Next(2 * time.Minute); err != nil {
		t.Fatal(err)
	}

	killed := time.Now()
	if err := head.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := obs.Send("down"); err != nil {
		t.Fatal(err)
	}
	if _, err := obs.Next(downWindow + time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := c.NewHeadFilesystem(); err != nil {
		t.Fatal(err)
	}
	tl := NewTimeline(killed)
	tl.Mark("old head gone", killed, "every head process SIGKILLed")
	c.mustStartHead(ctx, t, tl)
	if err := obs.Send("up"); err != nil {
		t.Fatal(err)
	}
	final, err := obs.Next(4 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}

	b := behaviour{tl: tl, during: opReports(final["ops"]), after: opReports(final["after"])}
	table := b.markdown()
	t.Logf("behaviour while the head is down:\n%s\n%s", tl.Markdown(), table)
	b.check(t)
	if os.Getenv(EnvWriteDocs) == "1" {
		writeBehaviourDoc(t, tl, table)
	}
}

// opReport is one operation as the observer reports it.
type opReport struct {
	Name                string
	OK                  bool
	Start, End, FirstAt time.Time
	FirstError, Value   string
	Attempts            int
}

func opReports(v any) []opReport {
	list, _ := v.([]any)
	out := make([]opReport, 0, len(list))
	for _, item := range list {
		m, _ := item.(map[string]any)
		r := opReport{Name: fmt.Sprint(m["name"]), OK: m["ok"] == true, Start: UnixTime(m["start"]),
			End: UnixTime(m["end"]), FirstError: fmt.Sprint(m["first_error"]), Value: fmt.Sprint(m["value"])}
		if m["first_error_at"] != nil {
			r.FirstAt = UnixTime(m["first_error_at"])
		}
		if n, ok := m["attempts"].(float64); ok {
			r.Attempts = int(n)
		}
		out = append(out, r)
	}
	return out
}

// behaviour turns the observer's reports into the table.
type behaviour struct {
	tl            *Timeline
	during, after []opReport
}

func (b behaviour) newHeadStart() time.Time {
	return b.tl.Start.Add(b.tl.Since("new head process started"))
}
func (b behaviour) headReady() time.Time {
	return b.tl.Start.Add(b.tl.Since("head readiness probe passes"))
}

func (b behaviour) markdown() string {
	var s strings.Builder
	s.WriteString("| operation (driver on the worker node) | while the head is down | done, relative to the new head's start (its Ready) | fresh attempt once the new head is Ready |\n|---|---|---|---|\n")
	for i, d := range b.during {
		fresh := "—"
		if i < len(b.after) {
			fresh = b.freshCell(b.after[i])
		}
		fmt.Fprintf(&s, "| %s | %s | %s | %s |\n", d.Name, b.downCell(d), b.doneCell(d), fresh)
	}
	return s.String()
}

func (b behaviour) downCell(r opReport) string {
	start := b.newHeadStart()
	switch {
	case r.OK && r.End.Before(start):
		return fmt.Sprintf("works (%.2f s)", r.End.Sub(r.Start).Seconds())
	case !r.FirstAt.IsZero() && r.FirstAt.Before(start):
		return fmt.Sprintf("fails after %.2f s: `%s`", r.FirstAt.Sub(r.Start).Seconds(), tableSafe(r.FirstError))
	default:
		return "waits: no result, no error"
	}
}

func (b behaviour) doneCell(r opReport) string {
	switch {
	case !r.OK:
		return fmt.Sprintf("never (gave up after %.0f s): `%s`", r.End.Sub(r.Start).Seconds(), tableSafe(r.FirstError))
	case r.End.Before(b.newHeadStart()):
		return "— (done while down)"
	}
	return fmt.Sprintf("+%.2f s (Ready %+.2f s)", r.End.Sub(b.newHeadStart()).Seconds(), r.End.Sub(b.headReady()).Seconds())
}

func (b behaviour) freshCell(r opReport) string {
	if !r.OK {
		return fmt.Sprintf("fails: `%s`", tableSafe(r.FirstError))
	}
	if r.FirstError != "" {
		return fmt.Sprintf("%.2f s, after errors (`%s`)", r.End.Sub(r.Start).Seconds(), tableSafe(r.FirstError))
	}
	return fmt.Sprintf("%.2f s", r.End.Sub(r.Start).Seconds())
}

func tableSafe(s string) string {
	return strings.NewReplacer("|", "/", "`", "'", "\n", " ").Replace(s)
}

// check asserts what GCS fault tolerance promises, leaving the rest to the
// table: every operation works again after the new head, and what lives on
// the head (dashboard, State API) is unavailable while it is gone.
func (b behaviour) check(t *testing.T) {
	t.Helper()
	if len(b.during) == 0 || len(b.during) != len(b.after) {
		t.Fatalf("observer reported %d operations during and %d after", len(b.during), len(b.after))
	}
	for i, r := range b.during {
		if !r.OK {
			t.Errorf("%s never worked again after the head came back: %s", r.Name, r.FirstError)
		}
		if !b.after[i].OK {
			t.Errorf("%s fails on the recovered cluster: %s", b.after[i].Name, b.after[i].FirstError)
		}
		headOnly := strings.HasPrefix(r.Name, "dashboard") || strings.HasPrefix(r.Name, "State API")
		if headOnly && r.OK && r.End.Before(b.newHeadStart()) {
			t.Errorf("%s answered while the head was gone", r.Name)
		}
	}
}

func writeBehaviourDoc(t *testing.T, tl *Timeline, table string) {
	t.Helper()
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	var s strings.Builder
	s.WriteString("<!-- Generated by TestBehaviourWhileGCSDown (test/ray, `make test-ray`). Do not edit. -->\n\n")
	s.WriteString("# What Ray does while the GCS is down, measured\n\n")
	fmt.Fprintf(&s, "Ray %s from the pods the `ray-cluster` chart renders (GCS fault tolerance on a real `redis-server`), "+
		"run as local processes: one head (`num-cpus: 0`) and one worker. A driver on the worker node holds an actor, a "+
		"placement group, an object and a running 8 s task; then every process of the head is SIGKILLed. Each operation "+
		"below starts right after the kill and retries until it succeeds (150 s at most). After %.0f s a new head starts "+
		"from the same rendered pod; once it is Ready each operation is tried afresh. Measured on %s; one run, 2 shared CPUs.\n\n",
		RayVersion, downWindow.Seconds(), time.Now().UTC().Format("2006-01-02"))
	s.WriteString("The head, from the kill:\n\n")
	s.WriteString(tl.Markdown())
	s.WriteString("\nThe operations:\n\n")
	s.WriteString(table)
	s.WriteString("\nReading the table: \"works\" answered while no head existed; \"fails\" raised an error before the new head " +
		"started (the operation kept retrying); \"waits\" neither answered nor failed until the head was back. The third column is " +
		"when the operation first succeeded, from the new head process's start and from its readiness probe passing.\n")
	path := filepath.Join(root, BehaviourDoc)
	s.WriteString(keptSection(path))
	if err := os.WriteFile(path, []byte(s.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", BehaviourDoc)
}

// keptSectionBegin and keptSectionEnd mark the part of BehaviourDoc that
// other tests' measurements fill (the long outage): a rewrite keeps it.
const (
	keptSectionBegin = "<!-- BEGIN kept:"
	keptSectionEnd   = "<!-- END kept -->\n"
)

// keptSection is the marked part of the page at path, with a blank line
// before it; empty when the page or the part does not exist.
func keptSection(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	old := string(b)
	i, j := strings.Index(old, keptSectionBegin), strings.Index(old, keptSectionEnd)
	if i < 0 || j < i {
		return ""
	}
	return "\n" + old[i:j+len(keptSectionEnd)]
}
