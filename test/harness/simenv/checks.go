/*
Copyright 2026 The ray-ha-operator Authors.
*/

package simenv

import (
	"context"
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// Converged tells whether a RayCluster is where the operator must
// bring it after any crash: the latest generation deployed
// (Deployed=True observed at the current generation), state ready, the
// head pod Ready, the worker ReplicaSet at the spec's replicas and no
// release revision left pending. The string says what is missing.
func Converged(ctx context.Context, cl client.Client, key types.NamespacedName) (bool, string, error) {
	rc := &rayv1.RayCluster{}
	if err := cl.Get(ctx, key, rc); err != nil {
		return false, "", fmt.Errorf("reading RayCluster %s: %w", key, err)
	}
	if rc.DeletionTimestamp != nil {
		return false, "being deleted", nil
	}
	// Pods first: when they are not there yet, Kubernetes is still at
	// work; when they are and status lags, the operator is.
	if ok, why, err := HeadReady(ctx, cl, key); !ok || err != nil {
		return false, why, err
	}
	if ok, why, err := WorkersAtSpec(ctx, cl, rc); !ok || err != nil {
		return false, why, err
	}
	deployed := meta.FindStatusCondition(rc.Status.Conditions, helm.ConditionDeployed)
	switch {
	case deployed == nil || deployed.Status != "True":
		return false, fmt.Sprintf("Deployed not True: %+v", deployed), nil
	case deployed.ObservedGeneration != rc.Generation:
		return false, fmt.Sprintf("Deployed for generation %d, spec is at %d", deployed.ObservedGeneration, rc.Generation), nil
	case rc.Status.State != rayv1.ClusterStateReady:
		return false, fmt.Sprintf("pods Ready but state %q, conditions %s", rc.Status.State, harness.ConditionSummary(rc)), nil
	}
	pending, err := PendingReleases(ctx, cl, key.Namespace, key.Name)
	if err != nil || len(pending) > 0 {
		return false, fmt.Sprintf("release revisions pending: %v", pending), err
	}
	return true, "", nil
}

func HeadReady(ctx context.Context, cl client.Client, key types.NamespacedName) (bool, string, error) {
	head := &corev1.Pod{}
	err := cl.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: raycluster.HeadPodName(key.Name)}, head)
	switch {
	case apierrors.IsNotFound(err):
		return false, "no head pod", nil
	case err != nil:
		return false, "", fmt.Errorf("reading the head pod of %s: %w", key, err)
	case head.DeletionTimestamp != nil || !harness.PodReady(head):
		return false, fmt.Sprintf("head %s not Ready (phase %s, deleting %v, node %q)", head.UID, head.Status.Phase, head.DeletionTimestamp != nil, head.Spec.NodeName), nil
	}
	return true, "", nil
}

// WorkersAtSpec checks that every worker group's ReplicaSet asks for
// and has the replicas of the current spec: proof that the latest spec,
// not an older revision, is applied.
func WorkersAtSpec(ctx context.Context, cl client.Client, rc *rayv1.RayCluster) (bool, string, error) {
	for _, g := range rc.Spec.WorkerGroupSpecs {
		rs := &appsv1.ReplicaSet{}
		name := raycluster.WorkerReplicaSetName(rc.Name, g.GroupName)
		if err := cl.Get(ctx, types.NamespacedName{Namespace: rc.Namespace, Name: name}, rs); err != nil {
			return false, fmt.Sprintf("worker ReplicaSet %s: %v", name, err), client.IgnoreNotFound(err)
		}
		want := int32(1)
		if g.Replicas != nil {
			want = *g.Replicas
		}
		if rs.Spec.Replicas == nil || *rs.Spec.Replicas != want || rs.Status.ReadyReplicas != want {
			return false, fmt.Sprintf("worker ReplicaSet %s: spec %d ready %d, want %d", name, ptr.Deref(rs.Spec.Replicas, -1), rs.Status.ReadyReplicas, want), nil
		}
	}
	return true, "", nil
}

// PendingReleases lists the release revisions (Helm's Secrets, by
// their status label) of a release that are pending-*.
func PendingReleases(ctx context.Context, cl client.Client, ns, release string) ([]string, error) {
	var secrets corev1.SecretList
	if err := cl.List(ctx, &secrets, client.InNamespace(ns), client.MatchingLabels{"owner": "helm", "name": release}); err != nil {
		return nil, fmt.Errorf("listing release Secrets of %s/%s: %w", ns, release, err)
	}
	var pending []string
	for _, s := range secrets.Items {
		if strings.HasPrefix(s.Labels["status"], "pending") {
			pending = append(pending, s.Name+"="+s.Labels["status"])
		}
	}
	return pending, nil
}

