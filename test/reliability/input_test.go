/*
Copyright 2026 The ray-ha-operator Authors.
*/

package reliability

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/shellquote"
)

// inputCase is one hostile RayCluster. Exactly one outcome applies: the API
// server rejects it (rejected: a phrase of its message, naming the field),
// the operator refuses it with a condition (refused: likewise), or it is
// applied and check says what must hold.
type inputCase struct {
	name     string
	mutate   func(u *unstructured.Unstructured)
	strict   bool // create with fieldValidation=Strict, as kubectl does
	quota    int  // a ResourceQuota on pods in the namespace (0: none)
	rejected string
	refused  string
	check    func(t *testing.T, env *simenv.Env, ns, name string)
}

// TestHostileRayClusters creates hostile RayClusters through the real API
// server with the operator running: names at and beyond the length limits,
// zero and huge replica counts, unknown and unsupported fields, templates
// without containers, shell injection in rayStartParams. Each is rejected
// with a message naming the field, refused by the operator likewise, or
// applied safely; each that exists is deletable; the operator never panics
// and still serves a normal cluster at the end.
func TestHostileRayClusters(t *testing.T) {
	logs := &secretBuffer{}
	env := simenv.Start(t, simenv.Options{Nodes: 2, LogOutput: logs})
	tests := inputCases()
	i := 0
	for title, tc := range tests {
		i++
		t.Run(title, func(t *testing.T) {
			ns := env.Namespace(t, fmt.Sprintf("input-%d", i))
			inputRun(t, env, ns, tc)
		})
	}
	t.Run("a normal cluster afterwards", func(t *testing.T) {
		ns := env.Namespace(t, "input-after")
		env.Create(t, harness.NewRayCluster(ns, "normal", harness.ClusterOptions{Workers: 1}))
		env.WaitReady(t, ns, "normal", 90*time.Second)
	})
	if log := logs.String(); strings.Contains(log, "Observed a panic") || strings.Contains(log, "panic:") {
		t.Errorf("the operator panicked:\n%s", inputTail(log, 80))
	}
	if t.Failed() {
		t.Logf("operator log (last lines):\n%s", inputTail(logs.String(), 60))
	}
}

func inputCases() map[string]inputCase {
	return map[string]inputCase{
		"name of 47 characters, the limit": {name: "n" + strings.Repeat("4", 46), check: inputReadyWithLongNames},
		"name of 48 characters":            {name: "n" + strings.Repeat("8", 47), rejected: "metadata.name must be at most 47 characters"},
		"name of 63 characters":            {name: "n" + strings.Repeat("6", 62), rejected: "metadata.name must be at most 47 characters"},
		"name of 64 characters":            {name: "n" + strings.Repeat("6", 63), rejected: "metadata.name must be at most 47 characters"},
		"name of 254 characters":           {name: "n" + strings.Repeat("x", 253), rejected: "metadata.name"},
		"name with capitals and dots":      {name: "Ray.Cluster", rejected: "metadata.name"},
		"zero worker replicas":             {name: "zero", mutate: inputWorker("replicas", int64(0)), check: inputZeroWorkers},
		"negative replicas":                {name: "negative", mutate: inputWorker("replicas", int64(-1)), rejected: "replicas"},
		"minReplicas above maxReplicas": {name: "minmax", mutate: func(u *unstructured.Unstructured) {
			inputWorker("minReplicas", int64(5))(u)
			inputWorker("maxReplicas", int64(1))(u)
		}, rejected: "spec.workerGroupSpecs[0].minReplicas: Invalid value: minReplicas must not be greater than maxReplicas"},
		"a million replicas under a pod quota": {name: "huge", quota: inputHugeQuota, mutate: func(u *unstructured.Unstructured) {
			inputWorker("maxReplicas", int64(2147483647))(u)
			inputWorker("replicas", int64(1000000))(u)
		}, check: inputHugeReplicas},
		"unknown field, default validation": {name: "unknown", mutate: inputSet("spec", "bogusField", "x"), check: inputUnknownPruned},
		"unknown field, strict validation":  {name: "strict", strict: true, mutate: inputSet("spec", "bogusField", "x"), rejected: `unknown field "spec.bogusField"`},
		"unsupported KubeRay field":         {name: "ingress", mutate: inputSet("spec", "headGroupSpec", "ingressOptions", map[string]any{"ingressClassName": "nginx"}), rejected: "spec.headGroupSpec.ingressOptions"},
		"head template without containers": {name: "nohead", mutate: inputSet("spec", "headGroupSpec", "template", "spec", "containers", []any{}),
			refused: "spec.headGroupSpec.template.spec.containers"},
		"worker template without containers": {name: "noworker", mutate: inputWorker("template", map[string]any{"spec": map[string]any{"containers": []any{}}}),
			refused: "spec.workerGroupSpecs[0].template.spec.containers"},
		"rayStartParams key that is no flag": {name: "badkey", mutate: inputSet("spec", "headGroupSpec", "rayStartParams", map[string]any{"num-cpus; reboot": "1"}),
			refused: "spec.headGroupSpec.rayStartParams[num-cpus; reboot]"},
		"rayStartParams with destructive shell": {name: "inject", mutate: inputParams(inputDestructive), check: inputQuoted},
		"rayStartParams that try to run":        {name: "execute", mutate: inputParams(inputProbes), check: inputNothingRuns},
	}
}

