/*
Copyright 2026 The ray-ha-operator Authors.
*/

package reliability

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
)

// Names of the two clusters of the secrets test: one reads its Redis
// password from a Secret, one has it as a literal value in its spec.
const (
	secretFromSecret = "from-secret"
	secretLiteral    = "literal"
	secretName       = "redis-cred"
)

// TestSecretsNeverLeak runs two clusters through a full life (create, a head
// recovery, Redis refusing a wrong password and going down, delete) and then
// searches everything the operator wrote or said: events, conditions and
// status, its log at every level, the Helm release Secrets (decoded) and
// the objects it rendered.
//
// A password read from a Secret (and a wrong one put there later) must
// appear nowhere, plainly or base64-encoded. A password given as a literal
// value in the spec is in the spec already, and so in the release's values
// and in the head's env (that is what a literal means); it must still
// appear in no event, condition, status field or log line.
func TestSecretsNeverLeak(t *testing.T) {
	logs := &secretBuffer{}
	env := simenv.Start(t, simenv.Options{Nodes: 2, LogOutput: logs})
	ns := env.Namespace(t, "secrets")
	pw := secretNewPasswords(t)
	srv := redisserver.Start(t, redisserver.Options{Password: pw.literal, ACLUser: "ray", ACLPassword: pw.fromSecret})
	h := &secretHaystack{}

	secretLifecycle(t, env, ns, srv, pw, h)
	h.addEvents(t, env, ns)
	h.addLog(logs.String())
	if logs.Len() == 0 {
		t.Fatal("the operator logged nothing: the log capture does not work")
	}
	t.Logf("searched %d sources, %d bytes of operator log", len(h.items), logs.Len())

	for _, needle := range []struct{ what, value string }{
		{"password from a Secret", pw.fromSecret},
		{"wrong password put in the Secret", pw.wrong},
	} {
		for _, it := range h.items {
			if v := secretFind(it.text, needle.value); v != "" {
				t.Errorf("%s found in %s of %s (%s)%s", needle.what, it.source, it.cluster, v, secretLogLines(it, needle.value))
			}
		}
	}
	// The literal is allowed only where the spec puts it: the literal
	// cluster's spec, its release and the workloads rendered from it.
	for _, it := range h.items {
		if v := secretFind(it.text, pw.literal); v != "" {
			if it.cluster == secretLiteral && secretLiteralAllowed[it.source] {
				t.Logf("literal password in %s of %s, as the spec asks (%s)", it.source, it.cluster, v)
				continue
			}
			t.Errorf("literal password found in %s of %s (%s)%s", it.source, it.cluster, v, secretLogLines(it, pw.literal))
		}
	}
}

// secretLiteralAllowed are the places a literal spec password is expected:
// the spec, what is rendered from it, and client-go's dumps of request and
// response bodies (from log level 8 up), which print specs whole.
var secretLiteralAllowed = map[string]bool{"spec": true, "Helm release": true, "StatefulSet": true, "Pod": true, secretWireLog: true}

// secretWireLog is the source name of client-go's body dumps.
const secretWireLog = "client-go body log (level 8+)"

// secretPasswords are the test's passwords, random so no fixture or
// default can match them by chance.
type secretPasswords struct{ fromSecret, wrong, literal string }

func secretNewPasswords(t *testing.T) secretPasswords {
	return secretPasswords{fromSecret: secretRandom(t, "fromsecret"), wrong: secretRandom(t, "wrongpw"), literal: secretRandom(t, "literalpw")}
}

func secretRandom(t *testing.T, prefix string) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + "-" + hex.EncodeToString(b)
}

