/*
Copyright 2026 The ray-ha-operator Authors.
*/

package reliability

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
)

// Bounds of the outage scenarios. The operator under test probes Redis at
// most once a second per cluster with a 500 ms timeout and gives a Redis
// clean-up 5 s (see e2e.Env); the bounds leave room for a loaded machine
// but are far below what a hot loop would produce.
const (
	// redisWindow is how long reconciles and probes are counted.
	redisWindow = 10 * time.Second
	// redisMaxReconciles bounds the reconciles of one cluster in a window:
	// about one per probe interval, plus the pod and status events.
	redisMaxReconciles = 30
	// redisMaxProbes bounds the connections to one Redis in a window.
	redisMaxProbes = 20
	// redisMaxWrites bounds the writes to a RayCluster in a window while
	// Redis stays down: an unchanged verdict is not written again.
	redisMaxWrites = 3
	// redisVerdict bounds how long a change in Redis takes to show.
	redisVerdict = 20 * time.Second
	// redisDeleteBound bounds a delete whose clean-up cannot reach Redis:
	// the 5 s deletion timeout plus the uninstall and a loaded machine.
	redisDeleteBound = 45 * time.Second
)

// TestRedisOutages breaks the GCS Redis of a running operator in every
// phase of a cluster's life: down at create, in steady state, during a head
// recovery and during delete; a wrong password; a Redis that answers slower
// than the probe timeout. In each, RedisReachable tells the truth, the
// operator neither spins (reconciles, probes and writes are counted over a
// window) nor waits without bound, and the cluster recovers or is deleted.
func TestRedisOutages(t *testing.T) {
	counters := &redisCounters{}
	env := simenv.Start(t, simenv.Options{Nodes: 2, Tune: counters.Tune})
	tests := map[string]struct {
		run func(t *testing.T, s *redisScenario)
	}{
		"down at create":            {run: redisDownAtCreate},
		"down in steady state":      {run: redisDownInSteadyState},
		"down during head recovery": {run: redisDownDuringRecovery},
		"down during delete":        {run: redisDownDuringDelete},
		"wrong password":            {run: redisWrongPassword},
		"slower than the probe":     {run: redisSlow},
	}
	i := 0
	for name, tc := range tests {
		i++
		t.Run(name, func(t *testing.T) {
			ns := env.Namespace(t, fmt.Sprintf("redis-outage-%d", i))
			tc.run(t, &redisScenario{env: env, counters: counters, ns: ns})
		})
	}
}

// redisScenario is one outage scenario's namespace in the shared env.
type redisScenario struct {
	env      *simenv.Env
	counters *redisCounters
	ns       string
}

// create creates a one-worker FT cluster "rc" for addr.
func (s *redisScenario) create(t *testing.T, addr string, mut ...func(*rayv1.RayCluster)) *rayv1.RayCluster {
	t.Helper()
	rc := harness.NewRayCluster(s.ns, "rc", harness.ClusterOptions{RedisAddress: addr, Workers: 1})
	for _, m := range mut {
		m(rc)
	}
	s.env.Create(t, rc)
	return s.env.RayCluster(t, s.ns, rc.Name)
}

// waitRedis waits until RedisReachable has status and reason, and returns it.
func (s *redisScenario) waitRedis(t *testing.T, status metav1.ConditionStatus, reason string) metav1.Condition {
	t.Helper()
	var cond metav1.Condition
	took := harness.Eventually(t, redisVerdict, fmt.Sprintf("RedisReachable %s/%s", status, reason), func(context.Context) (bool, string, error) {
		rc := s.env.RayCluster(t, s.ns, "rc")
		c := meta.FindStatusCondition(rc.Status.Conditions, string(rayv1.RedisReachable))
		if c == nil {
			return false, "no RedisReachable condition", nil
		}
		cond = *c
		if c.Status != status || c.Reason != reason {
			return false, fmt.Sprintf("RedisReachable %s/%s: %s", c.Status, c.Reason, c.Message), nil
		}
		return true, "", nil
	})
	t.Logf("RedisReachable %s/%s after %s: %s", status, reason, took.Round(time.Millisecond), cond.Message)
	return cond
}

