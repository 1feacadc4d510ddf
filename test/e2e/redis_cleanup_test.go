/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/tlsutil"
)

// redisEnv is one scenario's Redis: a real redis-server, the client options
// the test seeds it with, and how a RayCluster is told to reach it.
type redisEnv struct {
	srv     *redisserver.Server
	seed    rayredis.Options
	address string
	// creds sets the cluster's credentials (and TLS annotations).
	creds func(*rayv1.RayCluster)
	// objects are created in the namespace first (Secrets).
	objects []client.Object
}

// TestRedisCleanupOnSimulatedCluster runs the operator (Helm reconciler,
// chart, hooks) against a simulated cluster and real redis-servers, and
// deletes RayClusters: exactly the deleted cluster's GCS keys go, in every
// credential and TLS set-up; a dead Redis or a head stuck on a lost node
// delays the delete only until the deletion timeout; a missing Secret is
// reported and picked up once it exists.
func TestRedisCleanupOnSimulatedCluster(t *testing.T) {
	e, op := startRedisEnv(t)
	ctx, c, sim := context.Background(), e.Client, e.Cluster

	for name, env := range map[string]func(t *testing.T) redisEnv{
		"no password":               plainRedis,
		"password":                  passwordRedis,
		"ACL user and password":     aclRedis,
		"password from a Secret":    secretPasswordRedis,
		"TLS with a CA Secret":      tlsRedis,
		"legacy annotation and env": legacyRedis,
	} {
		t.Run("deletes exactly its keys/"+name, func(t *testing.T) {
			deletesExactlyItsKeys(ctx, t, c, env(t))
		})
	}
	t.Run("Redis stopped before delete", func(t *testing.T) { redisStoppedBeforeDelete(ctx, t, c, op) })
	t.Run("Secret missing, then created", func(t *testing.T) { secretMissingThenCreated(ctx, t, c) })
	// Last: it loses a node for good.
	t.Run("head stuck Terminating on a lost node", func(t *testing.T) { headStuckOnLostNode(ctx, t, c, sim) })
}

func plainRedis(t *testing.T) redisEnv {
	srv := redisserver.Start(t, redisserver.Options{})
	return redisEnv{srv: srv, seed: rayredis.Options{Address: srv.Addr()}, address: srv.Addr(), creds: func(*rayv1.RayCluster) {}}
}

func passwordRedis(t *testing.T) redisEnv {
	srv := redisserver.Start(t, redisserver.Options{Password: "pw-literal"})
	return redisEnv{srv: srv, seed: rayredis.Options{Address: srv.Addr(), Password: "pw-literal"}, address: srv.Addr(),
		creds: func(rc *rayv1.RayCluster) {
			rc.Spec.GcsFaultToleranceOptions.RedisPassword = &rayv1.RedisCredential{Value: "pw-literal"}
		}}
}

func aclRedis(t *testing.T) redisEnv {
	srv := redisserver.Start(t, redisserver.Options{Password: "default-pw", ACLUser: "ray", ACLPassword: "ray-pw"})
	return redisEnv{srv: srv, seed: rayredis.Options{Address: srv.Addr(), Username: "ray", Password: "ray-pw"}, address: srv.Addr(),
		creds: func(rc *rayv1.RayCluster) {
			rc.Spec.GcsFaultToleranceOptions.RedisUsername = &rayv1.RedisCredential{Value: "ray"}
			rc.Spec.GcsFaultToleranceOptions.RedisPassword = secretCredential("redis-acl", "password")
		},
		objects: []client.Object{secret("redis-acl", "password", "ray-pw")}}
}

func secretPasswordRedis(t *testing.T) redisEnv {
	srv := redisserver.Start(t, redisserver.Options{Password: "pw-from-secret"})
	return redisEnv{srv: srv, seed: rayredis.Options{Address: srv.Addr(), Password: "pw-from-secret"}, address: srv.Addr(),
		creds: func(rc *rayv1.RayCluster) {
			rc.Spec.GcsFaultToleranceOptions.RedisPassword = secretCredential("redis", "password")
		},
		objects: []client.Object{secret("redis", "password", "pw-from-secret")}}
}