// secretLifecycle creates both clusters, recovers a head, breaks Redis with
// a wrong password and an outage, and deletes them, snapshotting what the
// operator wrote before each part is gone.
func secretLifecycle(t *testing.T, env *simenv.Env, ns string, srv *redisserver.Server, pw secretPasswords, h *secretHaystack) {
	ctx := context.Background()
	cred := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: secretName}, StringData: map[string]string{"password": pw.fromSecret}}
	if err := env.Client.Create(ctx, cred); err != nil {
		t.Fatal(err)
	}
	env.Create(t, secretCluster(ns, secretFromSecret, srv.Addr(), func(o *rayv1.GcsFaultToleranceOptions) {
		o.RedisUsername = &rayv1.RedisCredential{Value: "ray"}
		o.RedisPassword = &rayv1.RedisCredential{ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: secretName}, Key: "password"}}}
	}))
	env.Create(t, secretCluster(ns, secretLiteral, srv.Addr(), func(o *rayv1.GcsFaultToleranceOptions) {
		o.RedisPassword = &rayv1.RedisCredential{Value: pw.literal}
	}))
	for _, name := range []string{secretFromSecret, secretLiteral} {
		env.WaitReady(t, ns, name, 90*time.Second)
		secretWaitRedis(t, env, ns, name, rayv1.ReasonRedisPingSucceeded)
	}

	head := env.HeadPod(t, ns, secretFromSecret)
	if err := env.Client.Delete(ctx, head, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	env.WaitRecoveryCount(t, ns, secretFromSecret, 1, 90*time.Second)

	cred.StringData = map[string]string{"password": pw.wrong}
	if err := env.Client.Update(ctx, cred); err != nil {
		t.Fatal(err)
	}
	secretWaitRedis(t, env, ns, secretFromSecret, rayv1.ReasonRedisAuthFailed)
	h.addClusters(t, env, ns)
	srv.Stop()
	secretWaitRedis(t, env, ns, secretFromSecret, rayv1.ReasonRedisUnreachable)
	secretWaitRedis(t, env, ns, secretLiteral, rayv1.ReasonRedisUnreachable)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	cred.StringData = map[string]string{"password": pw.fromSecret}
	if err := env.Client.Update(ctx, cred); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{secretFromSecret, secretLiteral} {
		secretWaitRedis(t, env, ns, name, rayv1.ReasonRedisPingSucceeded)
	}
	h.addClusters(t, env, ns)
	h.addRendered(t, env, ns)
	secretDelete(t, env, ns)
}

func secretCluster(ns, name, addr string, creds func(*rayv1.GcsFaultToleranceOptions)) *rayv1.RayCluster {
	rc := harness.NewRayCluster(ns, name, harness.ClusterOptions{RedisAddress: addr, Workers: 1})
	creds(rc.Spec.GcsFaultToleranceOptions)
	return rc
}

func secretWaitRedis(t *testing.T, env *simenv.Env, ns, name, reason string) {
	t.Helper()
	harness.Eventually(t, 30*time.Second, name+" RedisReachable reason "+reason, func(context.Context) (bool, string, error) {
		c := meta.FindStatusCondition(env.RayCluster(t, ns, name).Status.Conditions, string(rayv1.RedisReachable))
		if c == nil || c.Reason != reason {
			return false, fmt.Sprintf("condition %+v", c), nil
		}
		return true, "", nil
	})
}

// secretDelete deletes both clusters; the clean-up must succeed with the
// restored password.
func secretDelete(t *testing.T, env *simenv.Env, ns string) {
	t.Helper()
	for _, name := range []string{secretFromSecret, secretLiteral} {
		if err := env.Client.Delete(context.Background(), env.RayCluster(t, ns, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{secretFromSecret, secretLiteral} {
		harness.Eventually(t, 60*time.Second, name+" deleted", func(context.Context) (bool, string, error) {
			err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &rayv1.RayCluster{})
			return apierrors.IsNotFound(err), fmt.Sprint(err), nil
		})
		if reasons, ok := redisWaitEvent(t, env, ns, name, raycluster.EventRedisCleanupSucceeded); !ok {
			t.Errorf("%s: events %v, want %s", name, reasons, raycluster.EventRedisCleanupSucceeded)
		}
	}
}

// secretHaystack is everything searched for passwords, each piece labelled
// with where it came from and which cluster it belongs to.
type secretHaystack struct{ items []secretItem }

type secretItem struct{ source, cluster, text string }

func (h *secretHaystack) add(source, cluster, text string) {
	h.items = append(h.items, secretItem{source: source, cluster: cluster, text: text})
}

func (h *secretHaystack) addJSON(t *testing.T, source, cluster string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	h.add(source, cluster, string(b))
}

// addClusters adds each RayCluster's status and metadata, and its spec
// separately (the literal cluster's spec holds its password by design).
func (h *secretHaystack) addClusters(t *testing.T, env *simenv.Env, ns string) {
	t.Helper()
	for _, name := range []string{secretFromSecret, secretLiteral} {
		rc := env.RayCluster(t, ns, name)
		h.addJSON(t, "status", name, rc.Status)
		h.addJSON(t, "metadata", name, rc.ObjectMeta)
		h.addJSON(t, "spec", name, rc.Spec)
	}
}

// addLog adds the operator's log: client-go's request and response body
// dumps (wire debugging, level 8 and up) apart from everything else.
func (h *secretHaystack) addLog(log string) {
	var own, wire []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, `"msg":"Request Body"`) || strings.Contains(line, `"msg":"Response Body"`) {
			wire = append(wire, line)
			continue
		}
		own = append(own, line)
	}
	h.add("operator log", "any", strings.Join(own, "\n"))
	h.add(secretWireLog, secretLiteral, strings.Join(wire, "\n"))
}