// inputDestructive are values that would do harm in a shell; the test only
// reads the rendered script for them and never runs it.
var inputDestructive = map[string]string{
	"node-name":        "; rm -rf /",
	"temp-dir":         "$(reboot)",
	"plasma-directory": "`reboot`",
	"resources":        "{\"x\": 1}\nreboot",
}

// inputProbes are values that create a marker file if the shell runs any
// part of them; the test runs the rendered script with them. Their $MARKER
// references expand (as KubeRay's unquoted values do); nothing else may run.
var inputProbes = map[string]string{
	"node-name":        "; touch $MARKER",
	"temp-dir":         "$(touch $MARKER)",
	"plasma-directory": "`touch $MARKER`",
	"resources":        "x'; touch $MARKER; echo '",
	"log-style":        "a\ntouch $MARKER",
}

// inputRun creates the case's RayCluster and checks its outcome, then that
// it can be deleted.
func inputRun(t *testing.T, env *simenv.Env, ns string, tc inputCase) {
	ctx := context.Background()
	if tc.quota > 0 {
		inputQuota(t, env, ns, tc.quota)
	}
	u := inputObject(t, ns, tc.name)
	if tc.mutate != nil {
		tc.mutate(u)
	}
	var opts []client.CreateOption
	if tc.strict {
		opts = append(opts, client.FieldValidation("Strict"))
	}
	err := env.Client.Create(ctx, u, opts...)
	switch {
	case tc.rejected != "":
		if err == nil {
			t.Fatalf("the API server accepted it; want a rejection naming %q", tc.rejected)
		}
		if !strings.Contains(err.Error(), tc.rejected) {
			t.Fatalf("rejected with %q; want a message with %q", err, tc.rejected)
		}
		t.Logf("rejected: %s", inputTail(err.Error(), 3))
		return
	case err != nil:
		t.Fatalf("the API server rejected it: %v", err)
	}
	// Whatever fails below, the cluster goes: a million-replica ReplicaSet
	// left behind would load the simulated cluster for the other cases.
	t.Cleanup(func() { inputDelete(t, env, ns, tc.name) })
	switch {
	case tc.refused != "":
		inputWaitRefusal(t, env, ns, tc.name, tc.refused)
	default:
		tc.check(t, env, ns, tc.name)
	}
	inputDelete(t, env, ns, tc.name)
}

// inputObject is a valid one-worker cluster as an unstructured object, so
// that cases can add what the Go types cannot express.
func inputObject(t *testing.T, ns, name string) *unstructured.Unstructured {
	t.Helper()
	rc := harness.NewRayCluster(ns, name, harness.ClusterOptions{Workers: 1})
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rc)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: obj}
	u.SetGroupVersionKind(rayv1.GroupVersion.WithKind("RayCluster"))
	delete(u.Object, "status")
	return u
}

func inputSet(pathAndValue ...any) func(*unstructured.Unstructured) {
	return func(u *unstructured.Unstructured) {
		path := make([]string, 0, len(pathAndValue)-1)
		for _, p := range pathAndValue[:len(pathAndValue)-1] {
			path = append(path, p.(string))
		}
		if err := unstructured.SetNestedField(u.Object, pathAndValue[len(pathAndValue)-1], path...); err != nil {
			panic(fmt.Sprintf("test case sets %v: %v", path, err))
		}
	}
}

