package helm

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// seqObserver hands each reconcile a new sequence number.
type seqObserver struct{ n atomic.Int64 }

func (o *seqObserver) Observe(context.Context, *Request) (any, error) { return o.n.Add(1), nil }

// observationWriter writes the observation it is handed under
// status.<field>: as a pre-hook (ordered before any hook that stops) and as
// a status projector.
type observationWriter struct{ field string }

func (w observationWriter) PreReconcile(_ context.Context, req *Request) (Result, error) {
	return Result{}, w.write(req)
}

func (w observationWriter) ProjectStatus(_ context.Context, req *Request) (Result, error) {
	return Result{}, w.write(req)
}

func (w observationWriter) write(req *Request) error {
	seq, ok := req.Observation.(int64)
	if !ok {
		return fmt.Errorf("observation %T, want the observer's int64", req.Observation)
	}
	return unstructured.SetNestedField(req.Object.Object, seq, "status", w.field)
}

// projected reads what the projector and the pre-hook last wrote.
func projected(u *unstructured.Unstructured) (proj, pre int64) {
	proj, _, _ = unstructured.NestedInt64(u.Object, "status", "projected")
	pre, _, _ = unstructured.NestedInt64(u.Object, "status", "preHookSaw")
	return proj, pre
}

// TestStatusProjectedOnEveryPath: one observation per reconcile, handed to
// the pre-hooks and the status projectors alike, and the projection runs
// whether the apply succeeded, a hook stopped it, Helm rejected the inputs,
// the rejected inputs are held back, or a pending release is waited on.
func TestStatusProjectedOnEveryPath(t *testing.T) {
	api := startAPIServer(t)
	obs := &seqObserver{}
	op := api.startOperator(t, func(o *Options) {
		o.Observer = obs
		o.PreHooks = []PreReconcileHook{observationWriter{field: "preHookSaw"}, validatingHook{}}
		o.StatusProjectors = []StatusProjector{observationWriter{field: "projected"}}
		o.PendingGrace = time.Minute
		o.MaxRetryBackoff = time.Second
		o.MaxRejectedBackoff = time.Minute
	})
	ctx := context.Background()
	patch := func(p string) {
		t.Helper()
		if err := api.client.Patch(ctx, api.getWidget(t, op.ns, "w"), client.RawPatch("application/merge-patch+json", []byte(p))); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name string
		act  func()
		// reached tells that the reconcile of the path has run.
		reached func(u *unstructured.Unstructured) error
	}{
		{name: "deployed", act: func() {
			if err := api.client.Create(ctx, newWidget(op.ns, "w", map[string]any{"replicas": int64(1)})); err != nil {
				t.Fatal(err)
			}
		}, reached: condition(ConditionDeployed, metav1.ConditionTrue, "")},
		{name: "stopped by a pre-hook", act: func() { patch(`{"spec":{"invalid":true}}`) },
			reached: condition(ConditionIrreconcilable, metav1.ConditionTrue, ReasonPreReconcileHookFailed)},
		{name: "rejected by the chart", act: func() { patch(`{"spec":{"invalid":null,"failRender":"no"}}`) },
			reached: condition(ConditionIrreconcilable, metav1.ConditionTrue, "")},
		{name: "held back", act: func() { patch(`{"metadata":{"annotations":{"poke":"1"}}}`) }, reached: nil},
		{name: "pending release waited on", act: func() {
			writeStuckRelease(t, api.directStorage(t, op.ns), op.ns, "w", 2, release.StatusPendingUpgrade, time.Now())
			patch(`{"spec":{"failRender":null,"replicas":2}}`)
		}, reached: condition(ConditionIrreconcilable, metav1.ConditionTrue, ReasonErrorGettingReleaseState)},
	}
	var last int64
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			before := obs.n.Load()
			s.act()
			eventually(t, 20*time.Second, s.name, func() error {
				u := api.getWidget(t, op.ns, "w")
				if s.reached != nil {
					if err := s.reached(u); err != nil {
						return err
					}
				}
				proj, pre := projected(u)
				switch {
				case proj <= before || proj <= last:
					return fmt.Errorf("status.projected = %d, not from a reconcile after the step (observations before: %d)", proj, before)
				case pre != proj:
					return fmt.Errorf("the pre-hook saw observation %d, the projector %d: one reconcile, one observation", pre, proj)
				}
				last = proj
				return nil
			})
		})
	}
}

// condition checks one condition of a widget ("" reason: any).
func condition(typ string, status metav1.ConditionStatus, reason string) func(*unstructured.Unstructured) error {
	return func(u *unstructured.Unstructured) error {
		c := findCondition(u, typ)
		if c == nil || c.Status != status || (reason != "" && c.Reason != reason) {
			return fmt.Errorf("%s is %+v, want %s/%s", typ, c, status, reason)
		}
		return nil
	}
}

