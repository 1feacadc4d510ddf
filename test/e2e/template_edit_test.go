/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// editEnv is the variable the template edits set on the Ray containers.
const editEnv = "TEMPLATE_EDIT"

// TestTemplateEdits checks KubeRay's rule that a template change never
// kills a running Ray pod: not a spec edit, and not an operator upgrade
// whose chart renders other pod templates (the operator starts with the
// chart of the worker Deployments, in testdata, and is upgraded to the
// current one). Pods created afterwards use the new template.
func TestTemplateEdits(t *testing.T) {
	earlier, err := filepath.Abs(filepath.Join("testdata", "ray-cluster-deployments"))
	if err != nil {
		t.Fatal(err)
	}
	// The earlier operator had no worker hand-over: it ran without the hook.
	var env *Env
	withoutHandOver := func(o *helm.Options) {
		if env != nil && env.ChartDir() != earlier {
			return
		}
		o.PreHooks = slices.DeleteFunc(o.PreHooks, func(h helm.PreReconcileHook) bool {
			_, ok := h.(*raycluster.WorkerMigrationHook)
			return ok
		})
	}
	env = Start(t, Options{ChartDir: earlier, Tune: withoutHandOver})
	t.Run("OperatorUpgrade", func(t *testing.T) { operatorUpgrade(t, env) })
	t.Run("group", func(t *testing.T) {
		t.Run("EditKeepsPods", func(t *testing.T) { t.Parallel(); editKeepsPods(t, env) })
		t.Run("RecreateOptIn", func(t *testing.T) { t.Parallel(); recreateOptIn(t, env) })
	})
}

// operatorUpgrade: clusters rendered by the chart of worker Deployments,
// then the operator with the current chart. The workers are handed to the
// group's ReplicaSet and the head stays: the same pods, none deleted. Two
// clusters are left as an operator that crashed mid-way would leave them:
// after the Deployment's orphaning delete, and after its ReplicaSet's too.
func operatorUpgrade(t *testing.T, env *Env) {
	type cluster struct {
		ns      string
		crash   func(t *testing.T, ns string)
		events  int
		head    types.UID
		workers []string
	}
	clusters := []*cluster{
		{ns: "upgrade", events: 1},
		{ns: "upgrade-crash-1", crash: func(t *testing.T, ns string) { orphanDeploymentByHand(t, env, ns) }},
		{ns: "upgrade-crash-2", crash: func(t *testing.T, ns string) {
			orphanDeploymentByHand(t, env, ns)
			orphanReplicaSetsByHand(t, env, ns)
		}},
	}
	ctx := context.Background()
	workerName := raycluster.WorkerReplicaSetName("rc", "small")
	for _, c := range clusters {
		env.Namespace(t, c.ns)
		env.Create(t, harness.NewRayCluster(c.ns, "rc", harness.ClusterOptions{Workers: 2}))
	}
	for _, c := range clusters {
		c.head = env.WaitReady(t, c.ns, "rc", readyTimeout).UID
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: c.ns, Name: workerName}, &appsv1.Deployment{}); err != nil {
			t.Fatalf("the earlier chart's worker Deployment: %v", err)
		}
		harness.Eventually(t, 60*time.Second, "two workers before the upgrade", func(context.Context) (bool, string, error) {
			c.workers = env.WorkerUIDs(t, c.ns, "rc")
			return len(c.workers) == 2, fmt.Sprintf("%d workers", len(c.workers)), nil
		})
	}
	env.StopOperator()
	for _, c := range clusters {
		if c.crash != nil {
			c.crash(t, c.ns)
		}
	}

	env.RestartOperatorWithChart("")
	for _, c := range clusters {
		t.Run(c.ns, func(t *testing.T) { checkUpgraded(t, env, c.ns, c.head, c.workers, c.events) })
	}
}

