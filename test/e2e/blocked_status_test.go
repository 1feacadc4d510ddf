/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	helmtime "helm.sh/helm/v3/pkg/time"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// blockedWorkers is the worker count of the blocked-path scenarios.
const blockedWorkers = 2

// TestStatusFollowsRealityWhileBlocked: while nothing can be applied (the
// spec is invalid, a release is pending, the API server refuses the
// upgrade) the head is deleted, and the KubeRay status still tells what
// runs: HeadPodReady False, no "ready" state, the workers counted, and
// then ready again once the new head is Ready, all while still blocked.
func TestStatusFollowsRealityWhileBlocked(t *testing.T) {
	// A pending release is waited on for the grace: long enough here that
	// it is not recovered during the scenario.
	env := Start(t, Options{Tune: func(o *helm.Options) { o.PendingGrace = 10 * time.Minute }})
	tests := map[string]struct {
		block func(t *testing.T, env *Env, ns string)
		// blocked tells that the apply is held back, and why.
		blocked func(rc *rayv1.RayCluster) error
	}{
		"InvalidSpec": {
			block: func(t *testing.T, env *Env, ns string) {
				// The API server cannot check annotations; Validate does.
				env.EditRayCluster(t, ns, "rc", func(rc *rayv1.RayCluster) {
					rc.Annotations = map[string]string{rayv1.AnnotationFTEnabled: "maybe"}
				})
			},
			blocked: conditionIs(rayv1.SpecValid, metav1.ConditionFalse, rayv1.ReasonInvalidSpec),
		},
		"PendingRelease": {
			block: func(t *testing.T, env *Env, ns string) {
				writePendingRevision(t, env, ns, "rc")
				// A label change reconciles at once (the release cache does not).
				env.EditRayCluster(t, ns, "rc", func(rc *rayv1.RayCluster) { rc.Labels = map[string]string{"poke": "1"} })
			},
			blocked: conditionIs(rayv1.Irreconcilable, metav1.ConditionTrue, helm.ReasonErrorGettingReleaseState),
		},
		"FailingUpgrade": {
			block: func(t *testing.T, env *Env, ns string) {
				// The schema accepts it; the API server refuses the
				// StatefulSet: a request above its limit.
				env.EditRayCluster(t, ns, "rc", func(rc *rayv1.RayCluster) {
					rc.Spec.HeadGroupSpec.Template.Spec.Containers[0].Resources = corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
						Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
					}
				})
			},
			blocked: func(rc *rayv1.RayCluster) error {
				c := harness.FindCondition(rc, rayv1.Irreconcilable)
				if c == nil || c.Status != metav1.ConditionTrue || !strings.Contains(c.Message, "rejected: a retry cannot fix this") {
					return fmt.Errorf("Irreconcilable %+v, want the upgrade rejected and held back", c)
				}
				return nil
			},
		},
	}
	t.Run("group", func(t *testing.T) {
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				ns := env.Namespace(t, "blocked-"+strings.ToLower(name))
				env.Create(t, harness.NewRayCluster(ns, "rc", harness.ClusterOptions{Workers: blockedWorkers, HeadStatusByTest: true}))
				old := startHead(t, env, ns, "")
				env.WaitReady(t, ns, "rc", readyTimeout)

				tc.block(t, env, ns)
				expectStatus(t, env, ns, "blocked", true, tc.blocked)
				// Deleted as a kubelet confirms it: no test kubelet runs here.
				if err := env.Client.Delete(context.Background(), old, client.GracePeriodSeconds(0)); err != nil {
					t.Fatal(err)
				}
				expectStatus(t, env, ns, "head deleted while blocked", false, tc.blocked)
				startHead(t, env, ns, old.UID)
				expectStatus(t, env, ns, "new head Ready while blocked", true, tc.blocked)
			})
		}
		t.Run("HeadCreateRefused", func(t *testing.T) { t.Parallel(); headCreateRefused(t, env) })
	})
}

