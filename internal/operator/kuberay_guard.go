/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-logr/logr"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// KubeRayLeaseName is the leader-election Lease of KubeRay's operator
// (v1.5.0: LeaderElectionID "ray-operator-leader", in its
// --leader-election-namespace, by default its pod's namespace; leader
// election is on by default). A KubeRay operator that is reconciling holds
// it and renews it every few seconds.
const KubeRayLeaseName = "ray-operator-leader"

// AllowRunningKubeRayFlag turns the check off.
const AllowRunningKubeRayFlag = "allow-running-kuberay"

// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list

// KubeRayGuard refuses to start the operator while a KubeRay operator is
// reconciling rayclusters.ray.io: two operators on one RayCluster create two
// heads and delete each other's pods, the worst outcome for a GCS-FT
// cluster. It runs before the manager starts, with an uncached reader.
type KubeRayGuard struct {
	Reader client.Reader
	// Namespaces are read one by one when the operator may not list
	// Leases cluster-wide (the watched namespaces, the leader-election one).
	Namespaces []string
	Clock      clock.PassiveClock
	Log        logr.Logger
}

// Check returns an error naming each live KubeRay Lease it can read.
func (g KubeRayGuard) Check(ctx context.Context) error {
	leases, err := g.kubeRayLeases(ctx)
	if err != nil {
		return err
	}
	live := LiveKubeRayLeases(leases, g.Clock.Now())
	if len(live) == 0 {
		return nil
	}
	return fmt.Errorf("KubeRay is reconciling RayClusters (%s): two operators on one RayCluster fight over its pods; "+
		"stop the KubeRay operator first (docs/migrating.md), or start with --%s if it reconciles other RayClusters than this operator does",
		strings.Join(live, "; "), AllowRunningKubeRayFlag)
}

// LiveKubeRayLeases describes the Leases that are held and not expired at
// now. A released Lease has no holder; a crashed operator's Lease expires
// LeaseDuration after its last renewal.
func LiveKubeRayLeases(leases []coordinationv1.Lease, now time.Time) []string {
	var live []string
	for _, l := range leases {
		s := l.Spec
		if l.Name != KubeRayLeaseName || s.HolderIdentity == nil || *s.HolderIdentity == "" ||
			s.RenewTime == nil || s.LeaseDurationSeconds == nil {
			continue
		}
		expires := s.RenewTime.Add(time.Duration(*s.LeaseDurationSeconds) * time.Second)
		if !now.Before(expires) {
			continue
		}
		live = append(live, fmt.Sprintf("Lease %s/%s held by %q, renewed %s ago",
			l.Namespace, l.Name, *s.HolderIdentity, now.Sub(s.RenewTime.Time).Round(time.Second)))
	}
	return live
}

// kubeRayLeases lists the Lease cluster-wide, or, when that is forbidden
// (a namespace-scoped install), reads it in each namespace it may read.
func (g KubeRayGuard) kubeRayLeases(ctx context.Context) ([]coordinationv1.Lease, error) {
	var list coordinationv1.LeaseList
	err := g.Reader.List(ctx, &list, client.MatchingFields{"metadata.name": KubeRayLeaseName})
	if err == nil {
		return list.Items, nil
	}
	if !apierrors.IsForbidden(err) {
		return nil, fmt.Errorf("listing KubeRay leader-election Leases: %w", err)
	}
	var out []coordinationv1.Lease
	var unread []string
	for _, ns := range g.Namespaces {
		var l coordinationv1.Lease
		err := g.Reader.Get(ctx, types.NamespacedName{Namespace: ns, Name: KubeRayLeaseName}, &l)
		switch {
		case err == nil:
			out = append(out, l)
		case apierrors.IsNotFound(err):
		case apierrors.IsForbidden(err):
			unread = append(unread, ns)
		default:
			return nil, fmt.Errorf("reading Lease %s/%s: %w", ns, KubeRayLeaseName, err)
		}
	}
	// Not knowing is no reason to refuse: say what was not checked.
	g.Log.Info("Leases may not be listed cluster-wide: looked for a running KubeRay operator in the watched and leader-election namespaces only",
		"checked", len(g.Namespaces)-len(unread), "unreadable", unread)
	return out, nil
}
