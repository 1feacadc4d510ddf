package chart

import (
	"encoding/json"
	"sync"
	"testing"

	helmchart "helm.sh/helm/v3/pkg/chart"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

const (
	testRelease   = "demo"
	testNamespace = "ray"
)

var (
	loadOnce  sync.Once
	loadedDir string
	loaded    *helmchart.Chart
	loadErr   error
)

// testChart loads the chart from the source tree once per test binary.
func testChart(t *testing.T) *helmchart.Chart {
	t.Helper()
	loadOnce.Do(func() {
		loadedDir, loadErr = DefaultDir()
		if loadErr == nil {
			loaded, loadErr = Load(loadedDir)
		}
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return loaded
}

// rendering is the typed view of one render of the chart.
type rendering struct {
	objects []*unstructured.Unstructured
	head    *appsv1.StatefulSet
	service *corev1.Service
	// headless is the headless worker Service, rendered for multi-host
	// worker groups (numOfHosts > 1).
	headless *corev1.Service
	workers  map[string]*appsv1.ReplicaSet // by group name
	ingress  *networkingv1.Ingress         // with headGroupSpec.enableIngress
	// The autoscaler's RBAC, with enableInTreeAutoscaling.
	serviceAccount *corev1.ServiceAccount
	role           *rbacv1.Role
	roleBinding    *rbacv1.RoleBinding
	// spare is the head's warm spare (annotation ray-ha.io/head-spare).
	spare *appsv1.ReplicaSet
}

// renderValues renders the chart with values given as YAML (merged over
// the chart's defaults by Helm, as a user's -f file would be).
func renderValues(t *testing.T, valuesYAML string) *rendering {
	t.Helper()
	objs, err := Render(testChart(t), testRelease, testNamespace, parseValues(t, valuesYAML))
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return typed(t, objs)
}

func parseValues(t *testing.T, valuesYAML string) map[string]any {
	t.Helper()
	vals := map[string]any{}
	if err := yaml.Unmarshal([]byte(valuesYAML), &vals); err != nil {
		t.Fatalf("test values are not YAML: %v", err)
	}
	return vals
}

func typed(t *testing.T, objs []*unstructured.Unstructured) *rendering {
	t.Helper()
	r := &rendering{objects: objs, workers: map[string]*appsv1.ReplicaSet{}}
	for _, o := range objs {
		switch o.GetKind() {
		case "StatefulSet":
			if r.head != nil {
				t.Fatalf("more than one StatefulSet rendered")
			}
			r.head = &appsv1.StatefulSet{}
			fromUnstructured(t, o, r.head)
		case "Service":
			target := &r.service
			if _, ok := o.GetLabels()["ray.io/headless-worker-svc"]; ok {
				target = &r.headless
			}
			if *target != nil {
				t.Fatalf("more than one Service %s rendered", o.GetName())
			}
			*target = &corev1.Service{}
			fromUnstructured(t, o, *target)
		case "ReplicaSet":
			rs := &appsv1.ReplicaSet{}
			fromUnstructured(t, o, rs)
			if _, ok := rs.Labels["ray-ha.io/head-spare-of"]; ok {
				r.spare = rs
				continue
			}
			r.workers[rs.Spec.Template.Labels["ray.io/group"]] = rs
		case "Ingress":
			r.ingress = &networkingv1.Ingress{}
			fromUnstructured(t, o, r.ingress)
		case "ServiceAccount":
			r.serviceAccount = &corev1.ServiceAccount{}
			fromUnstructured(t, o, r.serviceAccount)
		case "Role":
			r.role = &rbacv1.Role{}
			fromUnstructured(t, o, r.role)
		case "RoleBinding":
			r.roleBinding = &rbacv1.RoleBinding{}
			fromUnstructured(t, o, r.roleBinding)
		default:
			t.Fatalf("unexpected kind %s rendered", o.GetKind())
		}
	}
	if r.head == nil || r.service == nil {
		t.Fatalf("head StatefulSet or head Service missing from the rendering")
	}
	return r
}

// fromUnstructured converts strictly: a field the typed API does not know
// means the chart rendered something Kubernetes would reject or drop.
func fromUnstructured(t *testing.T, u *unstructured.Unstructured, into any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, into, true); err != nil {
		b, _ := json.MarshalIndent(u.Object, "", "  ")
		t.Fatalf("%s %s does not convert to its typed API: %v\n%s", u.GetKind(), u.GetName(), err, b)
	}
}

func (r *rendering) headContainer() corev1.Container { return r.head.Spec.Template.Spec.Containers[0] }

func (r *rendering) worker(t *testing.T, group string) *appsv1.ReplicaSet {
	t.Helper()
	rs, ok := r.workers[group]
	if !ok {
		t.Fatalf("no ReplicaSet for worker group %q; have %v", group, keys(r.workers))
	}
	return rs
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// envOf returns the EnvVar with that name, or nil.
func envOf(c corev1.Container, name string) *corev1.EnvVar {
	var found *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == name {
			if found != nil {
				return &corev1.EnvVar{Name: name, Value: "<defined twice>"}
			}
			found = &c.Env[i]
		}
	}
	return found
}

func initContainer(spec corev1.PodSpec, name string) *corev1.Container {
	for i := range spec.InitContainers {
		if spec.InitContainers[i].Name == name {
			return &spec.InitContainers[i]
		}
	}
	return nil
}
