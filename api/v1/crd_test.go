/*
Copyright 2026 The ray-ha-operator Authors.
*/

package v1_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

const unsupported = " is not supported by ray-ha-operator; see docs/compatibility.md"

// TestCRD installs the generated CRD in a real kube-apiserver and checks what
// a user sees through kubectl: samples accepted unchanged, defaults applied,
// unsupported KubeRay fields and broken rules refused with their messages,
// and the status subresource.
func TestCRD(t *testing.T) {
	_, cfg := testbin.StartEnvtest(t, testbin.EnvtestOptions{CRDDirs: []string{"config/crd/bases"}})
	scheme := runtime.NewScheme()
	if err := rayv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("samples round-trip unchanged", func(t *testing.T) { testSamplesRoundTrip(t, c) })
	t.Run("defaults", func(t *testing.T) { testDefaults(t, c) })
	t.Run("neutral KubeRay values accepted", func(t *testing.T) { testNeutralValues(t, c) })
	t.Run("workersToDelete accepted", func(t *testing.T) { testWorkersToDeleteAccepted(t, c) })
	t.Run("unsupported fields rejected", func(t *testing.T) { testUnsupportedRejected(t, c) })
	t.Run("CEL rules", func(t *testing.T) { testCELRules(t, c) })
	t.Run("upgradeStrategy", func(t *testing.T) { testUpgradeStrategy(t, c) })
	t.Run("autoscaler", func(t *testing.T) { testAutoscaler(t, c) })
	t.Run("status subresource", func(t *testing.T) { testStatus(t, c) })
	t.Run("generateName", func(t *testing.T) { testGenerateName(t, c) })
}

// testGenerateName: the name rules run on the generated name, so
// generateName works.
func testGenerateName(t *testing.T, c client.Client) {
	obj := minimal("")
	delete(obj["metadata"].(map[string]any), "name")
	obj["metadata"].(map[string]any)["generateName"] = "gen-"
	if err := create(context.Background(), c, obj); err != nil {
		t.Fatalf("create with generateName: %v", err)
	}
}

// create sends obj the way kubectl create does (strict field validation).
func create(ctx context.Context, c client.Client, obj map[string]any) error {
	u := &unstructured.Unstructured{Object: obj}
	u.SetNamespace("default")
	return c.Create(ctx, u, client.FieldValidation(metav1.FieldValidationStrict))
}

func testSamplesRoundTrip(t *testing.T, c client.Client) {
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "config", "samples", "ray_v1_raycluster_*.yaml"))
	if err != nil || len(files) < 4 {
		t.Fatalf("want at least 4 samples, found %d (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			ctx := context.Background()
			sample := readManifest(t, f)
			if err := create(ctx, c, deepCopy(sample)); err != nil {
				t.Fatalf("creating sample: %v", err)
			}
			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(rayv1.GroupVersion.WithKind("RayCluster"))
			key := client.ObjectKey{Namespace: "default", Name: nestedString(sample, "metadata", "name")}
			if err := c.Get(ctx, key, got); err != nil {
				t.Fatal(err)
			}
			// Everything the sample says must come back: nothing pruned.
			if path, ok := containsAll(got.Object["spec"], sample["spec"], "spec"); !ok {
				t.Errorf("the API server dropped or changed %s", path)
			}
			if path, ok := containsAll(got.GetAnnotations(), nestedMap(sample, "metadata", "annotations"), "metadata.annotations"); !ok {
				t.Errorf("the API server dropped or changed %s", path)
			}
			// The typed client reads it too.
			var typed rayv1.RayCluster
			if err := c.Get(ctx, key, &typed); err != nil {
				t.Fatalf("typed read: %v", err)
			}
			if len(typed.Spec.HeadGroupSpec.Template.Spec.Containers) == 0 {
				t.Error("typed read lost the head containers")
			}
		})
	}
}