// checkUpgraded checks one cluster after the upgrade: the same pods, the
// workers controlled by the group's ReplicaSet, no Deployment left, the
// head StatefulSet OnDelete with a changed template, events exactly as many
// as Deployments the operator orphaned, and the cluster ready.
func checkUpgraded(t *testing.T, env *Env, ns string, head types.UID, workers []string, events int) {
	ctx := context.Background()
	workerName := raycluster.WorkerReplicaSetName("rc", "small")
	rs := &appsv1.ReplicaSet{}
	harness.Eventually(t, 60*time.Second, "the worker ReplicaSet owns the workers", func(context.Context) (bool, string, error) {
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: workerName}, rs); err != nil {
			return false, fmt.Sprint(err), nil
		}
		ok, why := ownedBy(t, env, ns, rs.UID, workers)
		return ok, why, nil
	})
	holdsFor(t, env, ns, head, 3*time.Second)
	if got := env.WorkerUIDs(t, ns, "rc"); !slices.Equal(got, workers) {
		t.Fatalf("worker pods %v after the upgrade settled, want the same %v", got, workers)
	}
	err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: workerName}, &appsv1.Deployment{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("the worker Deployment after the upgrade: %v, want NotFound", err)
	}
	var sets appsv1.ReplicaSetList
	if err := env.Client.List(ctx, &sets, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if len(sets.Items) != 1 || sets.Items[0].Name != workerName {
		t.Errorf("ReplicaSets %v after the upgrade, want only %s", names(sets.Items), workerName)
	}
	sts := &appsv1.StatefulSet{}
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "rc-head"}, sts); err != nil {
		t.Fatal(err)
	}
	if sts.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType {
		t.Errorf("head StatefulSet updateStrategy %q, want OnDelete", sts.Spec.UpdateStrategy.Type)
	}
	// The current chart renders other pod templates than the earlier one
	// (it adds the template hash), applied in the same upgrade as OnDelete.
	if sts.Spec.Template.Annotations[raycluster.AnnotationPodTemplateHash] == "" || rs.Spec.Template.Annotations[raycluster.AnnotationPodTemplateHash] == "" {
		t.Errorf("the upgraded templates carry no %s: the test would not show a template change", raycluster.AnnotationPodTemplateHash)
	}
	if h := env.HeadPod(t, ns, "rc"); h.Annotations[raycluster.AnnotationPodTemplateHash] != "" {
		t.Errorf("the head pod has the new template's hash: it was replaced")
	}
	if events > 0 {
		waitEventReason(t, env, ns, "rc", raycluster.EventWorkerDeploymentOrphaned)
	}
	if n := countString(env.EventReasons(t, ns, "rc"), raycluster.EventWorkerDeploymentOrphaned); n != events {
		t.Errorf("%d %s events, want %d", n, raycluster.EventWorkerDeploymentOrphaned, events)
	}
	env.WaitReady(t, ns, "rc", readyTimeout)
	if got := env.RayCluster(t, ns, "rc"); harness.ConditionIs(got, rayv1.RayClusterConditionType(helm.ConditionIrreconcilable), metav1.ConditionTrue) {
		t.Errorf("Irreconcilable after the upgrade: %s", harness.ConditionSummary(got))
	}
}

// orphanDeploymentByHand deletes the worker Deployment keeping its
// ReplicaSet, as the hand-over's first step does, and waits until it is gone.
func orphanDeploymentByHand(t *testing.T, env *Env, ns string) {
	t.Helper()
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: raycluster.WorkerReplicaSetName("rc", "small")}}
	if err := env.Client.Delete(context.Background(), d, client.PropagationPolicy(metav1.DeletePropagationOrphan)); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 30*time.Second, "the Deployment gone", func(context.Context) (bool, string, error) {
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(d), d)
		return apierrors.IsNotFound(err), fmt.Sprint(err), nil
	})
}

// orphanReplicaSetsByHand deletes the Deployment's ReplicaSets keeping
// their pods, as the second step does, and waits until the pods are free.
func orphanReplicaSetsByHand(t *testing.T, env *Env, ns string) {
	t.Helper()
	ctx := context.Background()
	if err := env.Client.DeleteAllOf(ctx, &appsv1.ReplicaSet{}, client.InNamespace(ns),
		client.PropagationPolicy(metav1.DeletePropagationOrphan)); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 30*time.Second, "the workers free of a controller", func(context.Context) (bool, string, error) {
		var sets appsv1.ReplicaSetList
		if err := env.Client.List(ctx, &sets, client.InNamespace(ns)); err != nil || len(sets.Items) > 0 {
			return false, fmt.Sprintf("%d ReplicaSets left (%v)", len(sets.Items), err), nil
		}
		for _, p := range workerPods(t, env, ns) {
			if ref := metav1.GetControllerOf(&p); ref != nil {
				return false, fmt.Sprintf("pod %s controlled by %s", p.Name, ref.Name), nil
			}
		}
		return true, "", nil
	})
}

