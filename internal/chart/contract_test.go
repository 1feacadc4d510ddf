package chart

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	helmchart "helm.sh/helm/v3/pkg/chart"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// TestRayClusterSamplesRender is the operator's side of the values
// contract: a RayCluster read as the typed ray.io/v1 API, its spec turned
// into values the way the operator does (JSON of the spec, plus the
// reserved `cluster` key), renders and names objects after the CR. Numbers
// go in as int64 too, as an unstructured object carries them.
func TestRayClusterSamplesRender(t *testing.T) {
	root := filepath.Dir(filepath.Dir(mustDefaultDir(t)))
	samples, err := filepath.Glob(filepath.Join(root, "config", "samples", "ray_v1_raycluster_*.yaml"))
	if err != nil || len(samples) == 0 {
		t.Fatalf("no RayCluster samples found under config/samples: %v", err)
	}
	evaluator := restrictedEvaluator(t)
	for _, path := range samples {
		t.Run(filepath.Base(path), func(t *testing.T) {
			rc := readSample(t, path)
			for enc, values := range map[string]map[string]any{"json": specValuesJSON(t, rc), "unstructured": specValuesUnstructured(t, rc)} {
				objs, err := Render(specChart(t), rc.Name, "ns1", values)
				if err != nil {
					t.Fatalf("%s values: %v", enc, err)
				}
				r := typed(t, objs)
				wantEqual(t, enc+" head StatefulSet", r.head.Name, rc.Name+"-head")
				wantEqual(t, enc+" worker groups", len(r.workers), len(rc.Spec.WorkerGroupSpecs))
				for _, g := range rc.Spec.WorkerGroupSpecs {
					wantEqual(t, enc+" worker ReplicaSet", r.worker(t, g.GroupName).Name, rc.Name+"-"+g.GroupName+"-worker")
				}
				ft := rc.Spec.GcsFaultToleranceOptions != nil || rc.Annotations[rayv1.AnnotationFTEnabled] == "true"
				if ft {
					wantEqual(t, enc+" ft annotation", r.head.Spec.Template.Annotations[rayv1.AnnotationFTEnabled], "true")
					if envOf(r.headContainer(), rayv1.EnvExternalStorageNamespace) == nil {
						t.Errorf("%s: FT on but no %s", enc, rayv1.EnvExternalStorageNamespace)
					}
				}
				if reason := evaluate(evaluator, r.head.Spec.Template); reason != "" {
					t.Errorf("%s head not restricted: %s", enc, reason)
				}
			}
		})
	}
}

// TestSpecChartHasNoExampleDefaults: rendered for a RayCluster, a field the
// spec leaves out does not pick up the example cluster of values.yaml.
func TestSpecChartHasNoExampleDefaults(t *testing.T) {
	values := parseValues(t, `
headGroupSpec:
  template: {spec: {containers: [{name: ray-head, image: "rayproject/ray:2.46.0"}]}}
cluster: {name: headonly, uid: 0a0b0c0d-0000-4000-8000-000000000001}
`)
	objs, err := Render(specChart(t), "headonly", "ns1", values)
	if err != nil {
		t.Fatal(err)
	}
	r := typed(t, objs)
	wantEqual(t, "worker groups", len(r.workers), 0)
	if r.headContainer().LivenessProbe.Exec == nil {
		t.Errorf("no rayVersion should mean the exec probes, got %+v", r.headContainer().LivenessProbe)
	}
	wantEqual(t, "head replicas", *r.head.Spec.Replicas, int32(1))
	wantEqual(t, "Service name", r.service.Name, "headonly-head-svc")
	if _, ok := testChart(t).Values["workerGroupSpecs"]; !ok {
		t.Errorf("LoadSpecChart changed the chart loaded by Load")
	}
}

func specChart(t *testing.T) *helmchart.Chart {
	t.Helper()
	ch, err := LoadSpecChart(mustDefaultDir(t))
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func mustDefaultDir(t *testing.T) string {
	t.Helper()
	dir, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func readSample(t *testing.T, path string) *rayv1.RayCluster {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rc := &rayv1.RayCluster{}
	if err := yaml.UnmarshalStrict(b, rc); err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	rc.UID = types.UID("6f0c1d2e-0000-4000-8000-00000000beef")
	// Neutral values of KubeRay fields the API accepts must pass the chart
	// too: numOfHosts 1 (the API default), enableInTreeAutoscaling and
	// enableIngress false.
	rc.Spec.EnableInTreeAutoscaling = ptr.To(false)
	rc.Spec.HeadGroupSpec.EnableIngress = ptr.To(false)
	for i := range rc.Spec.WorkerGroupSpecs {
		if rc.Spec.WorkerGroupSpecs[i].NumOfHosts == 0 {
			rc.Spec.WorkerGroupSpecs[i].NumOfHosts = 1
		}
	}
	return rc
}

func clusterValues(rc *rayv1.RayCluster) map[string]any {
	annotations := map[string]any{}
	for k, v := range rc.Annotations {
		annotations[k] = v
	}
	return map[string]any{"name": rc.Name, "uid": string(rc.UID), "annotations": annotations}
}

func specValuesJSON(t *testing.T, rc *rayv1.RayCluster) map[string]any {
	t.Helper()
	b, err := json.Marshal(rc.Spec)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{}
	if err := json.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}
	values["cluster"] = clusterValues(rc)
	return values
}

func specValuesUnstructured(t *testing.T, rc *rayv1.RayCluster) map[string]any {
	t.Helper()
	values, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&rc.Spec)
	if err != nil {
		t.Fatal(err)
	}
	values["cluster"] = clusterValues(rc)
	return values
}
