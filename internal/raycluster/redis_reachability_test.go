/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
	"github.com/ray-ha-operator/ray-ha-operator/test/tlsutil"
)

// startSecretsAPI starts envtest (a real API server) and returns a client
// and a fresh namespace for Secrets and ConfigMaps.
func startSecretsAPI(t *testing.T) (client.Client, string) {
	t.Helper()
	_, cfg := testbin.StartEnvtest(t, testbin.EnvtestOptions{})
	c, err := client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "redis-"}}
	if err := c.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return c, ns.Name
}

func secretSel(name, key string) *corev1.SecretKeySelector {
	return &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}
}

func passwordFrom(ref *corev1.SecretKeySelector) func(*rayv1.RayCluster) {
	return func(rc *rayv1.RayCluster) {
		rc.Spec.GcsFaultToleranceOptions.RedisPassword = &rayv1.RedisCredential{ValueFrom: &corev1.EnvVarSource{SecretKeyRef: ref}}
	}
}

func inNamespace(ns string) func(*rayv1.RayCluster) {
	return func(rc *rayv1.RayCluster) { rc.Namespace = ns }
}

func mustCreateObj(ctx context.Context, t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	if err := c.Create(ctx, obj); err != nil {
		t.Fatal(err)
	}
}

// TestResolveRedisConfigReferences reads Secrets and ConfigMaps from a real
// API server: found, missing, missing key, optional, legacy ConfigMap
// address, and a CA from either kind.
func TestResolveRedisConfigReferences(t *testing.T) {
	c, ns := startSecretsAPI(t)
	ctx := context.Background()
	mustCreateObj(ctx, t, c, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "redis"},
		Data: map[string][]byte{"password": []byte("from-secret"), "tls": []byte("SECRET-CA")}})
	mustCreateObj(ctx, t, c, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "redis-conf"},
		Data: map[string]string{"address": "redis.db:6379", "ca.crt": "CONFIGMAP-CA"}})

	cases := map[string]struct {
		rc       *rayv1.RayCluster
		password string
		address  string
		ca       string
		missing  *MissingReferenceError
	}{
		"password from a Secret": {
			rc: ftCluster(inNamespace(ns), passwordFrom(secretSel("redis", "password"))), password: "from-secret", address: "redis:6379",
		},
		"Secret missing": {
			rc: ftCluster(inNamespace(ns), passwordFrom(secretSel("nope", "password"))),
			missing: &MissingReferenceError{Field: "spec.gcsFaultToleranceOptions.redisPassword.valueFrom.secretKeyRef",
				Kind: "Secret", Namespace: ns, Name: "nope", Key: "password"},
		},
		"key missing": {
			rc: ftCluster(inNamespace(ns), passwordFrom(secretSel("redis", "pw"))),
			missing: &MissingReferenceError{Field: "spec.gcsFaultToleranceOptions.redisPassword.valueFrom.secretKeyRef",
				Kind: "Secret", Namespace: ns, Name: "redis", Key: "pw", KeyMissing: true},
		},
		"optional Secret missing means no password": {
			rc: ftCluster(inNamespace(ns), passwordFrom(&corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}, Key: "k", Optional: ptr.To(true)})),
			address: "redis:6379",
		},
		"legacy address from a ConfigMap": {
			rc: ftCluster(inNamespace(ns), legacyFT(corev1.EnvVar{Name: rayv1.EnvRedisAddress, ValueFrom: &corev1.EnvVarSource{
				ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "redis-conf"}, Key: "address"}}})),
			address: "redis.db:6379",
		},
		"CA from a ConfigMap": {
			rc: ftCluster(inNamespace(ns), func(rc *rayv1.RayCluster) { rc.Spec.GcsFaultToleranceOptions.RedisAddress = "rediss://r:1" },
				annotate(AnnotationRedisCAConfigMap, "redis-conf")),
			password: "s3cret", address: "rediss://r:1", ca: "CONFIGMAP-CA",
		},
		"CA from a Secret with its own key": {
			rc: ftCluster(inNamespace(ns), func(rc *rayv1.RayCluster) { rc.Spec.GcsFaultToleranceOptions.RedisAddress = "rediss://r:1" },
				annotate(AnnotationRedisCASecret, "redis", AnnotationRedisCAKey, "tls")),
			password: "s3cret", address: "rediss://r:1", ca: "SECRET-CA",
		},
		"CA Secret missing": {
			rc: ftCluster(inNamespace(ns), func(rc *rayv1.RayCluster) { rc.Spec.GcsFaultToleranceOptions.RedisAddress = "rediss://r:1" },
				annotate(AnnotationRedisCASecret, "gone")),
			missing: &MissingReferenceError{Field: "metadata.annotations[ray-ha.io/redis-ca-secret]",
				Kind: "Secret", Namespace: ns, Name: "gone", Key: "ca.crt"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ResolveRedisConfig(ctx, c, tc.rc)
			if tc.missing != nil {
				var m *MissingReferenceError
				if !errors.As(err, &m) {
					t.Fatalf("got %v, want %v", err, tc.missing)
				}
				if *m != *tc.missing {
					t.Errorf("got %+v, want %+v", *m, *tc.missing)
				}
				if !strings.Contains(err.Error(), tc.missing.Field) || !strings.Contains(err.Error(), tc.missing.Name) {
					t.Errorf("message %q does not name the field and the object", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Password != tc.password || got.Address != tc.address {
				t.Errorf("address %q password %q, want %q %q", got.Address, got.Password, tc.address, tc.password)
			}
			if tc.ca != "" && (got.TLS == nil || string(got.TLS.CAPEM) != tc.ca) {
				t.Errorf("TLS %+v, want CA %q", got.TLS, tc.ca)
			}
		})
	}
}

// countingReader counts API reads.
type countingReader struct {
	client.Reader
	n atomic.Int32
}

func (r *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	r.n.Add(1)
	return r.Reader.Get(ctx, key, obj, opts...)
}

// reachFixture drives the reachability hook against a real API server and
// a real redis-server, with a fake clock and a counted probe.
type reachFixture struct {
	hook   *RedisReachability
	clock  *clocktesting.FakeClock
	events *events.FakeRecorder
	probes atomic.Int32
	obj    *unstructured.Unstructured
}

func newReachFixture(t *testing.T, secrets client.Reader, rc *rayv1.RayCluster) *reachFixture {
	t.Helper()
	f := &reachFixture{clock: clocktesting.NewFakeClock(t0()), events: events.NewFakeRecorder(20)}
	probe := func(ctx context.Context, o rayredis.Options) rayredis.ProbeResult {
		f.probes.Add(1)
		return rayredis.Probe(ctx, o)
	}
	// The probe is real and the machine may be loaded: a generous timeout,
	// which no case waits out (every failure here is refused at once).
	f.hook = NewRedisReachability(secrets, f.events, f.clock, probe, ReachabilityOptions{Interval: 30 * time.Second, Timeout: 10 * time.Second})
	metrics, err := NewRedisMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	f.hook.Metrics = metrics
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rc)
	if err != nil {
		t.Fatal(err)
	}
	f.obj = &unstructured.Unstructured{Object: m}
	return f
}

