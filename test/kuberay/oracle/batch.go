package main

import (
	"context"
	"flag"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	schedulerpluginsv1alpha1 "sigs.k8s.io/scheduler-plugins/apis/scheduling/v1alpha1"
	volcanov1beta1 "volcano.sh/apis/pkg/apis/scheduling/v1beta1"

	configapi "github.com/ray-project/kuberay/ray-operator/apis/config/v1alpha1"
	rayv1 "github.com/ray-project/kuberay/ray-operator/apis/ray/v1"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/batchscheduler"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/utils"
)

// batchSchedulerName is KubeRay's --batch-scheduler for this run: every
// cluster of the input is handled as an operator with that flag would.
var batchSchedulerName = flag.String("batch-scheduler", "", "KubeRay's --batch-scheduler (volcano, yunikorn, kai-scheduler, scheduler-plugins); empty: none")

// Batch is what KubeRay's batch scheduler plugin creates besides the pods:
// the PodGroup (volcano; scheduler-plugins with gang scheduling). Embedded
// in Result.
type Batch struct {
	PodGroup *unstructured.Unstructured `json:"podGroup,omitempty"`
}

// applyBatchScheduler does what the RayCluster controller does with a batch
// scheduler: DoBatchSchedulingOnSubmission before the pods (its failure
// stops the reconcile, so no pod is created: reported as a refusal), then
// AddMetadataToChildResource on each pod it built. The plugins write the
// PodGroup through a controller-runtime client; a fake client stands in
// for the API server only to catch that object, which is read back as is.
func applyBatchScheduler(rc *rayv1.RayCluster, res *Result) {
	if *batchSchedulerName == "" || res.Head == nil {
		return
	}
	ctx := context.Background()
	cli := fake.NewClientBuilder().WithScheme(runtime.NewScheme()).Build()
	cfg := configapi.Configuration{BatchScheduler: *batchSchedulerName}
	manager, err := batchscheduler.NewSchedulerManager(ctx, cfg, nil, cli)
	if err != nil {
		res.Error = fmt.Sprintf("KubeRay's batch scheduler %q: %v", *batchSchedulerName, err)
		return
	}
	scheduler, err := manager.GetScheduler()
	if err != nil {
		res.Error = fmt.Sprintf("KubeRay's batch scheduler %q: %v", *batchSchedulerName, err)
		return
	}
	// The object as the API server hands it to the controller: the CRD
	// defaults the replica bounds the plugins dereference.
	instance := withReplicaDefaults(rc)
	if err := scheduler.DoBatchSchedulingOnSubmission(ctx, instance); err != nil {
		res.Head, res.Workers, res.Network = nil, nil, Network{}
		res.Rejected = fmt.Sprintf("batch scheduler %s: %v", *batchSchedulerName, err)
		return
	}
	scheduler.AddMetadataToChildResource(ctx, instance, res.Head, utils.RayNodeHeadGroupLabelValue)
	for i := range res.Workers {
		scheduler.AddMetadataToChildResource(ctx, instance, &res.Workers[i].Pod, res.Workers[i].Group)
	}
	pg, err := createdPodGroup(ctx, cli, instance.Namespace)
	if err != nil {
		res.Error = err.Error()
		return
	}
	res.PodGroup = pg
}

func withReplicaDefaults(rc *rayv1.RayCluster) *rayv1.RayCluster {
	instance := rc.DeepCopy()
	for i := range instance.Spec.WorkerGroupSpecs {
		w := &instance.Spec.WorkerGroupSpecs[i]
		if w.Replicas == nil {
			w.Replicas = ptr.To[int32](0)
		}
		if w.MinReplicas == nil {
			w.MinReplicas = ptr.To[int32](0)
		}
		if w.MaxReplicas == nil {
			w.MaxReplicas = ptr.To[int32](2147483647)
		}
	}
	return instance
}

// createdPodGroup returns the one PodGroup the plugin created, if any, as
// JSON-shaped data with apiVersion and kind set.
func createdPodGroup(ctx context.Context, cli client.Client, namespace string) (*unstructured.Unstructured, error) {
	lists := map[schema.GroupVersionKind]client.ObjectList{
		volcanov1beta1.SchemeGroupVersion.WithKind("PodGroup"):           &volcanov1beta1.PodGroupList{},
		schedulerpluginsv1alpha1.SchemeGroupVersion.WithKind("PodGroup"): &schedulerpluginsv1alpha1.PodGroupList{},
	}
	var found []*unstructured.Unstructured
	for gvk, list := range lists {
		if err := cli.List(ctx, list, client.InNamespace(namespace)); err != nil {
			// The kind is not in the scheme: this plugin creates none.
			continue
		}
		items, err := runtime.DefaultUnstructuredConverter.ToUnstructured(list)
		if err != nil {
			return nil, fmt.Errorf("reading the PodGroups KubeRay created: %w", err)
		}
		raw, _ := items["items"].([]any)
		for _, it := range raw {
			obj := &unstructured.Unstructured{Object: it.(map[string]any)}
			obj.SetGroupVersionKind(gvk)
			found = append(found, obj)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("KubeRay's batch scheduler created %d PodGroups, expected at most one", len(found))
}
