package kuberay

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	helmchart "helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/chart"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// Both sides see the same namespace and UID (the UID names GCS FT's
// storage namespace).
const (
	defaultNamespace = "default"
	fixedUID         = "6f1c2a3e-0d4b-4c61-9b7e-2a5d8e9f0a11"
)

// ourRender is what our operator makes of a RayCluster: its refusal, or
// the head's and each worker group's pod template as the chart renders them.
type ourRender struct {
	Rejected string
	Head     *corev1.PodTemplateSpec
	Workers  map[string]*corev1.PodTemplateSpec
	// HeadService, HeadIngress and WorkerHeadlessService (nil when not
	// rendered), see network.go.
	HeadService           *corev1.Service
	HeadIngress           *networkingv1.Ingress
	WorkerHeadlessService *corev1.Service
	// PodGroup is the batch scheduler's (nil when not rendered), see batch.go.
	PodGroup *unstructured.Unstructured
	// The autoscaler's ServiceAccount, Role and RoleBinding, see autoscaler.go.
	ourAutoscaler
	// Dropped lists spec fields the RayCluster had that our API type does
	// not keep (the API server would prune them): worth knowing when a
	// difference follows from one.
	Dropped []string
}

var (
	specChartOnce sync.Once
	specChart     *helmchart.Chart
	specChartErr  error
)

// loadChart loads the chart as the operator does, once per process.
func loadChart() (*helmchart.Chart, error) {
	specChartOnce.Do(func() {
		dir, err := chart.DefaultDir()
		if err != nil {
			specChartErr = err
			return
		}
		specChart, specChartErr = chart.LoadSpecChart(dir)
	})
	return specChart, specChartErr
}

// renderOurs runs a RayCluster through the operator's own path: decoded
// into our API type (as the API server's pruning would leave it),
// Validate, the values the Helm reconciler builds (the spec, with
// MapValues' output winning, for an operator run with --batch-scheduler
// set to scheduler), then the chart. A refusal by Validate or the
// chart is a result, not an error; errors are for the test's own failures.
func renderOurs(obj *unstructured.Unstructured, scheduler string) (ourRender, error) {
	var out ourRender
	rc, err := toOurCluster(obj)
	if err != nil {
		// A value of the wrong type: our CRD's schema refuses it.
		out.Rejected = err.Error()
		return out, nil
	}
	out.Dropped = droppedFields(obj.Object["spec"], rc)
	if errs := raycluster.Validate(rc); len(errs) > 0 {
		out.Rejected = errs.ToAggregate().Error()
		return out, nil
	}
	vals, err := ourValues(rc, scheduler)
	if err != nil {
		return out, err
	}
	ch, err := loadChart()
	if err != nil {
		return out, err
	}
	objs, err := chart.Render(ch, rc.Name, rc.Namespace, vals)
	if err != nil {
		out.Rejected = err.Error()
		return out, nil
	}
	if out, err = collectPods(objs, out); err != nil {
		return out, err
	}
	if out, err = collectPodGroups(objs, out); err != nil {
		return out, err
	}
	if out, err = collectAutoscalerRBAC(objs, out); err != nil {
		return out, err
	}
	return collectNetwork(objs, out)
}

// toOurCluster decodes a RayCluster into our API type, with the namespace,
// UID and CRD defaults the API server would set.
func toOurCluster(obj *unstructured.Unstructured) (*rayv1.RayCluster, error) {
	b, err := json.Marshal(obj.Object)
	if err != nil {
		return nil, fmt.Errorf("encoding RayCluster %s: %w", obj.GetName(), err)
	}
	rc := &rayv1.RayCluster{}
	if err := json.Unmarshal(b, rc); err != nil {
		return nil, fmt.Errorf("decoding RayCluster %s into our API type: %w", obj.GetName(), err)
	}
	if rc.Namespace == "" {
		rc.Namespace = defaultNamespace
	}
	rc.UID = fixedUID
	for i := range rc.Spec.WorkerGroupSpecs {
		if rc.Spec.WorkerGroupSpecs[i].NumOfHosts == 0 {
			rc.Spec.WorkerGroupSpecs[i].NumOfHosts = 1
		}
	}
	return rc, nil
}

// ourValues builds the values as the Helm reconciler does: the spec as
// JSON, with MapValues' values winning.
func ourValues(rc *rayv1.RayCluster, scheduler string) (map[string]any, error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rc)
	if err != nil {
		return nil, fmt.Errorf("converting RayCluster %s: %w", rc.Name, err)
	}
	u := &unstructured.Unstructured{Object: obj}
	spec, _, err := unstructured.NestedMap(obj, "spec")
	if err != nil {
		return nil, fmt.Errorf("reading the spec of %s: %w", rc.Name, err)
	}
	mapped, err := raycluster.MapValuesFor(raycluster.BatchScheduler(scheduler))(context.Background(), u)
	if err != nil {
		return nil, fmt.Errorf("MapValues of %s: %w", rc.Name, err)
	}
	return chartutil.MergeTables(mapped, spec), nil
}

// collectPods finds the head and worker pod templates in whatever workload
// objects the chart rendered (anything with spec.template), by their
// ray.io/node-type and ray.io/group labels, so the comparison does not
// depend on the workload kind.
func collectPods(objs []*unstructured.Unstructured, out ourRender) (ourRender, error) {
	out.Workers = map[string]*corev1.PodTemplateSpec{}
	for _, o := range objs {
		tmpl, found, err := unstructured.NestedMap(o.Object, "spec", "template")
		if err != nil || !found {
			continue
		}
		var pt corev1.PodTemplateSpec
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(tmpl, &pt); err != nil {
			return out, fmt.Errorf("reading the pod template of %s %s: %w", o.GetKind(), o.GetName(), err)
		}
		switch pt.Labels["ray.io/node-type"] {
		case "head":
			if out.Head != nil {
				return out, fmt.Errorf("two head pod templates rendered (%s %s)", o.GetKind(), o.GetName())
			}
			out.Head = &pt
		case "worker":
			g := pt.Labels["ray.io/group"]
			if out.Workers[g] != nil {
				return out, fmt.Errorf("two pod templates rendered for worker group %q (%s %s)", g, o.GetKind(), o.GetName())
			}
			out.Workers[g] = &pt
		}
	}
	return out, nil
}

// droppedFields lists the paths under spec that the original object sets
// (to something other than an empty or zero value) and our API type does
// not keep.
func droppedFields(original any, rc *rayv1.RayCluster) []string {
	kept, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rc)
	if err != nil {
		return []string{"(could not compare: " + err.Error() + ")"}
	}
	var out []string
	walkDropped("spec", original, kept["spec"], &out)
	sort.Strings(out)
	return out
}

func walkDropped(path string, orig, kept any, out *[]string) {
	if isZeroValue(orig) {
		return
	}
	switch o := orig.(type) {
	case map[string]any:
		k, _ := kept.(map[string]any)
		for key, v := range o {
			child := path + "." + key
			if strings.Contains(key, ".") || strings.Contains(key, "/") {
				child = fmt.Sprintf("%s[%q]", path, key)
			}
			walkDropped(child, v, k[key], out)
		}
	case []any:
		k, _ := kept.([]any)
		for i, v := range o {
			var kv any
			if i < len(k) {
				kv = k[i]
			}
			walkDropped(fmt.Sprintf("%s[%d]", path, i), v, kv, out)
		}
	default:
		if kept == nil {
			*out = append(*out, path)
		}
	}
}

func isZeroValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case string:
		return x == ""
	case bool:
		return !x
	case int64:
		return x == 0
	case float64:
		return x == 0
	}
	return false
}