func tlsRedis(t *testing.T) redisEnv {
	ca := tlsutil.NewCA(t, "e2e-redis-ca")
	files := ca.WriteServerFiles(t, t.TempDir(), "127.0.0.1")
	srv := redisserver.Start(t, redisserver.Options{Password: "tls-pw",
		TLS: &redisserver.TLSFiles{CertFile: files.CertFile, KeyFile: files.KeyFile, CAFile: files.CAFile}})
	addr := "rediss://" + srv.Addr()
	return redisEnv{srv: srv, address: addr,
		seed: rayredis.Options{Address: addr, Password: "tls-pw", TLS: &rayredis.TLSConfig{CAPEM: ca.CertPEM}},
		creds: func(rc *rayv1.RayCluster) {
			rc.Spec.GcsFaultToleranceOptions.RedisPassword = secretCredential("redis-tls", "password")
			rc.Annotations = map[string]string{raycluster.AnnotationRedisCASecret: "redis-tls"}
		},
		objects: []client.Object{&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "redis-tls"},
			Data: map[string][]byte{"password": []byte("tls-pw"), "ca.crt": ca.CertPEM}}}}
}

// legacyRedis uses the ray.io/ft-enabled annotation with RAY_REDIS_ADDRESS
// and REDIS_PASSWORD (from a Secret) on the head container.
func legacyRedis(t *testing.T) redisEnv {
	srv := redisserver.Start(t, redisserver.Options{Password: "legacy-pw"})
	return redisEnv{srv: srv, seed: rayredis.Options{Address: srv.Addr(), Password: "legacy-pw"}, address: srv.Addr(),
		creds: func(rc *rayv1.RayCluster) {
			addr := rc.Spec.GcsFaultToleranceOptions.RedisAddress
			rc.Spec.GcsFaultToleranceOptions = nil
			rc.Annotations = map[string]string{rayv1.AnnotationFTEnabled: "true"}
			rc.Spec.HeadGroupSpec.RayStartParams[rayv1.RayStartParamRedisPassword] = "$REDIS_PASSWORD"
			rc.Spec.HeadGroupSpec.Template.Spec.Containers[0].Env = []corev1.EnvVar{
				{Name: rayv1.EnvRedisAddress, Value: addr},
				{Name: rayv1.EnvRedisPassword, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "redis-legacy"}, Key: "pw"}}},
			}
		},
		objects: []client.Object{secret("redis-legacy", "pw", "legacy-pw")}}
}

func secret(name, key, value string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string][]byte{key: []byte(value)}}
}

func secretCredential(name, key string) *rayv1.RedisCredential {
	return &rayv1.RedisCredential{ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}}}
}

// withStorageNamespace sets an explicit storage namespace, in the way the
// cluster's FT settings allow (option, or the legacy annotation).
func withStorageNamespace(ns string) func(*rayv1.RayCluster) {
	return func(rc *rayv1.RayCluster) {
		if rc.Spec.GcsFaultToleranceOptions != nil {
			rc.Spec.GcsFaultToleranceOptions.ExternalStorageNamespace = ns
			return
		}
		rc.Annotations[rayv1.AnnotationExternalStorageNamespace] = ns
	}
}

// scenarioNamespace makes a namespace per sub-test with env's objects in it.
func scenarioNamespace(ctx context.Context, t *testing.T, c client.Client, env redisEnv) string {
	t.Helper()
	ns := "e2e-" + strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(t.Name()[strings.LastIndex(t.Name(), "/")+1:])), "-")
	if len(ns) > 50 {
		ns = ns[:50]
	}
	createNamespace(ctx, t, c, ns)
	for _, o := range env.objects {
		o.SetNamespace(ns)
		if err := c.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	return ns
}