// editKeepsPods: an env var added to the head's and the workers' templates
// changes no running pod; a scale-up and a replaced head get it.
func editKeepsPods(t *testing.T, env *Env) {
	ns := env.Namespace(t, "template-edit")
	env.Create(t, harness.NewRayCluster(ns, "rc", harness.ClusterOptions{Workers: 2}))
	head := env.WaitReady(t, ns, "rc", readyTimeout)
	workers := env.WorkerUIDs(t, ns, "rc")
	ctx := context.Background()

	env.EditRayCluster(t, ns, "rc", func(rc *rayv1.RayCluster) {
		setEnv(&rc.Spec.HeadGroupSpec.Template, "v2")
		setEnv(&rc.Spec.WorkerGroupSpecs[0].Template, "v2")
	})
	harness.Eventually(t, 60*time.Second, "the edit applied to the StatefulSet and the ReplicaSet", func(context.Context) (bool, string, error) {
		sts, rs := &appsv1.StatefulSet{}, &appsv1.ReplicaSet{}
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "rc-head"}, sts); err != nil {
			return false, fmt.Sprint(err), nil
		}
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: raycluster.WorkerReplicaSetName("rc", "small")}, rs); err != nil {
			return false, fmt.Sprint(err), nil
		}
		return envValue(&sts.Spec.Template.Spec.Containers[0], editEnv) == "v2" &&
			envValue(&rs.Spec.Template.Spec.Containers[0], editEnv) == "v2", "not yet", nil
	})
	// A rollout would replace a pod within moments on the simulated cluster.
	holdsFor(t, env, ns, head.UID, 5*time.Second)
	if got := env.WorkerUIDs(t, ns, "rc"); !slices.Equal(got, workers) {
		t.Fatalf("worker pods %v after the edit, want the same %v", got, workers)
	}

	env.EditRayCluster(t, ns, "rc", func(rc *rayv1.RayCluster) { rc.Spec.WorkerGroupSpecs[0].Replicas = ptr.To[int32](3) })
	var added corev1.Pod
	harness.Eventually(t, 60*time.Second, "a third worker", func(context.Context) (bool, string, error) {
		pods := workerPods(t, env, ns)
		for _, p := range pods {
			if !slices.Contains(workers, string(p.UID)) {
				added = p
			}
		}
		return len(pods) == 3 && added.UID != "", fmt.Sprintf("%d workers", len(pods)), nil
	})
	if got := envValue(&added.Spec.Containers[0], editEnv); got != "v2" {
		t.Errorf("the scaled-up worker has %s=%q, want the edited v2", editEnv, got)
	}
	for _, p := range workerPods(t, env, ns) {
		if p.UID != added.UID && envValue(&p.Spec.Containers[0], editEnv) != "" {
			t.Errorf("running worker %s changed: %s=%q", p.Name, editEnv, envValue(&p.Spec.Containers[0], editEnv))
		}
	}
	if got := envValue(&env.HeadPod(t, ns, "rc").Spec.Containers[0], editEnv); got != "" {
		t.Errorf("the running head has %s=%q, want it untouched", editEnv, got)
	}

	if err := env.Client.Delete(ctx, head, client.Preconditions{UID: &head.UID}); err != nil {
		t.Fatal(err)
	}
	fresh, _ := env.WaitNewHeadReady(t, ns, "rc", head.UID, recoveryTimeout)
	if got := envValue(&fresh.Spec.Containers[0], editEnv); got != "v2" {
		t.Errorf("the head created after the delete has %s=%q, want the edited v2", editEnv, got)
	}
}

// setEnv sets editEnv on a template's Ray container.
func setEnv(tmpl *corev1.PodTemplateSpec, value string) {
	c := &tmpl.Spec.Containers[0]
	c.Env = append(c.Env, corev1.EnvVar{Name: editEnv, Value: value})
}