// countingRecorder counts the events the reconciler emits, by reason. The
// Event objects cannot tell: the events API folds a repeated event into a
// series that reaches the API server minutes later.
type countingRecorder struct {
	events.EventRecorder
	mu sync.Mutex
	n  map[string]int
}

func (c *countingRecorder) Eventf(regarding, related runtime.Object, typ, reason, action, note string, args ...any) {
	c.mu.Lock()
	c.n[reason]++
	c.mu.Unlock()
	c.EventRecorder.Eventf(regarding, related, typ, reason, action, note, args...)
}

func (c *countingRecorder) count(reason string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[reason]
}

// TestRejectedInputsBackOffAndAreReportedOnce: inputs the chart or the API
// server rejects are tried with a doubling wait, not every few seconds, and
// give one Warning event per distinct failure however many tries; a fix is
// applied at once.
func TestRejectedInputsBackOffAndAreReportedOnce(t *testing.T) {
	const base, capped = 200 * time.Millisecond, 800 * time.Millisecond
	api := startAPIServer(t)
	tests := map[string]struct {
		installed bool           // installed with a good spec first
		create    map[string]any // spec the widget is created with
		first     string         // patch that is rejected ("": the created spec is)
		second    string         // patch rejected for another reason
		fix       string
		reason    string // of the Warning event
	}{
		"the chart refuses the values": {create: map[string]any{"replicas": int64(1), "failRender": "no A"}, second: `{"spec":{"failRender":"no B"}}`,
			fix: `{"spec":{"failRender":null}}`, reason: EventInstallFailed},
		"the API server refuses an immutable field": {installed: true, create: map[string]any{"replicas": int64(1)}, first: `{"spec":{"tier":"a"}}`, second: `{"spec":{"tier":"b"}}`,
			fix: `{"spec":{"tier":null}}`, reason: EventUpgradeFailed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rec := &countingRecorder{n: map[string]int{}}
			ns := namespaceFor(t.Name())
			if err := api.client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
				t.Fatal(err)
			}
			op := api.startOperatorWith(t, ns, func(o *Options) {
				o.MaxRetryBackoff, o.MaxRejectedBackoff = base, capped
			}, func(r *Reconciler) { rec.EventRecorder, r.recorder = r.recorder, rec })
			ctx := context.Background()
			patch := func(p string) {
				t.Helper()
				if err := api.client.Patch(ctx, api.getWidget(t, op.ns, "w"), client.RawPatch("application/merge-patch+json", []byte(p))); err != nil {
					t.Fatal(err)
				}
			}
			if tc.installed {
				if err := api.client.Create(ctx, newWidget(op.ns, "w", tc.create)); err != nil {
					t.Fatal(err)
				}
				api.waitDeployed(t, op.ns, "w", 1)
			}
			began := time.Now()
			if tc.installed {
				patch(tc.first)
			} else if err := api.client.Create(ctx, newWidget(op.ns, "w", tc.create)); err != nil {
				t.Fatal(err)
			}
			// Four tries take at least the three waits between them.
			waitTries(t, api, op, 4)
			if took, least := time.Since(began), base+2*base+capped; took < least {
				t.Errorf("4 tries took %s, want at least %s of backoff", took, least)
			}
			if n := rec.count(tc.reason); n != 1 {
				t.Errorf("%d %s events after 4 tries of one failure, want 1", n, tc.reason)
			}
			patch(tc.second)
			waitTries(t, api, op, 2)
			if n := rec.count(tc.reason); n != 2 {
				t.Errorf("%d %s events after a second distinct failure, want 2", n, tc.reason)
			}
			patch(tc.fix)
			eventually(t, 20*time.Second, "applied after the fix", func() error {
				return api.conditionIs(op.ns, "w", ConditionReleaseFailed, metav1.ConditionFalse, ReasonReleaseSucceeded)
			})
			if n := rec.count(tc.reason); n != 2 {
				t.Errorf("%d %s events in all, want 2 (one per distinct failure)", n, tc.reason)
			}
		})
	}
}

// waitTries waits until Irreconcilable reports the nth try of the current
// rejected inputs.
func waitTries(t *testing.T, api *apiServer, op *operator, n int) {
	t.Helper()
	want := fmt.Sprintf("(try %d)", n)
	eventually(t, 30*time.Second, "rejected "+want, func() error {
		c := findCondition(api.getWidget(t, op.ns, "w"), ConditionIrreconcilable)
		if c == nil || c.Status != metav1.ConditionTrue || !strings.Contains(c.Message, rejectedNote+" "+want) {
			return fmt.Errorf("Irreconcilable %+v, want %q", c, want)
		}
		return nil
	})
}