func testDefaults(t *testing.T, c client.Client) {
	ctx := context.Background()
	obj := minimal("defaults")
	delete(worker(obj, 0), "replicas")
	if err := create(ctx, c, obj); err != nil {
		t.Fatal(err)
	}
	var rc rayv1.RayCluster
	if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "defaults"}, &rc); err != nil {
		t.Fatal(err)
	}
	g := rc.Spec.WorkerGroupSpecs[0]
	got := []any{ptr.Deref(g.Replicas, -1), ptr.Deref(g.MinReplicas, -1), ptr.Deref(g.MaxReplicas, -1), g.NumOfHosts}
	want := []any{int32(0), int32(0), int32(math.MaxInt32), int32(1)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("replicas, minReplicas, maxReplicas, numOfHosts = %v, want %v", got, want)
	}
}

// testUpgradeStrategy: KubeRay's None and Recreate are accepted and read
// back typed; anything else is refused with the allowed values.
func testUpgradeStrategy(t *testing.T, c client.Client) {
	tests := map[string]struct {
		typ     string
		wantErr string
	}{
		"None":          {typ: "None"},
		"Recreate":      {typ: "Recreate"},
		"RollingUpdate": {typ: "RollingUpdate", wantErr: `Unsupported value: "RollingUpdate"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			obj := minimal("upgrade-" + strings.ToLower(name))
			spec(obj)["upgradeStrategy"] = map[string]any{"type": tc.typ}
			err := create(ctx, c, obj)
			if tc.wantErr != "" {
				wantInvalid(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("upgradeStrategy.type %s refused: %v", tc.typ, err)
			}
			var rc rayv1.RayCluster
			if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: nestedString(obj, "metadata", "name")}, &rc); err != nil {
				t.Fatal(err)
			}
			if rc.Spec.UpgradeStrategy == nil || string(ptr.Deref(rc.Spec.UpgradeStrategy.Type, "")) != tc.typ {
				t.Errorf("upgradeStrategy read back as %+v, want type %s", rc.Spec.UpgradeStrategy, tc.typ)
			}
		})
	}
}

// testNeutralValues: KubeRay manifests often spell out the off value of an
// unsupported feature; those mean what this operator does anyway. The same
// object also carries KubeRay v1.5's group-level resources and labels, which
// are supported.
func testNeutralValues(t *testing.T, c client.Client) {
	ctx := context.Background()
	obj := minimal("neutral")
	spec(obj)["enableInTreeAutoscaling"] = false
	head(obj)["enableIngress"] = false
	w := worker(obj, 0)
	w["numOfHosts"] = int64(1)
	w["priority"] = int64(0)
	w["scaleStrategy"] = map[string]any{}
	// KubeRay v1.5's group-level Ray resources and labels are supported.
	head(obj)["resources"] = map[string]any{"CPU": "2"}
	head(obj)["labels"] = map[string]any{"zone": "a"}
	w["resources"] = map[string]any{"GPU": "1"}
	w["labels"] = map[string]any{"zone": "a"}
	// Multi-host replicas are supported too.
	multi := map[string]any{}
	for k, v := range w {
		multi[k] = v
	}
	multi["groupName"] = "tpu"
	multi["numOfHosts"] = int64(4)
	spec(obj)["workerGroupSpecs"] = append(spec(obj)["workerGroupSpecs"].([]any), multi)
	spec(obj)["gcsFaultToleranceOptions"] = map[string]any{"redisAddress": "redis:6379", "backend": "redis"}
	if err := create(ctx, c, obj); err != nil {
		t.Fatalf("neutral values refused: %v", err)
	}
}

// testWorkersToDeleteAccepted: the autoscaler's scale-down list is honoured
// (internal/raycluster/workers_to_delete.go), so the CRD takes it.
func testWorkersToDeleteAccepted(t *testing.T, c client.Client) {
	obj := minimal("workers-to-delete")
	worker(obj, 0)["scaleStrategy"] = map[string]any{"workersToDelete": []any{"pod-a", "pod-b"}}
	if err := create(context.Background(), c, obj); err != nil {
		t.Fatalf("scaleStrategy.workersToDelete refused: %v", err)
	}
}

func testUnsupportedRejected(t *testing.T, c client.Client) {
	tests := map[string]struct {
		mutate func(map[string]any)
		field  string
	}{
		"authOptions":          {func(o map[string]any) { spec(o)["authOptions"] = map[string]any{"mode": "token"} }, "spec.authOptions"},
		"managedBy":            {func(o map[string]any) { spec(o)["managedBy"] = "kueue.x-k8s.io/multikueue" }, "spec.managedBy"},
		"historyServerOptions": {func(o map[string]any) { spec(o)["historyServerOptions"] = map[string]any{} }, "spec.historyServerOptions"},
		"networkPolicy":        {func(o map[string]any) { spec(o)["networkPolicy"] = map[string]any{"enabled": true} }, "spec.networkPolicy"},
		"tlsOptions":           {func(o map[string]any) { spec(o)["tlsOptions"] = map[string]any{"enabled": true} }, "spec.tlsOptions"},
		"head ingressOptions":  {func(o map[string]any) { head(o)["ingressOptions"] = map[string]any{"ingressClassName": "nginx"} }, "spec.headGroupSpec.ingressOptions"},
		"worker priority":      {func(o map[string]any) { worker(o, 0)["priority"] = int64(5) }, "spec.workerGroupSpecs[].priority"},
		"rocksdb backend": {func(o map[string]any) {
			spec(o)["gcsFaultToleranceOptions"] = map[string]any{"backend": "rocksdb"}
		}, "spec.gcsFaultToleranceOptions.backend: rocksdb"},
		"embedded storage": {func(o map[string]any) {
			spec(o)["gcsFaultToleranceOptions"] = map[string]any{"redisAddress": "redis:6379", "storage": map[string]any{"size": "1Gi"}}
		}, "spec.gcsFaultToleranceOptions.storage"},
	}
	i := 0
	for name, tc := range tests {
		i++
		t.Run(name, func(t *testing.T) {
			obj := minimal(fmt.Sprintf("unsupported-%d", i))
			tc.mutate(obj)
			err := create(context.Background(), c, obj)
			wantInvalid(t, err, tc.field+unsupported)
		})
	}
	// Fields KubeRay does not have either are refused by kubectl's strict
	// field validation, not pruned.
	obj := minimal("unknown-field")
	head(obj)["replicas"] = int64(1)
	err := create(context.Background(), c, obj)
	if err == nil || !strings.Contains(err.Error(), `unknown field "spec.headGroupSpec.replicas"`) {
		t.Errorf("unknown field: got %v, want a strict-validation error naming it", err)
	}
	t.Logf("example rejection: %v", create(context.Background(), c, func() map[string]any {
		o := minimal("example")
		spec(o)["historyServerOptions"] = map[string]any{}
		return o
	}()))
}

func testCELRules(t *testing.T, c client.Client) {
	redis := func(o map[string]any, opts map[string]any) {
		opts["redisAddress"] = "redis:6379"
		spec(o)["gcsFaultToleranceOptions"] = opts
	}
	tests := map[string]struct {
		name    string
		mutate  func(map[string]any)
		message string
	}{
		"duplicate groupName": {mutate: func(o map[string]any) {
			spec(o)["workerGroupSpecs"] = append(spec(o)["workerGroupSpecs"].([]any), deepCopy(worker(o, 0)))
		}, message: "groupName must be unique"},
		"minReplicas above maxReplicas": {mutate: func(o map[string]any) {
			worker(o, 0)["minReplicas"], worker(o, 0)["maxReplicas"] = int64(3), int64(2)
		}, message: "minReplicas must not be greater than maxReplicas"},
		"groupName not a DNS label": {mutate: func(o map[string]any) { worker(o, 0)["groupName"] = "GPU_group" },
			message: "groupName must be a DNS-1123 label"},
		"password value and valueFrom": {mutate: func(o map[string]any) {
			redis(o, map[string]any{"redisPassword": map[string]any{
				"value": "x", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s", "key": "k"}},
			}})
		}, message: "exactly one of value and valueFrom must be set"},
		"username with neither": {mutate: func(o map[string]any) {
			redis(o, map[string]any{"redisUsername": map[string]any{"value": ""}})
		}, message: "exactly one of value and valueFrom must be set"},
		"storage namespace with @": {mutate: func(o map[string]any) {
			redis(o, map[string]any{"externalStorageNamespace": "a@b"})
		}, message: "externalStorageNamespace must not contain '@'"},
		"name longer than 47": {name: strings.Repeat("n", 48), mutate: func(map[string]any) {},
			message: "metadata.name must be at most 47 characters"},
		"name not a DNS-1035 label": {name: "9lives", mutate: func(map[string]any) {},
			message: "metadata.name must be a DNS-1035 label"},
		"head restartPolicy Never": {mutate: func(o map[string]any) {
			head(o)["template"].(map[string]any)["spec"].(map[string]any)["restartPolicy"] = "Never"
		}, message: "the head runs in a StatefulSet"},
		"worker restartPolicy OnFailure": {mutate: func(o map[string]any) {
			worker(o, 0)["template"].(map[string]any)["spec"].(map[string]any)["restartPolicy"] = "OnFailure"
		}, message: "workers run in a ReplicaSet"},
		"serviceType ExternalName": {mutate: func(o map[string]any) { head(o)["serviceType"] = "ExternalName" },
			message: "Unsupported value: \"ExternalName\""},
	}
	i := 0
	for name, tc := range tests {
		i++
		t.Run(name, func(t *testing.T) {
			n := tc.name
			if n == "" {
				n = fmt.Sprintf("cel-%d", i)
			}
			obj := minimal(n)
			tc.mutate(obj)
			wantInvalid(t, create(context.Background(), c, obj), tc.message)
		})
	}
}

func testStatus(t *testing.T, c client.Client) {
	ctx := context.Background()
	if err := create(ctx, c, minimal("with-status")); err != nil {
		t.Fatal(err)
	}
	var rc rayv1.RayCluster
	key := client.ObjectKey{Namespace: "default", Name: "with-status"}
	if err := c.Get(ctx, key, &rc); err != nil {
		t.Fatal(err)
	}
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	rc.Status = rayv1.RayClusterStatus{
		State:              rayv1.ClusterStateReady,
		ObservedGeneration: rc.Generation,
		Head:               rayv1.HeadInfo{PodName: "with-status-head-0", PodIP: "10.0.0.7", ServiceName: "with-status-head-svc"},
		DeployedRelease:    &rayv1.DeployedRelease{Name: "with-status", Revision: 2, ChartVersion: "0.1.0"},
		Recovery: &rayv1.RecoveryStatus{
			Count: 1, LastFailureTime: &now, LastFailureReason: rayv1.HeadFailureNodeUnreachable,
			LastRecoveryDuration: &metav1.Duration{Duration: 42 * time.Second}, ConsecutiveForcedReplacements: 1,
		},
		Redis: &rayv1.RedisStatus{Reachable: true, LastCheckTime: &now},
	}
	meta.SetStatusCondition(&rc.Status.Conditions, metav1.Condition{
		Type: string(rayv1.HeadRecovering), Status: metav1.ConditionFalse, Reason: string(rayv1.HeadReady),
	})
	if err := c.Status().Update(ctx, &rc); err != nil {
		t.Fatalf("status update: %v", err)
	}
	// A spec write through the main resource must not touch the status.
	rc.Spec.Suspend = ptr.To(true)
	if err := c.Update(ctx, &rc); err != nil {
		t.Fatalf("spec update: %v", err)
	}
	var got rayv1.RayCluster
	if err := c.Get(ctx, key, &got); err != nil {
		t.Fatal(err)
	}
	if got.Status.Recovery == nil || got.Status.Recovery.LastRecoveryDuration.Duration != 42*time.Second ||
		got.Status.DeployedRelease == nil || got.Status.DeployedRelease.Revision != 2 ||
		!meta.IsStatusConditionFalse(got.Status.Conditions, string(rayv1.HeadRecovering)) {
		t.Errorf("status did not survive: %+v", got.Status)
	}
	if !ptr.Deref(got.Spec.Suspend, false) || got.Generation == rc.Status.ObservedGeneration {
		t.Errorf("spec update lost: suspend=%v generation=%d", got.Spec.Suspend, got.Generation)
	}
}

// wantInvalid requires an Invalid error from the API server containing msg.
func wantInvalid(t *testing.T, err error, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("the API server accepted the object; want an error containing %q", msg)
	}
	if !apierrors.IsInvalid(err) {
		t.Fatalf("got %v, want an Invalid error", err)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not contain %q", err.Error(), msg)
	}
}

// minimal is a valid RayCluster with one worker group, as a kubectl user
// would write it.
func minimal(name string) map[string]any {
	container := func(n string) map[string]any {
		return map[string]any{"containers": []any{map[string]any{"name": n, "image": "rayproject/ray:2.52.0"}}}
	}
	return map[string]any{
		"apiVersion": "ray.io/v1",
		"kind":       "RayCluster",
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"rayVersion":    "2.52.0",
			"headGroupSpec": map[string]any{"rayStartParams": map[string]any{}, "template": map[string]any{"spec": container("ray-head")}},
			"workerGroupSpecs": []any{map[string]any{
				"groupName": "workers", "replicas": int64(1), "rayStartParams": map[string]any{},
				"template": map[string]any{"spec": container("ray-worker")},
			}},
		},
	}
}

func spec(o map[string]any) map[string]any { return o["spec"].(map[string]any) }
func head(o map[string]any) map[string]any { return spec(o)["headGroupSpec"].(map[string]any) }
func worker(o map[string]any, i int) map[string]any {
	return spec(o)["workerGroupSpecs"].([]any)[i].(map[string]any)
}

func deepCopy(o map[string]any) map[string]any { return runtime.DeepCopyJSON(o) }

func readManifest(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(b, &obj); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	// JSON numbers come back as int64 from the API; normalise the sample.
	return runtime.DeepCopyJSON(normalizeNumbers(obj).(map[string]any))
}

// normalizeNumbers turns the float64 numbers of a YAML/JSON decode into
// int64 where they are whole, as the API server returns them.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	case float64:
		if x == math.Trunc(x) {
			return int64(x)
		}
	}
	return v
}

// containsAll reports whether got holds every value of want (got may have
// more, e.g. defaults), and the first path where it does not.
func containsAll(got, want any, path string) (string, bool) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path, len(w) == 0 && got == nil
		}
		for k, wv := range w {
			if p, ok := containsAll(g[k], wv, path+"."+k); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path, false
		}
		for i := range w {
			if p, ok := containsAll(g[i], w[i], fmt.Sprintf("%s[%d]", path, i)); !ok {
				return p, false
			}
		}
		return "", true
	case map[string]string:
		g, _ := got.(map[string]string)
		for k, wv := range w {
			if g[k] != wv {
				return path + "." + k, false
			}
		}
		return "", true
	default:
		return path, reflect.DeepEqual(got, want)
	}
}

func nestedString(o map[string]any, fields ...string) string {
	s, _, _ := unstructured.NestedString(o, fields...)
	return s
}

func nestedMap(o map[string]any, fields ...string) map[string]string {
	m, _, _ := unstructured.NestedStringMap(o, fields...)
	return m
}