// expectCalm counts, over redisWindow, the cluster's reconciles, the
// connections to proxy (when given) and the writes to the RayCluster, logs
// them, and fails when any exceeds its bound.
func (s *redisScenario) expectCalm(t *testing.T, proxy *redisProxy, maxWrites int) {
	t.Helper()
	rc := s.env.RayCluster(t, s.ns, "rc")
	reconciles0 := s.counters.Reconciles(rc.UID)
	var conns0 int64
	if proxy != nil {
		conns0 = proxy.Connections()
	}
	writes := redisCountWrites(t, s.env, s.ns, "rc", redisWindow)
	reconciles := s.counters.Reconciles(rc.UID) - reconciles0
	var conns int64
	if proxy != nil {
		conns = proxy.Connections() - conns0
	}
	t.Logf("in %s: %d reconciles, %d connections to Redis, %d writes to the RayCluster", redisWindow, reconciles, conns, writes)
	if reconciles > redisMaxReconciles {
		t.Errorf("%d reconciles in %s: a hot loop (bound %d)", reconciles, redisWindow, redisMaxReconciles)
	}
	if conns > redisMaxProbes {
		t.Errorf("%d connections to Redis in %s: probes not bounded (bound %d)", conns, redisWindow, redisMaxProbes)
	}
	if writes > maxWrites {
		t.Errorf("%d writes to the RayCluster in %s while nothing changed (bound %d)", writes, redisWindow, maxWrites)
	}
}

// deleteAndWait deletes the cluster and waits, at most bound, until it is
// gone; it returns how long that took.
func (s *redisScenario) deleteAndWait(t *testing.T, bound time.Duration) time.Duration {
	t.Helper()
	rc := s.env.RayCluster(t, s.ns, "rc")
	if err := s.env.Client.Delete(context.Background(), rc); err != nil {
		t.Fatalf("deleting RayCluster %s/%s: %v", s.ns, rc.Name, err)
	}
	took := harness.Eventually(t, bound, "RayCluster deleted", func(context.Context) (bool, string, error) {
		err := s.env.Client.Get(context.Background(), client.ObjectKeyFromObject(rc), &rayv1.RayCluster{})
		return apierrors.IsNotFound(err), fmt.Sprint(err), nil
	})
	t.Logf("RayCluster gone %s after the delete", took.Round(time.Millisecond))
	return took
}

// redisCountWrites polls the RayCluster's resourceVersion for d and counts
// how often it changed.
func redisCountWrites(t *testing.T, env *simenv.Env, ns, name string, d time.Duration) int {
	t.Helper()
	rv := env.RayCluster(t, ns, name).ResourceVersion
	writes := 0
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		rc := env.RayCluster(t, ns, name)
		if rc.ResourceVersion != rv {
			writes++
			rv = rc.ResourceVersion
			t.Logf("write %d: state %q, conditions %s", writes, rc.Status.State, redisConditions(rc))
		}
	}
	return writes
}

func redisRestart(t *testing.T, srv *redisserver.Server) {
	t.Helper()
	if err := srv.Restart(); err != nil {
		t.Fatalf("restarting redis-server: %v", err)
	}
}

// redisDownAtCreate: the cluster is created while its Redis is down. The
// chart is applied all the same (the head waits for Redis on its own), the
// condition says Redis is unreachable, the check repeats at its interval,
// and Redis coming back is noticed without any change to the cluster.
func redisDownAtCreate(t *testing.T, s *redisScenario) {
	srv := redisserver.Start(t, redisserver.Options{})
	proxy := redisStartProxy(t, srv.Addr())
	srv.Stop()
	s.create(t, proxy.Addr())
	s.waitRedis(t, metav1.ConditionFalse, rayv1.ReasonRedisUnreachable)
	// The chart is applied all the same: the cluster comes up, and only
	// then is it counted (provisioning writes status of its own).
	s.env.WaitReady(t, s.ns, "rc", 90*time.Second)
	before := proxy.Connections()
	s.expectCalm(t, proxy, redisMaxWrites)
	if proxy.Connections()-before < 2 {
		t.Errorf("Redis was checked %d times in %s while down: the check must go on", proxy.Connections()-before, redisWindow)
	}
	redisRestart(t, srv)
	s.waitRedis(t, metav1.ConditionTrue, rayv1.ReasonRedisPingSucceeded)
	s.deleteAndWait(t, redisDeleteBound)
}

