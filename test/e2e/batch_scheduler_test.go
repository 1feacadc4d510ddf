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

	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// TestBatchSchedulerVolcano runs the operator with --batch-scheduler=volcano
// on the simulated cluster: it starts without volcano's PodGroup CRD, a
// cluster then fails its release with the kind named (nothing accepted and
// silently ignored), and once the CRD is installed the PodGroup is applied,
// owned by the RayCluster, next to pods handed to volcano.
func TestBatchSchedulerVolcano(t *testing.T) {
	if testing.Short() {
		t.Skip("e2e on the simulated cluster: skipped with -short")
	}
	env := Start(t, Options{BatchScheduler: raycluster.Volcano})
	ns := env.Namespace(t, "batch")
	rc := NewRayCluster(ns, "gang", ClusterOptions{Workers: 2})
	rc.Labels = map[string]string{raycluster.LabelVolcanoQueue: "q1", raycluster.LabelPriorityClassName: "high"}
	env.Create(t, rc)

	t.Run("without the PodGroup CRD the release fails naming the kind", func(t *testing.T) {
		Eventually(t, time.Minute, "ReleaseFailed naming PodGroup", func() (bool, error) {
			got := env.RayCluster(t, ns, rc.Name)
			c := findCondition(got, rayv1.ReleaseFailed)
			if c == nil || c.Status != metav1.ConditionTrue {
				return false, fmt.Errorf("conditions: %s", conditionSummary(got))
			}
			return strings.Contains(c.Message, "PodGroup"), fmt.Errorf("ReleaseFailed: %s", c.Message)
		})
	})

	t.Run("with the CRD the PodGroup is applied and the pods go to volcano", func(t *testing.T) {
		if _, err := envtest.InstallCRDs(env.Cluster.RESTConfig(), envtest.CRDInstallOptions{
			CRDs: []*apiextensionsv1.CustomResourceDefinition{volcanoPodGroupCRD()},
		}); err != nil {
			t.Fatalf("installing volcano's PodGroup CRD: %v", err)
		}
		pg := &unstructured.Unstructured{}
		pg.SetAPIVersion("scheduling.volcano.sh/v1beta1")
		pg.SetKind("PodGroup")
		Eventually(t, 2*time.Minute, "the PodGroup ray-gang-pg", func() (bool, error) {
			err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "ray-gang-pg"}, pg)
			if apierrors.IsNotFound(err) {
				return false, fmt.Errorf("not there; conditions: %s", conditionSummary(env.RayCluster(t, ns, rc.Name)))
			}
			return err == nil, err
		})
		spec, _, _ := unstructured.NestedMap(pg.Object, "spec")
		if fmt.Sprint(spec["minMember"]) != "3" || spec["queue"] != "q1" || spec["priorityClassName"] != "high" {
			t.Errorf("PodGroup spec %v, want minMember 3 (head and 2 workers), queue q1, priorityClassName high", spec)
		}
		owner := metav1.GetControllerOf(pg)
		if owner == nil || owner.Kind != "RayCluster" || owner.Name != rc.Name {
			t.Errorf("PodGroup controller %v, want the RayCluster %s", owner, rc.Name)
		}
		head := &appsv1.StatefulSet{}
		if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "gang-head"}, head); err != nil {
			t.Fatal(err)
		}
		tmpl := head.Spec.Template
		if tmpl.Spec.SchedulerName != "volcano" || tmpl.Labels[raycluster.LabelVolcanoQueue] != "q1" ||
			tmpl.Annotations["scheduling.k8s.io/group-name"] != "ray-gang-pg" || tmpl.Annotations["volcano.sh/task-spec"] != "headgroup" {
			t.Errorf("head pod template: schedulerName %q, labels %v, annotations %v", tmpl.Spec.SchedulerName, tmpl.Labels, tmpl.Annotations)
		}
		Eventually(t, time.Minute, "Deployed once the CRD is there", func() (bool, error) {
			got := env.RayCluster(t, ns, rc.Name)
			return conditionStatus(got, rayv1.Deployed, metav1.ConditionTrue) && conditionStatus(got, rayv1.ReleaseFailed, metav1.ConditionFalse),
				fmt.Errorf("conditions: %s", conditionSummary(got))
		})
	})
}

// volcanoPodGroupCRD is the outline of volcano's PodGroup CRD: the kind
// and scope the chart's object needs, any content.
func volcanoPodGroupCRD() *apiextensionsv1.CustomResourceDefinition {
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "podgroups.scheduling.volcano.sh"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "scheduling.volcano.sh",
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "podgroups", Singular: "podgroup", Kind: "PodGroup", ListKind: "PodGroupList"},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1beta1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", XPreserveUnknownFields: ptr.To(true),
				}},
			}},
		},
	}
}