// inputWorker sets a field of the first worker group.
func inputWorker(field string, value any) func(*unstructured.Unstructured) {
	return func(u *unstructured.Unstructured) {
		groups, _, _ := unstructured.NestedSlice(u.Object, "spec", "workerGroupSpecs")
		groups[0].(map[string]any)[field] = value
		_ = unstructured.SetNestedSlice(u.Object, groups, "spec", "workerGroupSpecs")
	}
}

// inputParams puts params into the head's and the worker group's
// rayStartParams.
func inputParams(params map[string]string) func(*unstructured.Unstructured) {
	m := map[string]any{}
	for k, v := range params {
		m[k] = v
	}
	return func(u *unstructured.Unstructured) {
		inputSet("spec", "headGroupSpec", "rayStartParams", m)(u)
		inputWorker("rayStartParams", m)(u)
	}
}

func inputQuota(t *testing.T, env *simenv.Env, ns string, pods int) {
	t.Helper()
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pods"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: *resource.NewQuantity(int64(pods), resource.DecimalSI)}}}
	if err := env.Client.Create(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

// inputWaitRefusal waits until the operator reports, in a condition, that
// it cannot apply the spec, with a message that contains phrase.
func inputWaitRefusal(t *testing.T, env *simenv.Env, ns, name, phrase string) {
	t.Helper()
	var msg string
	harness.Eventually(t, 30*time.Second, "a condition naming "+phrase, func(context.Context) (bool, string, error) {
		rc := env.RayCluster(t, ns, name)
		for _, c := range rc.Status.Conditions {
			refusing := (c.Type == string(rayv1.SpecValid) && c.Status == metav1.ConditionFalse) ||
				(c.Type == "ReleaseFailed" && c.Status == metav1.ConditionTrue) ||
				(c.Type == "Irreconcilable" && c.Status == metav1.ConditionTrue)
			if refusing && strings.Contains(c.Message, phrase) {
				msg = c.Type + "/" + c.Reason + ": " + c.Message
				return true, "", nil
			}
		}
		return false, fmt.Sprintf("conditions %+v", rc.Status.Conditions), nil
	})
	t.Logf("refused: %s", msg)
}

// inputDelete deletes the cluster and waits until it is gone.
func inputDelete(t *testing.T, env *simenv.Env, ns, name string) {
	t.Helper()
	rc := &rayv1.RayCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := env.Client.Delete(context.Background(), rc); err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("deleting: %v", err)
	}
	took := harness.Eventually(t, 60*time.Second, "RayCluster deleted", func(context.Context) (bool, string, error) {
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(rc), rc)
		return apierrors.IsNotFound(err), fmt.Sprint(err), nil
	})
	t.Logf("deleted in %s", took.Round(time.Millisecond))
}

func inputReadyWithLongNames(t *testing.T, env *simenv.Env, ns, name string) {
	head := env.WaitReady(t, ns, name, 90*time.Second)
	if head == nil || len(head.Name) != len(name)+len("-head-0") {
		t.Fatalf("head pod %v for a %d-character name", head, len(name))
	}
	if rev := head.Labels[appsv1.ControllerRevisionHashLabelKey]; len(rev) > 63 {
		t.Errorf("head pod label %s is %d characters", appsv1.ControllerRevisionHashLabelKey, len(rev))
	}
}

func inputZeroWorkers(t *testing.T, env *simenv.Env, ns, name string) {
	env.WaitReady(t, ns, name, 90*time.Second)
	rs := inputWorkerReplicaSet(t, env, ns, name)
	if rs.Spec.Replicas == nil || *rs.Spec.Replicas != 0 {
		t.Errorf("worker ReplicaSet replicas %v, want 0", rs.Spec.Replicas)
	}
	if uids := env.WorkerUIDs(t, ns, name); len(uids) != 0 {
		t.Errorf("%d worker pods, want none", len(uids))
	}
}

// inputHugeQuota is the pod quota of the million-replica case.
const inputHugeQuota = 4