// redisDownInSteadyState: Redis dies under a Ready cluster. The condition
// turns False, the head is left alone (replacing it would not help), the
// verdict is written once, and Redis's return turns it True.
func redisDownInSteadyState(t *testing.T, s *redisScenario) {
	srv := redisserver.Start(t, redisserver.Options{})
	proxy := redisStartProxy(t, srv.Addr())
	s.create(t, proxy.Addr())
	head := s.env.WaitReady(t, s.ns, "rc", 90*time.Second)
	s.waitRedis(t, metav1.ConditionTrue, rayv1.ReasonRedisPingSucceeded)

	srv.Stop()
	s.waitRedis(t, metav1.ConditionFalse, rayv1.ReasonRedisUnreachable)
	s.expectCalm(t, proxy, redisMaxWrites)
	if now := s.env.HeadPod(t, s.ns, "rc"); now == nil || now.UID != head.UID {
		t.Errorf("the head was replaced while only Redis was down")
	}
	if reasons := s.env.EventReasons(t, s.ns, "rc"); redisHas(reasons, raycluster.EventHeadReplaced) {
		t.Errorf("events %v: a head replacement for a Redis outage", reasons)
	}
	redisRestart(t, srv)
	s.waitRedis(t, metav1.ConditionTrue, rayv1.ReasonRedisPingSucceeded)
	if reasons, ok := redisWaitEvent(t, s.env, s.ns, "rc", raycluster.EventRedisReachable); !ok {
		t.Errorf("events %v: no %s event when Redis answered again", reasons, raycluster.EventRedisReachable)
	}
	s.deleteAndWait(t, redisDeleteBound)
}

// redisDownDuringRecovery: the head pod is deleted while Redis is down. The
// StatefulSet brings a new head, the operator records exactly one
// recovery, and the condition keeps saying that Redis is down (which is
// why a real Ray head would not be serving yet).
func redisDownDuringRecovery(t *testing.T, s *redisScenario) {
	srv := redisserver.Start(t, redisserver.Options{})
	proxy := redisStartProxy(t, srv.Addr())
	s.create(t, proxy.Addr())
	old := s.env.WaitReady(t, s.ns, "rc", 90*time.Second)
	srv.Stop()
	s.waitRedis(t, metav1.ConditionFalse, rayv1.ReasonRedisUnreachable)

	if err := s.env.Client.Delete(context.Background(), old, client.GracePeriodSeconds(0)); err != nil {
		t.Fatalf("deleting head pod: %v", err)
	}
	_, took := s.env.WaitNewHeadReady(t, s.ns, "rc", old.UID, 90*time.Second)
	t.Logf("new head Ready %s after the delete, Redis down", took.Round(time.Millisecond))
	rc := s.env.WaitRecoveryCount(t, s.ns, "rc", 1, 60*time.Second)
	s.expectCalm(t, proxy, redisMaxWrites)
	rc = s.env.RayCluster(t, s.ns, "rc")
	if rc.Status.Recovery == nil || rc.Status.Recovery.Count != 1 {
		t.Errorf("recovery status %+v: want exactly one recovery for one failure", rc.Status.Recovery)
	}
	if c := meta.FindStatusCondition(rc.Status.Conditions, string(rayv1.RedisReachable)); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("RedisReachable %+v after the recovery: Redis is still down", c)
	}
	redisRestart(t, srv)
	s.waitRedis(t, metav1.ConditionTrue, rayv1.ReasonRedisPingSucceeded)
	s.deleteAndWait(t, redisDeleteBound)
}

// redisDownDuringDelete: Redis is down when the cluster is deleted. The
// clean-up retries at its poll interval until the deletion timeout, then
// lets the cluster go with a Warning event: the delete is bounded.
func redisDownDuringDelete(t *testing.T, s *redisScenario) {
	srv := redisserver.Start(t, redisserver.Options{})
	proxy := redisStartProxy(t, srv.Addr())
	rc := s.create(t, proxy.Addr())
	s.env.WaitReady(t, s.ns, "rc", 90*time.Second)
	srv.Stop()
	took := s.deleteAndWait(t, redisDeleteBound)
	if took < 3*time.Second {
		t.Errorf("deleted after %s: the clean-up did not wait for Redis at all", took)
	}
	if polls := s.counters.Polls(rc.UID); polls > redisMaxProbes {
		t.Errorf("%d clean-up polls in %s: not bounded (bound %d)", polls, took, redisMaxProbes)
	} else {
		t.Logf("%d clean-up polls, %d connections to Redis", polls, proxy.Connections())
	}
	if reasons, ok := redisWaitEvent(t, s.env, s.ns, "rc", raycluster.EventRedisCleanupTimedOut); !ok {
		t.Errorf("events %v: no %s event for the clean-up that gave up", reasons, raycluster.EventRedisCleanupTimedOut)
	}
}

