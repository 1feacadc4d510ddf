/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// ClusterOptions shape a test RayCluster.
type ClusterOptions struct {
	// RedisAddress turns GCS fault tolerance on with this Redis.
	RedisAddress string
	// Workers is the number of worker pods (one group).
	Workers int32
	// Annotations are added to the RayCluster (policy bounds, say).
	Annotations map[string]string
	// HeadStatusByTest leaves the head pods' status to the test (and to
	// FakeKubelet) instead of kwok.
	HeadStatusByTest bool
	// AvoidNode keeps the head off this node; WorkerNode pins the workers.
	AvoidNode, WorkerNode string
}

// NewRayCluster returns a KubeRay-shaped RayCluster for the tests.
func NewRayCluster(ns, name string, o ClusterOptions) *rayv1.RayCluster {
	rc := &rayv1.RayCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: o.Annotations},
		Spec: rayv1.RayClusterSpec{
			RayVersion: "2.52.0",
			HeadGroupSpec: rayv1.HeadGroupSpec{
				RayStartParams: map[string]string{},
				Template:       podTemplate("ray-head", o.HeadStatusByTest),
			},
			WorkerGroupSpecs: []rayv1.WorkerGroupSpec{{
				GroupName: "small", Replicas: ptr.To(o.Workers), MinReplicas: ptr.To[int32](0), MaxReplicas: ptr.To[int32](5),
				RayStartParams: map[string]string{}, Template: podTemplate("ray-worker", false),
			}},
		},
	}
	if o.RedisAddress != "" {
		rc.Spec.GcsFaultToleranceOptions = &rayv1.GcsFaultToleranceOptions{RedisAddress: o.RedisAddress}
	}
	if o.AvoidNode != "" {
		rc.Spec.HeadGroupSpec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpNotIn, Values: []string{o.AvoidNode}}},
			}}},
		}}
	}
	if o.WorkerNode != "" {
		rc.Spec.WorkerGroupSpecs[0].Template.Spec.NodeSelector = map[string]string{corev1.LabelHostname: o.WorkerNode}
	}
	return rc
}

func podTemplate(container string, statusByTest bool) corev1.PodTemplateSpec {
	t := corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		// A short grace keeps deletions of test-managed pods quick.
		TerminationGracePeriodSeconds: ptr.To[int64](1),
		Containers:                    []corev1.Container{{Name: container, Image: "rayproject/ray:2.52.0"}},
	}}
	if statusByTest {
		t.Annotations = map[string]string{simcluster.DisregardStatusAnnotation: "true"}
	}
	return t
}

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
	p := &corev1.Pod{}
	err := e.Client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: raycluster.HeadPodName(cluster)}, p)
	if apierrors.IsNotFound(err) {
		return nil
	}
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
	took := Eventually(t, timeout, "RayCluster "+ns+"/"+name+" ready", func() (bool, error) {
		rc := e.RayCluster(t, ns, name)
		if rc.Status.State != rayv1.ClusterStateReady {
			return false, errorf("state %q, conditions %s", rc.Status.State, conditionSummary(rc))
		}
		return true, nil
	})
	t.Logf("RayCluster %s/%s ready after %s", ns, name, took.Round(time.Millisecond))
	return e.HeadPod(t, ns, name)
}

// WaitNewHeadReady waits for a Ready head pod other than old and returns it
// with the time it took.
func (e *Env) WaitNewHeadReady(t *testing.T, ns, cluster string, old types.UID, timeout time.Duration) (*corev1.Pod, time.Duration) {
	t.Helper()
	var head *corev1.Pod
	took := Eventually(t, timeout, "a new Ready head", func() (bool, error) {
		head = e.HeadPod(t, ns, cluster)
		switch {
		case head == nil:
			return false, errorf("no head pod")
		case head.UID == old:
			return false, errorf("still the old head (phase %s, deleting %v)", head.Status.Phase, head.DeletionTimestamp != nil)
		case head.DeletionTimestamp != nil || !podReady(head):
			return false, errorf("new head %s not Ready (phase %s)", head.UID, head.Status.Phase)
		}
		return true, nil
	})
	return head, took
}

// WaitRecoveryCount waits until status.recovery.count reaches n and the
// HeadRecovering condition is False again; it returns the status.
func (e *Env) WaitRecoveryCount(t *testing.T, ns, name string, n int32, timeout time.Duration) *rayv1.RayCluster {
	t.Helper()
	var rc *rayv1.RayCluster
	Eventually(t, timeout, fmt.Sprintf("recovery %d recorded", n), func() (bool, error) {
		rc = e.RayCluster(t, ns, name)
		r := rc.Status.Recovery
		if r == nil || r.Count < n || !conditionStatus(rc, rayv1.HeadRecovering, metav1.ConditionFalse) {
			return false, errorf("recovery %+v, conditions %s", r, conditionSummary(rc))
		}
		return true, nil
	})
	return rc
}

// ExpectQuiet checks that a settled RayCluster is not written to: once its
// status stops changing, its resourceVersion stays put for d (a
// steady-state reconcile writes nothing).
func (e *Env) ExpectQuiet(t *testing.T, ns, name string, d time.Duration) {
	t.Helper()
	rv := e.RayCluster(t, ns, name).ResourceVersion
	Eventually(t, 30*time.Second, "status settled", func() (bool, error) {
		time.Sleep(500 * time.Millisecond)
		now := e.RayCluster(t, ns, name).ResourceVersion
		settled := now == rv
		rv = now
		return settled, errorf("resourceVersion still moving")
	})
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if now := e.RayCluster(t, ns, name).ResourceVersion; now != rv {
			t.Fatalf("RayCluster %s/%s written in a steady state (resourceVersion %s -> %s)", ns, name, rv, now)
		}
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func conditionStatus(rc *rayv1.RayCluster, t rayv1.RayClusterConditionType, s metav1.ConditionStatus) bool {
	c := findCondition(rc, t)
	return c != nil && c.Status == s
}

func findCondition(rc *rayv1.RayCluster, t rayv1.RayClusterConditionType) *metav1.Condition {
	for i := range rc.Status.Conditions {
		if rc.Status.Conditions[i].Type == string(t) {
			return &rc.Status.Conditions[i]
		}
	}
	return nil
}

func conditionSummary(rc *rayv1.RayCluster) string {
	var parts []string
	for _, c := range rc.Status.Conditions {
		parts = append(parts, fmt.Sprintf("%s=%s/%s", c.Type, c.Status, c.Reason))
	}
	return strings.Join(parts, " ")
}

// envValue returns a container env variable's literal value.
func envValue(c *corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}
