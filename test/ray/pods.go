package ray

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ray-ha-operator/ray-ha-operator/internal/chart"
)

// RenderedCluster is what the chart rendered for one RayCluster: the head
// pod template, the worker pod templates by group and the head Service FQDN.
type RenderedCluster struct {
	Namespace string
	Head      corev1.PodTemplateSpec
	Workers   map[string]corev1.PodTemplateSpec
	// HeadFQDN is the name workers use to reach the GCS (from the workers'
	// FQ_RAY_IP; empty for a head-only cluster).
	HeadFQDN string
}

// Render renders values (a RayCluster spec plus the chart's `cluster` key)
// through the chart the operator uses.
func Render(release, namespace string, values map[string]any) (*RenderedCluster, error) {
	dir, err := chart.DefaultDir()
	if err != nil {
		return nil, err
	}
	ch, err := chart.LoadSpecChart(dir)
	if err != nil {
		return nil, err
	}
	objs, err := chart.Render(ch, release, namespace, values)
	if err != nil {
		return nil, err
	}
	return collect(objs, namespace)
}

func collect(objs []*unstructured.Unstructured, namespace string) (*RenderedCluster, error) {
	rc := &RenderedCluster{Namespace: namespace, Workers: map[string]corev1.PodTemplateSpec{}}
	for _, o := range objs {
		switch o.GetKind() {
		case "StatefulSet":
			var sts appsv1.StatefulSet
			if err := fromUnstructured(o, &sts); err != nil {
				return nil, err
			}
			rc.Head = sts.Spec.Template
			rc.Head.Name = sts.Name + "-0"
		case "ReplicaSet":
			var rs appsv1.ReplicaSet
			if err := fromUnstructured(o, &rs); err != nil {
				return nil, err
			}
			group := rs.Spec.Template.Labels["ray.io/group"]
			rs.Spec.Template.Name = rs.Name + "-test-0"
			rc.Workers[group] = rs.Spec.Template
			if fqdn := envValue(rs.Spec.Template.Spec.Containers[0].Env, "FQ_RAY_IP"); fqdn != "" {
				rc.HeadFQDN = fqdn
			}
		}
	}
	if len(rc.Head.Spec.Containers) == 0 {
		return nil, fmt.Errorf("rendered chart has no head StatefulSet (%d objects)", len(objs))
	}
	return rc, nil
}

// envValue returns the literal value of a variable, "" when unset.
func envValue(env []corev1.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func fromUnstructured(o *unstructured.Unstructured, into any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into); err != nil {
		return fmt.Errorf("converting rendered %s %s: %w", o.GetKind(), o.GetName(), err)
	}
	return nil
}