// run calls the hook and returns the condition it left.
func (f *reachFixture) run(t *testing.T) (helm.Result, *metav1.Condition, *rayv1.RedisStatus) {
	t.Helper()
	res, err := f.hook.PreReconcile(context.Background(), &helm.Request{Object: f.obj})
	if err != nil {
		t.Fatalf("PreReconcile: %v", err)
	}
	if res.Stop {
		t.Fatalf("the Redis check stopped the apply: %+v", res)
	}
	rc, err := FromObject(f.obj)
	if err != nil {
		t.Fatal(err)
	}
	return res, meta.FindStatusCondition(rc.Status.Conditions, string(rayv1.RedisReachable)), rc.Status.Redis
}

// unreachable is the value of the unreachable-clusters gauge.
func (f *reachFixture) unreachable() float64 {
	return testutil.ToFloat64(f.hook.Metrics.unreachable)
}

// nextEvent returns the next recorded event, "" when there is none.
func (f *reachFixture) nextEvent() string {
	select {
	case e := <-f.events.Events:
		return e
	default:
		return ""
	}
}

func expectCondition(t *testing.T, c *metav1.Condition, st *rayv1.RedisStatus, status metav1.ConditionStatus, reason string) {
	t.Helper()
	if c == nil || c.Status != status || c.Reason != reason {
		t.Fatalf("condition %+v, want %s/%s", c, status, reason)
	}
	if st == nil || st.Reachable != (status == metav1.ConditionTrue) || st.LastCheckTime == nil || st.Message != c.Message {
		t.Fatalf("status.redis %+v does not match the condition %+v", st, c)
	}
}