func seedClient(t *testing.T, o rayredis.Options) *goredis.Client {
	t.Helper()
	r, err := rayredis.NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// waitRedisCondition waits until RedisReachable has status and reason.
func waitRedisCondition(ctx context.Context, t *testing.T, c client.Client, rc *rayv1.RayCluster, status metav1.ConditionStatus, reason string, timeout time.Duration) *metav1.Condition {
	t.Helper()
	var cond *metav1.Condition
	harness.Eventually(t, timeout, "RedisReachable "+string(status)+"/"+reason+" on "+describe(rc), func(context.Context) (bool, string, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(rc), rc); err != nil {
			return false, fmt.Sprint(err), nil
		}
		cond = meta.FindStatusCondition(rc.Status.Conditions, string(rayv1.RedisReachable))
		return cond != nil && cond.Status == status && cond.Reason == reason, fmt.Sprintf("RedisReachable %+v", cond), nil
	})
	return cond
}

// deletesExactlyItsKeys: two clusters share a Redis, one with the default
// storage namespace (its UID) and one with an explicit one, next to
// unrelated keys; deleting the first removes exactly its keys, in both
// Ray layouts, once its head pod is gone.
func deletesExactlyItsKeys(ctx context.Context, t *testing.T, c client.Client, env redisEnv) {
	ns := scenarioNamespace(ctx, t, c, env)
	a := newRayCluster(ns, "doomed", env.address, env.creds)
	b := newRayCluster(ns, "kept", env.address, env.creds, withStorageNamespace("kept-ns"))
	for _, rc := range []*rayv1.RayCluster{a, b} {
		if err := c.Create(ctx, rc); err != nil {
			t.Fatal(err)
		}
	}
	for _, rc := range []*rayv1.RayCluster{a, b} {
		waitFinalizer(ctx, t, c, rc)
		waitHeadRunning(ctx, t, c, rc)
		waitRedisCondition(ctx, t, c, rc, metav1.ConditionTrue, rayv1.ReasonRedisPingSucceeded, 30*time.Second)
	}
	r := seedClient(t, env.seed)
	doomedNS := string(a.UID)
	seedGCS(ctx, t, r, doomedNS)
	seedGCS(ctx, t, r, "kept-ns")
	seedUnrelated(ctx, t, r, doomedNS)

	if err := c.Delete(ctx, a); err != nil {
		t.Fatal(err)
	}
	took := waitGone(ctx, t, c, a, 60*time.Second)
	t.Logf("RayCluster %s gone %s after the delete", describe(a), took.Round(time.Millisecond))

	expectKeys(ctx, t, r, gcsKeys(doomedNS), false)
	expectKeys(ctx, t, r, gcsKeys("kept-ns"), true)
	expectKeys(ctx, t, r, unrelatedKeys(doomedNS), true)
	note := waitEvent(ctx, t, c, ns, a.Name, raycluster.EventRedisCleanupSucceeded)
	if want := "Deleted 10 keys of storage namespace \"" + doomedNS + "\""; !strings.HasPrefix(note, want) {
		t.Errorf("event %q, want %q", note, want)
	}
	// One clean-up, reported once: a reconcile on a cache that still shows
	// the finalizer must not clean (and report "0 keys") again.
	time.Sleep(2 * time.Second)
	if evs := eventsFor(ctx, t, c, ns, a.Name, raycluster.EventRedisCleanupSucceeded); len(evs) != 1 || (evs[0].Series != nil && evs[0].Series.Count > 1) {
		var notes []string
		for _, e := range evs {
			notes = append(notes, e.Note)
		}
		t.Errorf("%s events %q, want exactly one", raycluster.EventRedisCleanupSucceeded, notes)
	}
	// The worker pods go through garbage collection (their ReplicaSet is
	// deleted first), which may lag behind the RayCluster.
	harness.Eventually(t, 30*time.Second, "no pods of the deleted cluster "+describe(a), func(context.Context) (bool, string, error) {
		var pods corev1.PodList
		if err := c.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{"ray.io/cluster": a.Name}); err != nil {
			return false, fmt.Sprint(err), nil
		}
		var left []string
		for _, p := range pods.Items {
			left = append(left, p.Name)
		}
		return len(left) == 0, fmt.Sprintf("pods left: %v", left), nil
	})
}

