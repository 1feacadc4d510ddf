/*
Copyright 2026 The ray-ha-operator Authors.
*/

package simenv

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// Create creates rc.
func (e *Env) Create(t *testing.T, rc *rayv1.RayCluster) {
	t.Helper()
	if err := e.Client.Create(context.Background(), rc); err != nil {
		t.Fatalf("creating RayCluster %s/%s: %v", rc.Namespace, rc.Name, err)
	}
}

// RayCluster reads a RayCluster.
func (e *Env) RayCluster(t *testing.T, ns, name string) *rayv1.RayCluster {
	t.Helper()
	rc := &rayv1.RayCluster{}
	if err := e.Client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, rc); err != nil {
		t.Fatalf("reading RayCluster %s/%s: %v", ns, name, err)
	}
	return rc
}

// EditRayCluster changes a RayCluster the way kubectl edit does, sending
// only the change as a merge patch: the operator writes the status at any
// moment, and an Update carrying an older resourceVersion would fail with
// a conflict. It returns the object as the API server answered.
func (e *Env) EditRayCluster(t *testing.T, ns, name string, edit func(*rayv1.RayCluster)) *rayv1.RayCluster {
	t.Helper()
	rc := e.RayCluster(t, ns, name)
	before := rc.DeepCopy()
	edit(rc)
	if err := e.Client.Patch(context.Background(), rc, client.MergeFrom(before)); err != nil {
		t.Fatalf("editing RayCluster %s/%s: %v", ns, name, err)
	}
	return rc
}

// HeadPod returns the head pod, nil when it does not exist.
func (e *Env) HeadPod(t *testing.T, ns, cluster string) *corev1.Pod {
	t.Helper()
	p, err := HeadPod(context.Background(), e.Client, types.NamespacedName{Namespace: ns, Name: cluster})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// WorkerUIDs lists the UIDs of the cluster's worker pods, sorted.
func (e *Env) WorkerUIDs(t *testing.T, ns, cluster string) []string {
	t.Helper()
	var pods corev1.PodList
	if err := e.Client.List(context.Background(), &pods, client.InNamespace(ns),
		client.MatchingLabels{raycluster.LabelCluster: cluster, raycluster.LabelNodeType: raycluster.NodeTypeWork}); err != nil {
		t.Fatal(err)
	}
	var uids []string
	for _, p := range pods.Items {
		uids = append(uids, string(p.UID))
	}
	sort.Strings(uids)
	return uids
}

// WaitReady waits until the RayCluster is "ready" with a Ready head and
// returns the head pod.
func (e *Env) WaitReady(t *testing.T, ns, name string, timeout time.Duration) *corev1.Pod {
	t.Helper()
	took := harness.Eventually(t, timeout, "RayCluster "+ns+"/"+name+" ready", func(context.Context) (bool, string, error) {
		rc := e.RayCluster(t, ns, name)
		return rc.Status.State == rayv1.ClusterStateReady,
			fmt.Sprintf("state %q, conditions %s", rc.Status.State, harness.ConditionSummary(rc)), nil
	})
	t.Logf("RayCluster %s/%s ready after %s", ns, name, took.Round(time.Millisecond))
	return e.HeadPod(t, ns, name)
}

// WaitNewHeadReady waits for a Ready head pod other than old and returns it
// with the time it took.
func (e *Env) WaitNewHeadReady(t *testing.T, ns, cluster string, old types.UID, timeout time.Duration) (*corev1.Pod, time.Duration) {
	t.Helper()
	var head *corev1.Pod
	took := harness.Eventually(t, timeout, "a new Ready head", func(context.Context) (bool, string, error) {
		head = e.HeadPod(t, ns, cluster)
		switch {
		case head == nil:
			return false, "no head pod", nil
		case head.UID == old:
			return false, fmt.Sprintf("still the old head (phase %s, deleting %v)", head.Status.Phase, head.DeletionTimestamp != nil), nil
		case head.DeletionTimestamp != nil || !harness.PodReady(head):
			return false, fmt.Sprintf("new head %s not Ready (phase %s)", head.UID, head.Status.Phase), nil
		}
		return true, "", nil
	})
	return head, took
}

// WaitRecoveryCount waits until status.recovery.count reaches n and the
// HeadRecovering condition is False again; it returns the status.
func (e *Env) WaitRecoveryCount(t *testing.T, ns, name string, n int32, timeout time.Duration) *rayv1.RayCluster {
	t.Helper()
	var rc *rayv1.RayCluster
	harness.Eventually(t, timeout, fmt.Sprintf("recovery %d recorded", n), func(context.Context) (bool, string, error) {
		rc = e.RayCluster(t, ns, name)
		r := rc.Status.Recovery
		done := r != nil && r.Count >= n && harness.ConditionIs(rc, rayv1.HeadRecovering, metav1.ConditionFalse)
		return done, fmt.Sprintf("recovery %+v, conditions %s", r, harness.ConditionSummary(rc)), nil
	})
	return rc
}

// ExpectQuiet checks that a settled RayCluster is not written to: once its
// status stops changing, its resourceVersion stays put for d (a
// steady-state reconcile writes nothing).
func (e *Env) ExpectQuiet(t *testing.T, ns, name string, d time.Duration) {
	t.Helper()
	rv := e.RayCluster(t, ns, name).ResourceVersion
	harness.Eventually(t, 30*time.Second, "status settled", func(context.Context) (bool, string, error) {
		time.Sleep(500 * time.Millisecond)
		now := e.RayCluster(t, ns, name).ResourceVersion
		settled := now == rv
		rv = now
		return settled, "resourceVersion still moving", nil
	})
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if now := e.RayCluster(t, ns, name).ResourceVersion; now != rv {
			t.Fatalf("RayCluster %s/%s written in a steady state (resourceVersion %s -> %s)", ns, name, rv, now)
		}
	}
}

// HeadPod reads a cluster's head pod; nil when there is none.
func HeadPod(ctx context.Context, cl client.Client, key types.NamespacedName) (*corev1.Pod, error) {
	p := &corev1.Pod{}
	err := cl.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: raycluster.HeadPodName(key.Name)}, p)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the head pod of %s: %w", key, err)
	}
	return p, nil
}