// TestRedisReachabilityUpDownWrongPassword: a real redis-server with a
// password from a Secret; the hook sees it up, down and back, and a wrong
// password; probes are rate-limited and events are sent on transitions only.
func TestRedisReachabilityUpDownWrongPassword(t *testing.T) {
	c, ns := startSecretsAPI(t)
	ctx := context.Background()
	srv := redisserver.Start(t, redisserver.Options{Password: "right-pw"})
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "redis"},
		Data: map[string][]byte{"password": []byte("right-pw")}}
	mustCreateObj(ctx, t, c, secret)
	reads := &countingReader{Reader: c}
	f := newReachFixture(t, reads, ftCluster(inNamespace(ns), passwordFrom(secretSel("redis", "password")),
		func(rc *rayv1.RayCluster) { rc.Spec.GcsFaultToleranceOptions.RedisAddress = srv.Addr() }))

	res, cond, st := f.run(t)
	expectCondition(t, cond, st, metav1.ConditionTrue, rayv1.ReasonRedisPingSucceeded)
	// A healthy Redis is checked again after the interval too: an outage
	// in steady state must show without waiting for the reconcile period.
	if res.RequeueAfter != 30*time.Second || f.nextEvent() != "" {
		t.Errorf("healthy Redis: requeue %s, want the interval and no event", res.RequeueAfter)
	}

	// Within the interval the last result stands: no probe, nothing written.
	srv.Stop()
	f.clock.Step(10 * time.Second)
	before, readsBefore := f.probes.Load(), reads.n.Load()
	if _, cond, _ = f.run(t); f.probes.Load() != before || cond.Status != metav1.ConditionTrue {
		t.Fatalf("probed again within the interval (%d probes) or changed the condition: %+v", f.probes.Load(), cond)
	}
	if reads.n.Load() != readsBefore {
		t.Errorf("a reconcile within the interval read %d Secrets", reads.n.Load()-readsBefore)
	}

	f.clock.Step(25 * time.Second)
	res, cond, st = f.run(t)
	expectCondition(t, cond, st, metav1.ConditionFalse, rayv1.ReasonRedisUnreachable)
	if res.RequeueAfter != 30*time.Second {
		t.Errorf("Redis down: requeue %s, want the interval", res.RequeueAfter)
	}
	if e := f.nextEvent(); !strings.HasPrefix(e, "Warning RedisUnreachable") {
		t.Errorf("event %q, want a RedisUnreachable warning", e)
	}
	f.clock.Step(31 * time.Second)
	f.run(t)
	if e := f.nextEvent(); e != "" {
		t.Errorf("a second event for the same outage: %q", e)
	}
	if got := f.unreachable(); got != 1 {
		t.Errorf("%s = %v during the outage, want 1", MetricRedisUnreachableClusters, got)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	f.clock.Step(31 * time.Second)
	_, cond, st = f.run(t)
	expectCondition(t, cond, st, metav1.ConditionTrue, rayv1.ReasonRedisPingSucceeded)
	if e := f.nextEvent(); !strings.HasPrefix(e, "Normal RedisReachable") {
		t.Errorf("event %q, want RedisReachable", e)
	}
	if got := f.unreachable(); got != 0 {
		t.Errorf("%s = %v with Redis back, want 0", MetricRedisUnreachableClusters, got)
	}

	// A password rotated in the Secret is seen at the next due check (the
	// Secret is not read in between).
	secret.Data["password"] = []byte("wrong-pw")
	if err := c.Update(ctx, secret); err != nil {
		t.Fatal(err)
	}
	f.clock.Step(time.Second)
	if _, cond, _ = f.run(t); cond.Status != metav1.ConditionTrue {
		t.Fatalf("checked before it was due: %+v", cond)
	}
	f.clock.Step(30 * time.Second)
	_, cond, st = f.run(t)
	expectCondition(t, cond, st, metav1.ConditionFalse, rayv1.ReasonRedisAuthFailed)
	if e := f.nextEvent(); !strings.HasPrefix(e, "Warning RedisAuthFailed") {
		t.Errorf("event %q, want RedisAuthFailed", e)
	}
	if strings.Contains(cond.Message, "wrong-pw") || strings.Contains(cond.Message, "right-pw") {
		t.Errorf("condition shows a password: %q", cond.Message)
	}

	// A change of the spec's settings is checked at once.
	f.setAddress(t, "127.0.0.1:1")
	f.clock.Step(time.Second)
	_, cond, st = f.run(t)
	expectCondition(t, cond, st, metav1.ConditionFalse, rayv1.ReasonRedisUnreachable)
}