// addEvents adds every event of the namespace, whatever it is about.
func (h *secretHaystack) addEvents(t *testing.T, env *simenv.Env, ns string) {
	t.Helper()
	var list eventsv1.EventList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var core corev1.EventList
	if err := env.Client.List(context.Background(), &core, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) == 0 {
		t.Fatal("no events at all: nothing to search")
	}
	h.addJSON(t, "events", "any", list.Items)
	h.addJSON(t, "core events", "any", core.Items)
}

// addRendered adds what the operator rendered and stored: the Helm release
// Secrets (decoded down to the release JSON), every other Secret and
// ConfigMap but the user's own, and the workloads and pods.
func (h *secretHaystack) addRendered(t *testing.T, env *simenv.Env, ns string) {
	t.Helper()
	ctx := context.Background()
	var secrets corev1.SecretList
	if err := env.Client.List(ctx, &secrets, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	releases := 0
	for _, s := range secrets.Items {
		switch {
		case s.Name == secretName:
			continue
		case s.Type == "helm.sh/release.v1":
			releases++
			h.add("Helm release", s.Labels["name"], secretDecodeRelease(t, s))
		}
		h.addJSON(t, "Secret", s.Name, s)
	}
	if releases < 2 {
		t.Fatalf("%d Helm release Secrets in %s, want those of both clusters", releases, ns)
	}
	var cms corev1.ConfigMapList
	if err := env.Client.List(ctx, &cms, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	h.addJSON(t, "ConfigMaps", "any", cms.Items)
	h.addWorkloads(t, env, ns)
}

func (h *secretHaystack) addWorkloads(t *testing.T, env *simenv.Env, ns string) {
	t.Helper()
	ctx := context.Background()
	var sts appsv1.StatefulSetList
	var sets appsv1.ReplicaSetList
	var pods corev1.PodList
	var svcs corev1.ServiceList
	for _, l := range []client.ObjectList{&sts, &sets, &pods, &svcs} {
		if err := env.Client.List(ctx, l, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range sts.Items {
		h.addJSON(t, "StatefulSet", s.Labels[raycluster.LabelCluster], s)
	}
	for _, rs := range sets.Items {
		h.addJSON(t, "ReplicaSet", rs.Labels[raycluster.LabelCluster], rs)
	}
	for _, p := range pods.Items {
		h.addJSON(t, "Pod", p.Labels[raycluster.LabelCluster], p)
	}
	for _, s := range svcs.Items {
		h.addJSON(t, "Service", s.Labels[raycluster.LabelCluster], s)
	}
}

// secretDecodeRelease undoes the Secrets driver's encoding: base64 of the
// gzipped release JSON (the manifest, the values, the chart).
func secretDecodeRelease(t *testing.T, s corev1.Secret) string {
	t.Helper()
	gz, err := base64.StdEncoding.DecodeString(string(s.Data["release"]))
	if err != nil {
		t.Fatalf("release Secret %s: %v", s.Name, err)
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("release Secret %s: %v", s.Name, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("release Secret %s: %v", s.Name, err)
	}
	if !strings.Contains(string(out), `"manifest"`) {
		t.Fatalf("release Secret %s decodes to no release", s.Name)
	}
	return string(out)
}

// secretFind reports how pw occurs in text: plainly, or base64-encoded at
// any alignment (a Secret's data, a double-encoded release). Empty: not at
// all.
func secretFind(text, pw string) string {
	if i := strings.Index(text, pw); i >= 0 {
		from, to := max(0, i-300), min(len(text), i+len(pw)+100)
		return "plain: …" + strings.ReplaceAll(text[from:to], pw, "<PASSWORD>") + "…"
	}
	for pad := 0; pad < 3; pad++ {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			s := enc.EncodeToString(append(make([]byte, pad), pw...))
			// The first and last four characters depend on the bytes
			// around the password; the rest is the password alone.
			if core := s[4 : len(s)-4]; strings.Contains(text, core) {
				return fmt.Sprintf("base64, offset %d", pad)
			}
		}
	}
	return ""
}

// secretLogLines names the log lines of it (when it is the operator log)
// that hold pw: their message, level and caller, without the password.
func secretLogLines(it secretItem, pw string) string {
	if it.source != "operator log" && it.source != secretWireLog {
		return ""
	}
	var out []string
	for _, line := range strings.Split(it.text, "\n") {
		if !strings.Contains(line, pw) {
			continue
		}
		var entry struct {
			Level  string `json:"level"`
			Msg    string `json:"msg"`
			Caller string `json:"caller"`
			Logger string `json:"logger"`
		}
		_ = json.Unmarshal([]byte(line), &entry)
		out = append(out, fmt.Sprintf("%s %q from %s (%s)", entry.Level, entry.Msg, entry.Caller, entry.Logger))
	}
	return "\nlog lines: " + strings.Join(out, "\n  ")
}

// secretBuffer collects the operator's log; zap writes from many goroutines.
type secretBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *secretBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *secretBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *secretBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}