// redisWrongPassword: the Secret holds a wrong password. The condition says
// the credentials were refused (not "unreachable"), checks stay at their
// interval, and fixing the Secret is picked up without touching the cluster.
func redisWrongPassword(t *testing.T, s *redisScenario) {
	const right, wrong = "right-password-7Q2", "wrong-password-9X4"
	srv := redisserver.Start(t, redisserver.Options{Password: right})
	proxy := redisStartProxy(t, srv.Addr())
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: s.ns, Name: "redis"}, StringData: map[string]string{"password": wrong}}
	if err := s.env.Client.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	s.create(t, proxy.Addr(), func(rc *rayv1.RayCluster) {
		rc.Spec.GcsFaultToleranceOptions.RedisPassword = &rayv1.RedisCredential{ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "redis"}, Key: "password"},
		}}
	})
	cond := s.waitRedis(t, metav1.ConditionFalse, rayv1.ReasonRedisAuthFailed)
	if strings.Contains(cond.Message, wrong) || strings.Contains(cond.Message, right) {
		t.Errorf("condition message shows a password: %s", cond.Message)
	}
	// The chart is applied whatever Redis says: the cluster comes up, and
	// only then is it counted (provisioning writes status of its own).
	s.env.WaitReady(t, s.ns, "rc", 90*time.Second)
	s.expectCalm(t, proxy, redisMaxWrites)
	secret.StringData = map[string]string{"password": right}
	if err := s.env.Client.Update(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	s.waitRedis(t, metav1.ConditionTrue, rayv1.ReasonRedisPingSucceeded)
	s.deleteAndWait(t, redisDeleteBound)
	if reasons, ok := redisWaitEvent(t, s.env, s.ns, "rc", raycluster.EventRedisCleanupSucceeded); !ok {
		t.Errorf("events %v: no %s with the fixed password", reasons, raycluster.EventRedisCleanupSucceeded)
	}
}

// redisSlow: Redis answers, but each reply takes 3 s, six times the probe
// timeout. A Redis that does not answer in time is unreachable for Ray as
// well; the probes stay bounded, and a delete during the slowness ends by
// the deletion timeout.
func redisSlow(t *testing.T, s *redisScenario) {
	srv := redisserver.Start(t, redisserver.Options{})
	proxy := redisStartProxy(t, srv.Addr())
	s.create(t, proxy.Addr(), func(rc *rayv1.RayCluster) {
		rc.Spec.WorkerGroupSpecs[0].Replicas = ptr.To[int32](0)
	})
	s.env.WaitReady(t, s.ns, "rc", 90*time.Second)
	s.waitRedis(t, metav1.ConditionTrue, rayv1.ReasonRedisPingSucceeded)

	proxy.SetDelay(3 * time.Second)
	s.waitRedis(t, metav1.ConditionFalse, rayv1.ReasonRedisUnreachable)
	s.expectCalm(t, proxy, redisMaxWrites)
	proxy.SetDelay(0)
	s.waitRedis(t, metav1.ConditionTrue, rayv1.ReasonRedisPingSucceeded)

	proxy.SetDelay(3 * time.Second)
	took := s.deleteAndWait(t, redisDeleteBound)
	t.Logf("delete with a slow Redis took %s", took.Round(time.Millisecond))
}

// redisConditions summarises a RayCluster's conditions for the log.
func redisConditions(rc *rayv1.RayCluster) string {
	var parts []string
	for _, c := range rc.Status.Conditions {
		parts = append(parts, fmt.Sprintf("%s=%s/%s(%q)", c.Type, c.Status, c.Reason, c.Message))
	}
	return strings.Join(parts, " ")
}

// redisEventWait bounds how long an event takes to show after the state it
// comes with: the operator's recorder posts events in the background, and
// retries a failed post only some seconds later.
const redisEventWait = 30 * time.Second

// redisWaitEvent polls, at most redisEventWait, the events about a
// RayCluster until one has reason; it returns the reasons last seen and
// whether it showed.
func redisWaitEvent(t *testing.T, env *simenv.Env, ns, name, reason string) ([]string, bool) {
	t.Helper()
	var reasons []string
	for end := time.Now().Add(redisEventWait); ; time.Sleep(200 * time.Millisecond) {
		reasons = env.EventReasons(t, ns, name)
		if redisHas(reasons, reason) {
			return reasons, true
		}
		if time.Now().After(end) {
			return reasons, false
		}
	}
}

func redisHas(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
