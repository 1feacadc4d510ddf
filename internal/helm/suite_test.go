package helm

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

var widgetGVK = schema.GroupVersionKind{Group: "test.ray-ha-operator.dev", Version: "v1", Kind: "Widget"}

// apiServer is one envtest API server shared by the sub-tests of a test;
// each sub-test runs its own manager restricted to its own namespace.
type apiServer struct {
	cfg    *rest.Config
	client client.Client // the test's own client: not counted
}

func startAPIServer(t *testing.T) *apiServer {
	t.Helper()
	_, cfg := testbin.StartEnvtest(t, testbin.EnvtestOptions{CRDDirs: []string{"internal/helm/testdata/crd"}})
	c, err := client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return &apiServer{cfg: cfg, client: c}
}

// requestCounter records the API requests of the operator's manager.
type requestCounter struct {
	mu       sync.Mutex
	requests []string // "METHOD path?query"
}

func (c *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		c.mu.Lock()
		c.requests = append(c.requests, req.Method+" "+req.URL.Path+"?"+req.URL.RawQuery)
		c.mu.Unlock()
		return rt.RoundTrip(req)
	})
}

func (c *requestCounter) mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.requests)
}

func (c *requestCounter) since(mark int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.requests[mark:]...)
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// operator is a running manager with one Helm reconciler for Widgets.
type operator struct {
	ns       string
	counter  *requestCounter
	rec      *Reconciler
	postRuns *countingPostHook
	stop     func()
}

// startOperator creates a namespace and runs a manager watching only it.
func (a *apiServer) startOperator(t *testing.T, mutate func(*Options)) *operator {
	t.Helper()
	ns := namespaceFor(t.Name())
	if err := a.client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatalf("creating namespace %s: %v", ns, err)
	}
	return a.startOperatorIn(t, ns, mutate)
}

// startOperatorIn runs a manager for an existing namespace.
func (a *apiServer) startOperatorIn(t *testing.T, ns string, mutate func(*Options)) *operator {
	t.Helper()
	return a.startOperatorWith(t, ns, mutate, nil)
}

// startOperatorWith is startOperatorIn with a last change to the wired
// Reconciler before the manager starts (a test's own cache reader).
func (a *apiServer) startOperatorWith(t *testing.T, ns string, mutate func(*Options), rewire func(*Reconciler)) *operator {
	t.Helper()
	w := loadTestWatch(t)
	post := &countingPostHook{}
	opts := OptionsFromWatch(w)
	opts.PostHooks = []PostReconcileHook{post}
	opts.PendingGrace = 2 * time.Second
	opts.OperatorVersion = "test"
	opts.Namespaces = []string{ns}
	if mutate != nil {
		mutate(&opts)
	}
	rec, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	counter := &requestCounter{}
	cfg := rest.CopyConfig(a.cfg)
	cfg.Wrap(counter.wrap)
	skip := true
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 clientgoscheme.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{ns: {}}},
		Controller:             config.Controller{SkipNameValidation: &skip},
		Logger:                 testr.NewWithOptions(t, testr.Options{Verbosity: 0}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	if rewire != nil {
		rewire(rec)
	}
	ctx, cancel := context.WithCancel(log.IntoContext(context.Background(), testr.New(t)))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return &operator{ns: ns, counter: counter, rec: rec, postRuns: post, stop: stop}
}

var nonDNS = regexp.MustCompile(`[^a-z0-9]+`)

// namespaceFor turns a test name into a valid, unique namespace name.
func namespaceFor(testName string) string {
	ns := nonDNS.ReplaceAllString(strings.ToLower(testName), "-")
	ns = strings.TrimPrefix(ns, "test")
	if len(ns) > 50 {
		ns = ns[len(ns)-50:]
	}
	return strings.Trim(ns, "-") + fmt.Sprintf("-%d", time.Now().UnixNano()%100000)
}

func loadTestWatch(t *testing.T) Watch {
	t.Helper()
	ws, err := LoadWatches(filepath.Join("testdata", "watches.yaml"), nil, WatchDefaults{})
	if err != nil {
		t.Fatal(err)
	}
	return ws[0]
}

// countingPostHook counts post-reconcile runs, so a test knows a reconcile
// completed.
type countingPostHook struct {
	mu sync.Mutex
	n  int
}

func (h *countingPostHook) PostReconcile(context.Context, *Request) (Result, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n++
	return Result{}, nil
}

func (h *countingPostHook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

func newWidget(ns, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetGroupVersionKind(widgetGVK)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

func (a *apiServer) getWidget(t *testing.T, ns, name string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(widgetGVK)
	if err := a.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, u); err != nil {
		t.Fatalf("getting widget %s/%s: %v", ns, name, err)
	}
	return u
}

// eventually waits (harness.Eventually) until cond returns nil; cond's
// last error is what the test reports when it does not.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	harness.Eventually(t, timeout, what, func(context.Context) (bool, string, error) {
		if err := cond(); err != nil {
			return false, err.Error(), nil
		}
		return true, "", nil
	})
}

// conditionIs checks one condition of a widget.
func (a *apiServer) conditionIs(ns, name, typ string, status metav1.ConditionStatus, reason string) error {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(widgetGVK)
	if err := a.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, u); err != nil {
		return err
	}
	c := findCondition(u, typ)
	if c == nil {
		return fmt.Errorf("no %s condition", typ)
	}
	if c.Status != status || (reason != "" && c.Reason != reason) {
		return fmt.Errorf("%s is %s/%s (%s), want %s/%s", typ, c.Status, c.Reason, c.Message, status, reason)
	}
	return nil
}

// waitDeployed waits for Deployed=True at the given revision.
func (a *apiServer) waitDeployed(t *testing.T, ns, name string, revision int64) {
	t.Helper()
	eventually(t, 30*time.Second, fmt.Sprintf("%s/%s deployed at revision %d", ns, name, revision), func() error {
		if err := a.conditionIs(ns, name, ConditionDeployed, metav1.ConditionTrue, ""); err != nil {
			return err
		}
		u := a.getWidget(t, ns, name)
		rev, _, _ := unstructured.NestedInt64(u.Object, "status", "deployedRelease", "revision")
		if rev != revision {
			return fmt.Errorf("deployedRelease.revision = %d", rev)
		}
		return nil
	})
}

// hasEvent finds an event about the named object with the given reason.
func (a *apiServer) hasEvent(ns, name, reason string) error {
	var list eventsv1.EventList
	if err := a.client.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		return err
	}
	var seen []string
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Reason == reason {
			return nil
		}
		seen = append(seen, e.Reason)
	}
	return fmt.Errorf("no %s event for %s (events: %v)", reason, name, seen)
}

// objectExists reports whether a typed object exists.
func (a *apiServer) objectExists(obj client.Object) (bool, error) {
	err := a.client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}