// setAddress changes the cluster's redisAddress, as a spec edit would.
func (f *reachFixture) setAddress(t *testing.T, addr string) {
	t.Helper()
	rc, err := FromObject(f.obj)
	if err != nil {
		t.Fatal(err)
	}
	rc.Spec.GcsFaultToleranceOptions.RedisAddress = addr
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rc)
	if err != nil {
		t.Fatal(err)
	}
	f.obj.Object = m
}

// TestRedisReachabilityMissingSecret: the condition names the field and the
// Secret, the hook asks to look again soon, and once the Secret is created
// the next reconcile finds Redis.
func TestRedisReachabilityMissingSecret(t *testing.T) {
	c, ns := startSecretsAPI(t)
	ctx := context.Background()
	srv := redisserver.Start(t, redisserver.Options{Password: "pw"})
	f := newReachFixture(t, c, ftCluster(inNamespace(ns), passwordFrom(secretSel("late", "password")),
		func(rc *rayv1.RayCluster) { rc.Spec.GcsFaultToleranceOptions.RedisAddress = srv.Addr() }))

	res, cond, st := f.run(t)
	expectCondition(t, cond, st, metav1.ConditionFalse, rayv1.ReasonRedisCredentialsUnavailable)
	for _, want := range []string{"spec.gcsFaultToleranceOptions.redisPassword.valueFrom.secretKeyRef", `late`} {
		if !strings.Contains(cond.Message, want) {
			t.Errorf("message %q does not name %s", cond.Message, want)
		}
	}
	if res.RequeueAfter != 5*time.Second {
		t.Errorf("requeue %s, want 5s", res.RequeueAfter)
	}
	if e := f.nextEvent(); !strings.HasPrefix(e, "Warning RedisCredentialsUnavailable") {
		t.Errorf("event %q, want RedisCredentialsUnavailable", e)
	}
	if res, _, _ = f.run(t); res.RequeueAfter != 5*time.Second {
		t.Errorf("before the backoff is over: requeue %s, want the 5s left", res.RequeueAfter)
	}
	f.clock.Step(5 * time.Second)
	if res, _, _ = f.run(t); res.RequeueAfter != 10*time.Second || f.nextEvent() != "" {
		t.Errorf("second miss: requeue %s (want 10s backoff), or a repeated event", res.RequeueAfter)
	}

	mustCreateObj(ctx, t, c, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "late"},
		Data: map[string][]byte{"password": []byte("pw")}})
	f.clock.Step(10 * time.Second)
	_, cond, st = f.run(t)
	expectCondition(t, cond, st, metav1.ConditionTrue, rayv1.ReasonRedisPingSucceeded)
}