// headCreateRefused: a head the StatefulSet cannot create (a quota refuses
// the pod) shows in ReplicaFailure, and the condition goes once the head
// exists again.
func headCreateRefused(t *testing.T, env *Env) {
	ns := env.Namespace(t, "head-create-refused")
	ctx := context.Background()
	env.Create(t, harness.NewRayCluster(ns, "rc", harness.ClusterOptions{Workers: blockedWorkers, HeadStatusByTest: true}))
	old := startHead(t, env, ns, "")
	env.WaitReady(t, ns, "rc", readyTimeout)
	// Room for the workers only: the running head is over the quota, and
	// its replacement will be refused.
	quota := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pods"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse(strconv.Itoa(blockedWorkers))}}}
	if err := env.Client.Create(ctx, quota); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 30*time.Second, "the quota counted", func(context.Context) (bool, string, error) {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(quota), quota); err != nil {
			return false, fmt.Sprint(err), nil
		}
		used := quota.Status.Used[corev1.ResourcePods]
		return used.Value() == blockedWorkers+1, fmt.Sprintf("quota used %v", quota.Status.Used), nil
	})
	// Deleted as a kubelet confirms it.
	if err := env.Client.Delete(ctx, old, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, recoveryTimeout, "ReplicaFailure FailedCreateHeadPod", func(context.Context) (bool, string, error) {
		rc := env.RayCluster(t, ns, "rc")
		c := harness.FindCondition(rc, rayv1.ReplicaFailure)
		ok := c != nil && c.Status == metav1.ConditionTrue && c.Reason == rayv1.ReasonFailedCreateHeadPod &&
			strings.Contains(c.Message, "exceeded quota") && env.HeadPod(t, ns, "rc") == nil
		return ok, fmt.Sprintf("ReplicaFailure %+v, head exists %v", c, env.HeadPod(t, ns, "rc") != nil), nil
	})
	if err := env.Client.Delete(ctx, quota); err != nil {
		t.Fatal(err)
	}
	startHead(t, env, ns, old.UID)
	harness.Eventually(t, recoveryTimeout, "ReplicaFailure gone with the new head", func(context.Context) (bool, string, error) {
		rc := env.RayCluster(t, ns, "rc")
		c := harness.FindCondition(rc, rayv1.ReplicaFailure)
		return c == nil && harness.ConditionIs(rc, rayv1.HeadPodReady, metav1.ConditionTrue), fmt.Sprintf("ReplicaFailure %+v, %s", c, harness.ConditionSummary(rc)), nil
	})
}

// startHead plays the kubelet for the head pod (other than old): once it
// is bound, it is made Running and Ready. Until then it stays Pending.
func startHead(t *testing.T, env *Env, ns string, old types.UID) *corev1.Pod {
	t.Helper()
	var head *corev1.Pod
	harness.Eventually(t, readyTimeout, "a bound head pod", func(context.Context) (bool, string, error) {
		head = env.HeadPod(t, ns, "rc")
		if head == nil || head.Spec.NodeName == "" || head.DeletionTimestamp != nil || head.UID == old {
			return false, fmt.Sprintf("head %v not bound yet", head != nil), nil
		}
		return true, "", nil
	})
	if err := harness.SetRunningReady(context.Background(), env.Client, head); err != nil {
		t.Fatal(err)
	}
	return head
}

// expectStatus waits until the KubeRay status tells the head's readiness
// and the workers exactly, with the apply still blocked.
func expectStatus(t *testing.T, env *Env, ns, what string, headReady bool, blocked func(*rayv1.RayCluster) error) {
	t.Helper()
	wantState, wantHead := rayv1.ClusterState(""), metav1.ConditionFalse
	if headReady {
		wantState, wantHead = rayv1.ClusterStateReady, metav1.ConditionTrue
	}
	harness.Eventually(t, recoveryTimeout, what, func(context.Context) (bool, string, error) {
		rc := env.RayCluster(t, ns, "rc")
		st := rc.Status
		switch {
		case blocked(rc) != nil:
			return false, fmt.Sprint(blocked(rc)), nil
		case !harness.ConditionIs(rc, rayv1.HeadPodReady, wantHead):
			return false, fmt.Sprintf("HeadPodReady not %s: %s", wantHead, harness.ConditionSummary(rc)), nil
		case st.State != wantState:
			return false, fmt.Sprintf("state %q, want %q (%s)", st.State, wantState, st.Reason), nil
		case st.ReadyWorkerReplicas != blockedWorkers || st.AvailableWorkerReplicas != blockedWorkers || st.DesiredWorkerReplicas != blockedWorkers:
			return false, fmt.Sprintf("workers ready %d available %d desired %d, want %d", st.ReadyWorkerReplicas,
				st.AvailableWorkerReplicas, st.DesiredWorkerReplicas, blockedWorkers), nil
		}
		return true, "", nil
	})
}

func conditionIs(typ rayv1.RayClusterConditionType, status metav1.ConditionStatus, reason string) func(*rayv1.RayCluster) error {
	return func(rc *rayv1.RayCluster) error {
		c := harness.FindCondition(rc, typ)
		if c == nil || c.Status != status || c.Reason != reason {
			return fmt.Errorf("%s %+v, want %s/%s", typ, c, status, reason)
		}
		return nil
	}
}

// writePendingRevision stores a pending-upgrade revision on top of the
// deployed one, as a helm upgrade still running (or its process killed)
// leaves it.
func writePendingRevision(t *testing.T, env *Env, ns, name string) {
	t.Helper()
	cs, err := kubernetes.NewForConfig(env.Cluster.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	store := storage.Init(driver.NewSecrets(cs.CoreV1().Secrets(ns)))
	last, err := store.Last(name)
	if err != nil {
		t.Fatal(err)
	}
	pending := *last
	pending.Version++
	now := helmtime.Now()
	pending.Info = &release.Info{FirstDeployed: last.Info.FirstDeployed, LastDeployed: now,
		Status: release.StatusPendingUpgrade, Description: "upgrade in progress"}
	if err := store.Create(&pending); err != nil {
		t.Fatal(err)
	}
}