// inputHugeReplicas: the operator passes the replica count on, as KubeRay
// does (it is the user's or the autoscaler's to choose); the namespace's
// ResourceQuota is what bounds the pods, and the operator reports the
// refused pods as ReplicaFailure without writing to the cluster in a loop.
func inputHugeReplicas(t *testing.T, env *simenv.Env, ns, name string) {
	var rs *appsv1.ReplicaSet
	harness.Eventually(t, 60*time.Second, "worker ReplicaSet with a million replicas", func(context.Context) (bool, string, error) {
		rs = inputWorkerReplicaSetOrNil(t, env, ns, name)
		return rs != nil && rs.Spec.Replicas != nil && *rs.Spec.Replicas == 1000000, "", nil
	})
	harness.Eventually(t, 60*time.Second, "ReplicaFailure reported", func(context.Context) (bool, string, error) {
		if n := inputPodCount(t, env, ns); n > inputHugeQuota {
			t.Fatalf("%d pods under a quota of %d", n, inputHugeQuota)
		}
		rc := env.RayCluster(t, ns, name)
		for _, c := range rc.Status.Conditions {
			if c.Type == string(rayv1.ReplicaFailure) && c.Status == metav1.ConditionTrue {
				t.Logf("ReplicaFailure/%s: %s", c.Reason, c.Message)
				return true, "", nil
			}
		}
		return false, fmt.Sprintf("conditions %+v", rc.Status.Conditions), nil
	})
	// The first failure may come before the cluster settled: pods the
	// quota admits still becoming Ready, and the quota's "status unknown"
	// refusal before its usage is counted. Both change the status once
	// more, so the writes are counted only once the quota is full of Ready
	// pods, the refusal says why, and the status shows those pods.
	harness.Eventually(t, 60*time.Second, "the quota full of Ready pods and refusing more", func(context.Context) (bool, string, error) {
		var pods corev1.PodList
		if err := env.Client.List(context.Background(), &pods, client.InNamespace(ns)); err != nil {
			return false, fmt.Sprint(err), nil
		}
		ready, workers := 0, int32(0)
		for i := range pods.Items {
			p := &pods.Items[i]
			if p.DeletionTimestamp != nil || !harness.PodReady(p) {
				continue
			}
			ready++
			if p.Labels[raycluster.LabelNodeType] == raycluster.NodeTypeWork {
				workers++
			}
		}
		if ready < inputHugeQuota {
			return false, fmt.Sprintf("%d of %d pods Ready", ready, inputHugeQuota), nil
		}
		rc := env.RayCluster(t, ns, name)
		c := meta.FindStatusCondition(rc.Status.Conditions, string(rayv1.ReplicaFailure))
		if c == nil || c.Status != metav1.ConditionTrue || !strings.Contains(c.Message, "exceeded quota") {
			return false, fmt.Sprintf("ReplicaFailure %+v", c), nil
		}
		if rc.Status.ReadyWorkerReplicas != workers {
			return false, fmt.Sprintf("status shows %d Ready workers, %d are", rc.Status.ReadyWorkerReplicas, workers), nil
		}
		return true, "", nil
	})
	writes := redisCountWrites(t, env, ns, name, 10*time.Second)
	n := inputPodCount(t, env, ns)
	t.Logf("%d pods exist, %d writes to the RayCluster in 10s", n, writes)
	if n > inputHugeQuota {
		t.Errorf("%d pods under a quota of %d", n, inputHugeQuota)
	}
	if writes > 5 {
		t.Errorf("%d writes to the RayCluster in 10 s while nothing changed", writes)
	}
}

func inputPodCount(t *testing.T, env *simenv.Env, ns string) int {
	t.Helper()
	var pods corev1.PodList
	if err := env.Client.List(context.Background(), &pods, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	return len(pods.Items)
}

func inputUnknownPruned(t *testing.T, env *simenv.Env, ns, name string) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(rayv1.GroupVersion.WithKind("RayCluster"))
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, u); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(u.Object, "spec", "bogusField"); found {
		t.Errorf("the unknown field was stored")
	}
	env.WaitReady(t, ns, name, 90*time.Second)
}