// TestRedisReachabilityTLS: rediss:// with the CA from a Secret passes; the
// same server without the CA fails as TLSFailed.
func TestRedisReachabilityTLS(t *testing.T) {
	c, ns := startSecretsAPI(t)
	ctx := context.Background()
	ca := tlsutil.NewCA(t, "redis-test-ca")
	files := ca.WriteServerFiles(t, t.TempDir(), "127.0.0.1")
	srv := redisserver.Start(t, redisserver.Options{Password: "pw",
		TLS: &redisserver.TLSFiles{CertFile: files.CertFile, KeyFile: files.KeyFile, CAFile: files.CAFile}})
	mustCreateObj(ctx, t, c, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "redis-ca"},
		Data: map[string][]byte{"ca.crt": ca.CertPEM}})
	address := func(rc *rayv1.RayCluster) {
		rc.Spec.GcsFaultToleranceOptions.RedisAddress = "rediss://" + srv.Addr()
		rc.Spec.GcsFaultToleranceOptions.RedisPassword = &rayv1.RedisCredential{Value: "pw"}
	}

	cases := map[string]struct {
		mut    func(*rayv1.RayCluster)
		status metav1.ConditionStatus
		reason string
	}{
		"CA from a Secret":        {mut: annotate(AnnotationRedisCASecret, "redis-ca"), status: metav1.ConditionTrue, reason: rayv1.ReasonRedisPingSucceeded},
		"system roots only":       {mut: func(*rayv1.RayCluster) {}, status: metav1.ConditionFalse, reason: rayv1.ReasonRedisTLSFailed},
		"wrong server name":       {mut: annotate(AnnotationRedisCASecret, "redis-ca", AnnotationRedisTLSServerName, "other.example"), status: metav1.ConditionFalse, reason: rayv1.ReasonRedisTLSFailed},
		"skip-verify when asked":  {mut: annotate(AnnotationRedisTLSInsecureSkipVerify, "true"), status: metav1.ConditionTrue, reason: rayv1.ReasonRedisPingSucceeded},
		"CA Secret not there yet": {mut: annotate(AnnotationRedisCASecret, "absent"), status: metav1.ConditionFalse, reason: rayv1.ReasonRedisCredentialsUnavailable},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newReachFixture(t, c, ftCluster(inNamespace(ns), address, tc.mut))
			_, cond, st := f.run(t)
			expectCondition(t, cond, st, tc.status, tc.reason)
		})
	}
}

// TestRedisReachabilityFTOff: a cluster without fault tolerance has no
// RedisReachable condition and no status.redis, and nothing is probed.
func TestRedisReachabilityFTOff(t *testing.T) {
	rc := ftCluster(func(rc *rayv1.RayCluster) {
		rc.Spec.GcsFaultToleranceOptions = nil
		rc.Status.Redis = &rayv1.RedisStatus{Reachable: true}
		rc.Status.Conditions = []metav1.Condition{
			{Type: string(rayv1.RedisReachable), Status: metav1.ConditionTrue, Reason: rayv1.ReasonRedisPingSucceeded},
			{Type: string(rayv1.Deployed), Status: metav1.ConditionTrue, Reason: rayv1.ReasonInstallSuccessful},
		}
	})
	f := newReachFixture(t, nil, rc)
	_, cond, st := f.run(t)
	if cond != nil || st != nil || f.probes.Load() != 0 {
		t.Errorf("FT off: condition %+v, status %+v, %d probes; want none", cond, st, f.probes.Load())
	}
	back, _ := FromObject(f.obj)
	if meta.FindStatusCondition(back.Status.Conditions, string(rayv1.Deployed)) == nil {
		t.Errorf("the reconciler's condition was dropped")
	}
}