// redisStoppedBeforeDelete: with Redis down the RayCluster is let go once
// its deletion timeout passes, with a Warning naming the storage namespace,
// and the hook polls meanwhile instead of spinning.
func redisStoppedBeforeDelete(ctx context.Context, t *testing.T, c client.Client, op *redisOperator) {
	env := passwordRedis(t)
	ns := scenarioNamespace(ctx, t, c, env)
	rc := newRayCluster(ns, "orphan", env.address, env.creds, func(rc *rayv1.RayCluster) {
		rc.Annotations = map[string]string{rayv1.AnnotationGCSFTDeletionTimeout: "4"}
	})
	if err := c.Create(ctx, rc); err != nil {
		t.Fatal(err)
	}
	waitFinalizer(ctx, t, c, rc)
	waitHeadRunning(ctx, t, c, rc)
	env.srv.Stop()

	// Timed from before the Delete call: the deadline is the
	// deletionTimestamp (whole seconds, rounded down) plus 4 s, so the
	// cluster may go as early as 3 s after this, and Delete itself may be
	// slow under load. 2 s still shows the operator waited rather than
	// giving up at once.
	deleted := time.Now()
	if err := c.Delete(ctx, rc); err != nil {
		t.Fatal(err)
	}
	waitGone(ctx, t, c, rc, 40*time.Second)
	took := time.Since(deleted)
	if took < 2*time.Second {
		t.Errorf("RayCluster gone %s after the delete, long before its 4 s timeout", took)
	}
	note := waitEvent(ctx, t, c, ns, rc.Name, raycluster.EventRedisCleanupTimedOut)
	if !strings.Contains(note, string(rc.UID)) {
		t.Errorf("time-out event %q does not name the storage namespace %s", note, rc.UID)
	}
	polls := op.polls(rc.UID)
	t.Logf("gone %s after the delete, %d clean-up polls; event: %s", took.Round(time.Millisecond), polls, note)
	if polls < 2 || polls > 40 {
		t.Errorf("%d clean-up polls in %s: want a few (polling every 0.5 s, no hot loop)", polls, took)
	}
	if n := len(eventsFor(ctx, t, c, ns, rc.Name, raycluster.EventRedisCleanupFailed)); n > 2 {
		t.Errorf("%d RedisCleanupFailed events for one outage", n)
	}
}