// Leftovers lists what remains of a deleted RayCluster: the CR itself,
// its pods, StatefulSets, ReplicaSets, Deployments (of earlier charts),
// Services and release Secrets.
func Leftovers(ctx context.Context, cl client.Client, key types.NamespacedName) ([]string, error) {
	var left []string
	rc := &rayv1.RayCluster{}
	err := cl.Get(ctx, key, rc)
	if err == nil {
		left = append(left, fmt.Sprintf("RayCluster (finalizers %v, deleting %v)", rc.Finalizers, rc.DeletionTimestamp != nil))
	} else if !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("reading RayCluster %s: %w", key, err)
	}
	byLabel := client.MatchingLabels{raycluster.LabelCluster: key.Name}
	lists := map[string]client.ObjectList{
		"Pod": &corev1.PodList{}, "StatefulSet": &appsv1.StatefulSetList{},
		"ReplicaSet": &appsv1.ReplicaSetList{}, "Deployment": &appsv1.DeploymentList{}, "Service": &corev1.ServiceList{},
	}
	for kind, list := range lists {
		if err := cl.List(ctx, list, client.InNamespace(key.Namespace), byLabel); err != nil {
			return nil, fmt.Errorf("listing %ss of %s: %w", kind, key, err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			left = append(left, kind+" "+it.(client.Object).GetName())
		}
	}
	var secrets corev1.SecretList
	if err := cl.List(ctx, &secrets, client.InNamespace(key.Namespace), client.MatchingLabels{"owner": "helm", "name": key.Name}); err != nil {
		return nil, fmt.Errorf("listing release Secrets of %s: %w", key, err)
	}
	for _, s := range secrets.Items {
		left = append(left, "release Secret "+s.Name)
	}
	sort.Strings(left)
	return left, nil
}

// Gone is a harness.Eventually condition: nothing of the cluster is left.
func Gone(cl client.Client, key types.NamespacedName) harness.Condition {
	return func(ctx context.Context) (bool, string, error) {
		left, err := Leftovers(ctx, cl, key)
		return len(left) == 0, fmt.Sprint(left), err
	}
}

// AllConverged is a harness.Eventually condition over several clusters;
// alive reports an operator that died by itself.
func AllConverged(cl client.Client, keys []types.NamespacedName, alive func() error) harness.Condition {
	return func(ctx context.Context) (bool, string, error) {
		if err := alive(); err != nil {
			return false, "", err
		}
		for _, k := range keys {
			ok, why, err := Converged(ctx, cl, k)
			if err != nil || !ok {
				return false, k.String() + ": " + why, err
			}
		}
		return true, "", nil
	}
}

// NodeReady is a harness.Eventually condition: the node is Ready.
func NodeReady(cl client.Client, name string) harness.Condition {
	return func(ctx context.Context) (bool, string, error) {
		n := &corev1.Node{}
		if err := cl.Get(ctx, types.NamespacedName{Name: name}, n); err != nil {
			return false, "", fmt.Errorf("reading node %s: %w", name, err)
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Status == corev1.ConditionTrue, "Ready=" + string(c.Status), nil
			}
		}
		return false, "no Ready condition", nil
	}
}

// NodeNotReady is the opposite: the node lifecycle controller has
// noticed a lost node.
func NodeNotReady(cl client.Client, name string) harness.Condition {
	ready := NodeReady(cl, name)
	return func(ctx context.Context) (bool, string, error) {
		ok, why, err := ready(ctx)
		return !ok && err == nil, why, err
	}
}

// EventCount counts the events of a reason about a RayCluster,
// including repeats folded into one event's series.
func EventCount(ctx context.Context, cl client.Client, key types.NamespacedName, reason string) (int, error) {
	var list eventsv1.EventList
	if err := cl.List(ctx, &list, client.InNamespace(key.Namespace)); err != nil {
		return 0, fmt.Errorf("listing events in %s: %w", key.Namespace, err)
	}
	n := 0
	for _, ev := range list.Items {
		if ev.Regarding.Kind != "RayCluster" || ev.Regarding.Name != key.Name || ev.Reason != reason {
			continue
		}
		switch {
		case ev.Series != nil && ev.Series.Count > 1:
			n += int(ev.Series.Count)
		case ev.DeprecatedCount > 1:
			n += int(ev.DeprecatedCount)
		default:
			n++
		}
	}
	return n, nil
}

// EventMessages lists the messages of a cluster's events of one reason
// (a repeated event is one message).
func EventMessages(ctx context.Context, cl client.Client, key types.NamespacedName, reason string) ([]string, error) {
	var list eventsv1.EventList
	if err := cl.List(ctx, &list, client.InNamespace(key.Namespace)); err != nil {
		return nil, fmt.Errorf("listing events in %s: %w", key.Namespace, err)
	}
	var msgs []string
	for _, ev := range list.Items {
		if ev.Regarding.Kind == "RayCluster" && ev.Regarding.Name == key.Name && ev.Reason == reason {
			msgs = append(msgs, ev.Note)
		}
	}
	return msgs, nil
}

// RecoveryCount is status.recovery.count (0 without a recovery).
func RecoveryCount(ctx context.Context, cl client.Client, key types.NamespacedName) (int32, error) {
	rc := &rayv1.RayCluster{}
	if err := cl.Get(ctx, key, rc); err != nil {
		return 0, fmt.Errorf("reading RayCluster %s: %w", key, err)
	}
	if rc.Status.Recovery == nil {
		return 0, nil
	}
	return rc.Status.Recovery.Count, nil
}

// Recovering is a condition: the RayCluster's HeadRecovering is True.
func Recovering(cl client.Client, key types.NamespacedName) harness.Condition {
	return func(ctx context.Context) (bool, string, error) {
		rc := &rayv1.RayCluster{}
		if err := cl.Get(ctx, key, rc); err != nil {
			return false, "", err
		}
		c := harness.FindCondition(rc, rayv1.HeadRecovering)
		return c != nil && c.Status == "True", fmt.Sprintf("HeadRecovering %+v", c), nil
	}
}
