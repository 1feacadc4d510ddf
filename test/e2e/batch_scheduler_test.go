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
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
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
	rc := harness.NewRayCluster(ns, "gang", harness.ClusterOptions{Workers: 2})
	rc.Labels = map[string]string{raycluster.LabelVolcanoQueue: "q1", raycluster.LabelPriorityClassName: "high"}
	env.Create(t, rc)

	t.Run("without the PodGroup CRD the release fails naming the kind", func(t *testing.T) {
		harness.Eventually(t, time.Minute, "ReleaseFailed naming PodGroup", func(context.Context) (bool, string, error) {
			got := env.RayCluster(t, ns, rc.Name)
			c := harness.FindCondition(got, rayv1.ReleaseFailed)
			if c == nil || c.Status != metav1.ConditionTrue {
				return false, fmt.Sprintf("conditions: %s", harness.ConditionSummary(got)), nil
			}
			return strings.Contains(c.Message, "PodGroup"), fmt.Sprintf("ReleaseFailed: %s", c.Message), nil
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
		harness.Eventually(t, 2*time.Minute, "the PodGroup ray-gang-pg", func(context.Context) (bool, string, error) {
			err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "ray-gang-pg"}, pg)
			if apierrors.IsNotFound(err) {
				return false, fmt.Sprintf("not there; conditions: %s", harness.ConditionSummary(env.RayCluster(t, ns, rc.Name))), nil
			}
			return err == nil, fmt.Sprint(err), nil
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
		harness.Eventually(t, time.Minute, "Deployed once the CRD is there", func(context.Context) (bool, string, error) {
			got := env.RayCluster(t, ns, rc.Name)
			return harness.ConditionIs(got, rayv1.Deployed, metav1.ConditionTrue) && harness.ConditionIs(got, rayv1.ReleaseFailed, metav1.ConditionFalse),
				fmt.Sprintf("conditions: %s", harness.ConditionSummary(got)), nil
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
