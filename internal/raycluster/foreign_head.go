/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// ForeignHeadHook keeps the chart from starting a head while another pod
// labelled as this cluster's head runs: KubeRay's head, left when a
// RayCluster is taken over from KubeRay without deleting its pods
// (docs/migrating.md, step 4). KubeRay's pods are owned by the RayCluster,
// so no StatefulSet of ours adopts or removes them, and a head of our own
// beside one would make two GCS write the same Redis namespace (and the head
// Service, which selects by label, would send clients to both).
//
// It stops the apply only while our head pod does not exist: once it does,
// the StatefulSet keeps it whatever the chart does, and the head health
// hook already refuses to replace a head while another one is alive. A
// pod's deletion triggers the next reconcile, which then proceeds.
type ForeignHeadHook struct {
	Reader client.Reader
	Clock  clock.PassiveClock
	Policy Policy
}

// PreReconcile stops the apply of a cluster whose head would start beside
// a foreign one.
func (k *ForeignHeadHook) PreReconcile(ctx context.Context, req *helm.Request) (helm.Result, error) {
	rc, err := FromObject(req.Object)
	if err != nil {
		return helm.Result{}, err
	}
	obs, err := ObservationOf(ctx, req, &Observer{Reader: k.Reader, Clock: k.Clock, Policy: k.Policy})
	if err != nil {
		return helm.Result{}, fmt.Errorf("foreign heads of RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	if obs.HeadPod != nil || ptr.Deref(rc.Spec.Suspend, false) {
		return helm.Result{}, nil
	}
	foreign := ForeignHeadPods(obs.OtherHeads)
	if len(foreign) == 0 {
		return helm.Result{}, nil
	}
	return helm.Result{Stop: true, Reason: rayv1.ReasonForeignHeadPod, Message: fmt.Sprintf(
		"not starting head %s: head pod(s) %s of this RayCluster exist that its head StatefulSet %s did not make "+
			"(KubeRay's, left from before the migration?); two heads would share one GCS storage namespace. "+
			"Delete them (docs/migrating.md, step 4)",
		HeadPodName(rc.Name), strings.Join(foreign, ", "), HeadStatefulSetName(rc.Name))}, nil
}

// ForeignHeadPods names, sorted, the pods among others (head-labelled pods
// other than the StatefulSet's) that may still run a Ray head: all but
// those that ended. A terminating pod counts until it is gone, since its
// processes run until then.
func ForeignHeadPods(others []corev1.Pod) []string {
	var names []string
	for i := range others {
		if phase := others[i].Status.Phase; phase == corev1.PodFailed || phase == corev1.PodSucceeded {
			continue
		}
		names = append(names, others[i].Name)
	}
	slices.Sort(names)
	return names
}