// workerPods lists the worker pods of cluster rc.
func workerPods(t *testing.T, env *Env, ns string) []corev1.Pod {
	t.Helper()
	var pods corev1.PodList
	if err := env.Client.List(context.Background(), &pods, client.InNamespace(ns),
		client.MatchingLabels{raycluster.LabelCluster: "rc", raycluster.LabelNodeType: raycluster.NodeTypeWork}); err != nil {
		t.Fatal(err)
	}
	return pods.Items
}

// ownedBy tells whether exactly the pods with uids exist and the
// ReplicaSet owner controls each, and when not, why.
func ownedBy(t *testing.T, env *Env, ns string, owner types.UID, uids []string) (bool, string) {
	t.Helper()
	pods := workerPods(t, env, ns)
	if len(pods) != len(uids) {
		return false, fmt.Sprintf("%d worker pods, want %d", len(pods), len(uids))
	}
	for _, p := range pods {
		ref := metav1.GetControllerOf(&p)
		switch {
		case !slices.Contains(uids, string(p.UID)):
			return false, fmt.Sprintf("pod %s (%s) is new", p.Name, p.UID)
		case p.DeletionTimestamp != nil:
			return false, fmt.Sprintf("pod %s is being deleted", p.Name)
		case ref == nil || ref.UID != owner:
			return false, fmt.Sprintf("pod %s is controlled by %v", p.Name, ref)
		}
	}
	return true, ""
}

func names(sets []appsv1.ReplicaSet) []string {
	var out []string
	for _, rs := range sets {
		out = append(out, rs.Name)
	}
	return out
}

func countString(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}

// recreateOptIn: with upgradeStrategy Recreate, a template edit replaces
// the head and the workers with pods of the new template; a scaling edit
// does not.
func recreateOptIn(t *testing.T, env *Env) {
	ns := env.Namespace(t, "recreate")
	rc := harness.NewRayCluster(ns, "rc", harness.ClusterOptions{Workers: 2})
	rc.Spec.UpgradeStrategy = &rayv1.RayClusterUpgradeStrategy{Type: ptr.To(rayv1.UpgradeRecreate)}
	env.Create(t, rc)
	head := env.WaitReady(t, ns, "rc", readyTimeout)
	workers := env.WorkerUIDs(t, ns, "rc")

	env.EditRayCluster(t, ns, "rc", func(rc *rayv1.RayCluster) { rc.Spec.WorkerGroupSpecs[0].Replicas = ptr.To[int32](3) })
	harness.Eventually(t, 60*time.Second, "a third worker", func(context.Context) (bool, string, error) {
		n := len(workerPods(t, env, ns))
		return n == 3, fmt.Sprintf("%d workers", n), nil
	})
	holdsFor(t, env, ns, head.UID, 2*time.Second)
	for _, uid := range workers {
		if !slices.Contains(env.WorkerUIDs(t, ns, "rc"), uid) {
			t.Fatalf("worker %s replaced by a scaling edit", uid)
		}
	}
	workers = env.WorkerUIDs(t, ns, "rc")

	env.EditRayCluster(t, ns, "rc", func(rc *rayv1.RayCluster) {
		setEnv(&rc.Spec.HeadGroupSpec.Template, "v2")
		setEnv(&rc.Spec.WorkerGroupSpecs[0].Template, "v2")
	})
	fresh, _ := env.WaitNewHeadReady(t, ns, "rc", head.UID, recoveryTimeout)
	if got := envValue(&fresh.Spec.Containers[0], editEnv); got != "v2" {
		t.Errorf("the recreated head has %s=%q, want v2", editEnv, got)
	}
	harness.Eventually(t, 60*time.Second, "three new workers of the new template", func(context.Context) (bool, string, error) {
		pods := workerPods(t, env, ns)
		if len(pods) != 3 {
			return false, fmt.Sprintf("%d workers", len(pods)), nil
		}
		for _, p := range pods {
			if slices.Contains(workers, string(p.UID)) || envValue(&p.Spec.Containers[0], editEnv) != "v2" || !harness.PodReady(&p) {
				return false, fmt.Sprintf("worker %s: old or not Ready", p.Name), nil
			}
		}
		return true, "", nil
	})
	waitEventReason(t, env, ns, "rc", raycluster.EventPodsRecreated)
	env.WaitReady(t, ns, "rc", readyTimeout)
}