// secretMissingThenCreated: a password Secret that does not exist yet is
// reported (condition and event, naming the field and the Secret); once it
// is created the cluster reconciles and Redis is reachable.
func secretMissingThenCreated(ctx context.Context, t *testing.T, c client.Client) {
	env := secretPasswordRedis(t)
	late := env.objects[0]
	env.objects = nil
	ns := scenarioNamespace(ctx, t, c, env)
	rc := newRayCluster(ns, "waiting", env.address, env.creds)
	if err := c.Create(ctx, rc); err != nil {
		t.Fatal(err)
	}
	cond := waitRedisCondition(ctx, t, c, rc, metav1.ConditionFalse, rayv1.ReasonRedisCredentialsUnavailable, 30*time.Second)
	firstMiss := time.Now()
	for _, want := range []string{"spec.gcsFaultToleranceOptions.redisPassword.valueFrom.secretKeyRef", "Secret " + ns + "/redis"} {
		if !strings.Contains(cond.Message, want) {
			t.Errorf("condition message %q does not name %q", cond.Message, want)
		}
	}
	note := waitEvent(ctx, t, c, ns, rc.Name, rayv1.ReasonRedisCredentialsUnavailable)
	if !strings.Contains(note, "redisPassword") {
		t.Errorf("event %q does not name the field", note)
	}
	// The chart is applied all the same: the head exists and waits for its
	// Secret as any pod does.
	waitHeadRunning(ctx, t, c, rc)

	// Create the Secret between two backoff checks (5 s, then 10 s later),
	// so that only the Secret watch can explain a quick pick-up.
	time.Sleep(time.Until(firstMiss.Add(6 * time.Second)))
	late.SetNamespace(ns)
	created := time.Now()
	if err := c.Create(ctx, late); err != nil {
		t.Fatal(err)
	}
	waitRedisCondition(ctx, t, c, rc, metav1.ConditionTrue, rayv1.ReasonRedisPingSucceeded, 60*time.Second)
	took := time.Since(created)
	t.Logf("Redis reachable %s after the Secret was created", took.Round(time.Millisecond))
	// The backoff's next check (5 s, then 10 s after the first miss) comes
	// about 9 s after the Secret was created; 7 s leaves room for a watch
	// event, a reconcile, a ping and a status patch on a loaded machine and
	// still tells the Secret watch from the backoff.
	if took > 7*time.Second {
		t.Errorf("picked up after %s: the Secret watch should re-check at once, not the backoff", took)
	}
	if strings.Contains(rc.Status.Redis.Message, "pw-from-secret") {
		t.Errorf("status shows the password")
	}
}

// headStuckOnLostNode: the head's node is lost, so its pod stays
// Terminating after the release is uninstalled; the RayCluster is still let
// go at its deletion timeout, and its keys are left (a head that may still
// run must not see its data deleted under it), which the Warning says.
func headStuckOnLostNode(ctx context.Context, t *testing.T, c client.Client, sim *simcluster.Cluster) {
	env := plainRedis(t)
	ns := scenarioNamespace(ctx, t, c, env)
	const victim = "sim-node-1"
	rc := newRayCluster(ns, "stuck", env.address, func(rc *rayv1.RayCluster) {
		rc.Annotations = map[string]string{rayv1.AnnotationGCSFTDeletionTimeout: "6"}
		rc.Spec.HeadGroupSpec.Template.Spec.NodeSelector = map[string]string{corev1.LabelHostname: victim}
	})
	if err := c.Create(ctx, rc); err != nil {
		t.Fatal(err)
	}
	waitFinalizer(ctx, t, c, rc)
	head := waitHeadRunning(ctx, t, c, rc)
	r := seedClient(t, env.seed)
	seedGCS(ctx, t, r, string(rc.UID))

	if err := sim.KillNode(victim); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, rc); err != nil {
		t.Fatal(err)
	}
	took := waitGone(ctx, t, c, rc, 60*time.Second)
	var pod corev1.Pod
	if err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: head.Name}, &pod); err != nil {
		t.Fatalf("the head pod should still be stuck: %v", err)
	}
	if pod.DeletionTimestamp == nil || pod.UID != head.UID {
		t.Errorf("head pod %s: deletionTimestamp %v, uid %s (was %s); want the old pod stuck Terminating", pod.Name, pod.DeletionTimestamp, pod.UID, head.UID)
	}
	note := waitEvent(ctx, t, c, ns, rc.Name, raycluster.EventRedisCleanupTimedOut)
	t.Logf("RayCluster gone %s after the delete with its head stuck Terminating; event: %s", took.Round(time.Millisecond), note)
	if took < 4*time.Second {
		t.Errorf("gone after %s, before the 6 s timeout", took)
	}
	if !strings.Contains(note, string(rc.UID)) {
		t.Errorf("event %q does not name the storage namespace", note)
	}
	expectKeys(ctx, t, r, gcsKeys(string(rc.UID)), true)
}
