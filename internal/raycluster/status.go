/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// StatusProjection fills KubeRay's status fields (state, head, endpoints,
// worker counts, HeadPodReady, RayClusterProvisioned, ReplicaFailure) from
// the reconcile's Observation. The reconciler runs it at the end of every
// reconcile, whatever happened to the apply (an invalid spec, a pending
// release, a failed or held-back upgrade, a suspended cluster), so status
// tells what runs even when nothing can be applied. It writes into the
// request's object only; the reconciler's single status patch persists it.
type StatusProjection struct {
	// Reader and Clock gather an observation when the request carries
	// none (the hook used on its own).
	Reader client.Reader
	Clock  clock.PassiveClock
}

var _ helm.StatusProjector = (*StatusProjection)(nil)

// headMissingRecheck is how soon the projection looks again while the head
// pod is missing: a pod the StatefulSet is refused (a quota, Pod Security)
// never exists, so no pod event would tell.
const headMissingRecheck = 15 * time.Second

// ProjectStatus computes the status of one RayCluster.
func (k *StatusProjection) ProjectStatus(ctx context.Context, req *helm.Request) (helm.Result, error) {
	rc, err := FromObject(req.Object)
	if err != nil {
		return helm.Result{}, err
	}
	obs, err := ObservationOf(ctx, req, &Observer{Reader: k.Reader, Clock: k.Clock})
	if err != nil {
		return helm.Result{}, err
	}
	var out helm.Result
	if obs.HeadPod == nil && !ptr.Deref(rc.Spec.Suspend, false) {
		out.RequeueAfter = headMissingRecheck
	}
	st := rc.Status.DeepCopy()
	if !computeStatus(st, factsOf(rc, obs)) {
		return out, nil
	}
	return out, WriteStatus(req.Object, st)
}

// factsOf picks what computeStatus needs from the observation.
func factsOf(rc *rayv1.RayCluster, obs *Observation) statusFacts {
	return statusFacts{
		Spec: &rc.Spec, Generation: rc.Generation, Now: metav1.NewTime(obs.Now),
		Head: obs.HeadPod, Workers: obs.Workers,
		ServiceName: obs.ServiceName, Service: obs.Service,
		ReplicaSets: obs.ReplicaSets, HeadCreateRefused: obs.HeadCreateRefused, HeadDelete: obs.HeadDelete,
	}
}

// HeadServiceName is the head Service's name as the chart renders it:
// headGroupSpec.headService.metadata.name, else <name>-head-svc.
func HeadServiceName(rc *rayv1.RayCluster) string {
	if hs := rc.Spec.HeadGroupSpec.HeadService; hs != nil && hs.Name != "" {
		return hs.Name
	}
	return rc.Name + "-head-svc"
}