// inputQuoted reads the rendered head and worker scripts: every destructive
// value is one single-quoted shell word, and its dangerous parts occur
// nowhere outside single quotes.
func inputQuoted(t *testing.T, env *simenv.Env, ns, name string) {
	for _, script := range inputScripts(t, env, ns, name) {
		for _, want := range []string{
			`--node-name='; rm -rf /'`, `--temp-dir='$(reboot)'`, "--plasma-directory='`reboot`'", "--resources='{\"x\": 1}\nreboot'",
		} {
			if !strings.Contains(script, want) {
				t.Errorf("script lacks %q:\n%s", want, script)
			}
		}
		for _, needle := range []string{"rm -rf", "reboot"} {
			inputOnlyQuoted(t, script, needle)
		}
	}
}

// inputNothingRuns runs the rendered head and worker scripts in bash with a
// stand-in `ray`: nothing in the values runs, and each reaches ray start as
// one argument, byte for byte.
func inputNothingRuns(t *testing.T, env *simenv.Env, ns, name string) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	for _, c := range inputContainers(t, env, ns, name) {
		args, marker := inputRunScript(t, bash, c)
		for k, v := range inputProbes {
			want := "--" + k + "=" + strings.ReplaceAll(v, "$MARKER", marker)
			if !redisHas(args, want) {
				t.Errorf("container %s: ray start got %q, want one argument %q", c.Name, args, want)
			}
		}
	}
}

// inputRunScript runs a container's command with a `ray` on PATH that
// records its arguments, and fails when a value created the marker file.
func inputRunScript(t *testing.T, bash string, c corev1.Container) (args []string, marker string) {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "args")
	marker = filepath.Join(dir, "marker")
	fake := "#!" + bash + "\nprintf '%s\\0' \"$@\" > " + out + "\n"
	if err := os.WriteFile(filepath.Join(dir, "ray"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	argv := append(append([]string{}, c.Command...), c.Args...)
	if len(argv) == 0 || argv[0] != "/bin/bash" {
		t.Fatalf("container %s runs %q, not a bash script", c.Name, argv)
	}
	cmd := exec.Command(bash, argv[1:]...)
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin", "MARKER=" + marker}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("container %s script: %v\n%s", c.Name, err, b)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatalf("container %s: a rayStartParams value was run by the shell", c.Name)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("container %s: ray did not run: %v", c.Name, err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00"), marker
}

// inputContainers waits for the head StatefulSet and the worker ReplicaSet
// and returns their Ray containers.
func inputContainers(t *testing.T, env *simenv.Env, ns, name string) []corev1.Container {
	t.Helper()
	sts := &appsv1.StatefulSet{}
	harness.Eventually(t, 60*time.Second, "head StatefulSet", func(context.Context) (bool, string, error) {
		err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name + "-head"}, sts)
		return err == nil, fmt.Sprint(err), nil
	})
	rs := inputWorkerReplicaSet(t, env, ns, name)
	return []corev1.Container{sts.Spec.Template.Spec.Containers[0], rs.Spec.Template.Spec.Containers[0]}
}

func inputScripts(t *testing.T, env *simenv.Env, ns, name string) []string {
	t.Helper()
	var out []string
	for _, c := range inputContainers(t, env, ns, name) {
		out = append(out, strings.Join(c.Args, " "))
	}
	return out
}

func inputWorkerReplicaSet(t *testing.T, env *simenv.Env, ns, name string) *appsv1.ReplicaSet {
	t.Helper()
	var rs *appsv1.ReplicaSet
	harness.Eventually(t, 60*time.Second, "worker ReplicaSet", func(context.Context) (bool, string, error) {
		rs = inputWorkerReplicaSetOrNil(t, env, ns, name)
		return rs != nil, "", nil
	})
	return rs
}

func inputWorkerReplicaSetOrNil(t *testing.T, env *simenv.Env, ns, name string) *appsv1.ReplicaSet {
	t.Helper()
	var list appsv1.ReplicaSetList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(ns),
		client.MatchingLabels{raycluster.LabelCluster: name}); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) == 0 {
		return nil
	}
	return &list.Items[0]
}

// inputOnlyQuoted fails when needle occurs in script outside single quotes
// (outside them a backslash escapes one character; inside, nothing does).
func inputOnlyQuoted(t *testing.T, script, needle string) {
	t.Helper()
	ok, err := shellquote.OnlyQuoted(script, needle)
	if err != nil {
		t.Fatalf("%v in script:\n%s", err, script)
	}
	if !ok {
		t.Errorf("%q occurs outside single quotes:\n%s", needle, script)
	}
}

// inputTail returns the last n lines of s.
func inputTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
