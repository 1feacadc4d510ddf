/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// TestWorkersToDeleteRaces plays Ray's autoscaler's scale-downs (a lower
// replicas with scaleStrategy.workersToDelete, sent with the autoscaler's
// own identity) in the races a real cluster has, and checks by UID exactly
// which workers remain: the named pods go, no other worker of the group is
// killed, and the group ends at the replicas asked for.
func TestWorkersToDeleteRaces(t *testing.T) {
	env := Start(t, Options{})
	t.Run("named pod goes, no other", func(t *testing.T) { namedPodGoes(t, env) })
	t.Run("named pod already terminating", func(t *testing.T) { namedPodTerminating(t, env) })
	t.Run("name that does not exist", func(t *testing.T) { missingName(t, env) })
	t.Run("two scale-downs in a row", func(t *testing.T) { twoScaleDowns(t, env) })
	t.Run("scale-up and scale-down crossing", func(t *testing.T) { scaleUpCrossing(t, env) })
}

// autoscaledCluster starts an autoscaling RayCluster "rc" with n workers
// and returns its namespace, the autoscaler's client and the workers by
// age (oldest first, names breaking ties).
func autoscaledCluster(t *testing.T, env *Env, nsName string, n int32) (string, client.Client, []corev1.Pod) {
	t.Helper()
	ns := env.Namespace(t, nsName)
	rc := harness.NewRayCluster(ns, "rc", harness.ClusterOptions{Workers: n})
	rc.Spec.EnableInTreeAutoscaling = ptr.To(true)
	env.Create(t, rc)
	env.WaitReady(t, ns, "rc", 2*time.Minute)
	harness.Eventually(t, time.Minute, fmt.Sprintf("%d running workers", n), workersRunning(t, env, ns, int(n)))
	autoscaler := env.clientAs(t, "system:serviceaccount:"+ns+":rc", ns)
	return ns, autoscaler, activeWorkers(t, env, ns)
}

// autoscalerPatch sends the autoscaler's JSON patch of group 0: replicas,
// and the workersToDelete list when names is not nil.
func autoscalerPatch(t *testing.T, env *Env, c client.Client, ns string, replicas int32, names []string) {
	t.Helper()
	ops := []map[string]any{{"op": "replace", "path": "/spec/workerGroupSpecs/0/replicas", "value": replicas}}
	if names != nil {
		ops = append(ops, map[string]any{"op": "add", "path": "/spec/workerGroupSpecs/0/scaleStrategy",
			"value": map[string]any{"workersToDelete": names}})
	}
	body, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Patch(context.Background(), env.RayCluster(t, ns, "rc"), client.RawPatch(types.JSONPatchType, body)); err != nil {
		t.Fatalf("the autoscaler's patch %s: %v", body, err)
	}
}

// activeWorkers are the worker pods not being deleted, oldest first.
func activeWorkers(t *testing.T, env *Env, ns string) []corev1.Pod {
	t.Helper()
	out := slices.DeleteFunc(workerPods(t, env, ns), func(p corev1.Pod) bool { return p.DeletionTimestamp != nil })
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreationTimestamp.Equal(&out[j].CreationTimestamp) {
			return out[i].CreationTimestamp.Before(&out[j].CreationTimestamp)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// workersRunning is the condition "exactly n workers, all Running".
func workersRunning(t *testing.T, env *Env, ns string, n int) harness.Condition {
	return func(context.Context) (bool, string, error) {
		pods := activeWorkers(t, env, ns)
		running := 0
		for _, p := range pods {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		return len(pods) == n && running == n, fmt.Sprintf("%d workers, %d running", len(pods), running), nil
	}
}

// scaleDownDone is the condition "the ReplicaSet has settled at n pods,
// ungated, all n Running, and gone is gone": where the crossing ends, when
// which new pods it made is not known in advance.
func scaleDownDone(t *testing.T, env *Env, ns string, n int, gone corev1.Pod) harness.Condition {
	running := workersRunning(t, env, ns, n)
	return func(ctx context.Context) (bool, string, error) {
		var rs appsv1.ReplicaSet
		key := types.NamespacedName{Namespace: ns, Name: raycluster.WorkerReplicaSetName("rc", "small")}
		if err := env.Client.Get(context.Background(), key, &rs); err != nil {
			return false, fmt.Sprint(err), nil
		}
		if ptr.Deref(rs.Spec.Replicas, -1) != int32(n) || rs.Status.ObservedGeneration != rs.Generation ||
			rs.Status.Replicas != int32(n) || len(rs.Spec.Template.Spec.SchedulingGates) != 0 {
			return false, fmt.Sprintf("ReplicaSet replicas %d (status %d, observed %d/%d), gates %v",
				ptr.Deref(rs.Spec.Replicas, -1), rs.Status.Replicas, rs.Status.ObservedGeneration, rs.Generation,
				rs.Spec.Template.Spec.SchedulingGates), nil
		}
		if slices.Contains(env.WorkerUIDs(t, ns, "rc"), string(gone.UID)) {
			return false, fmt.Sprintf("%s still there", gone.Name), nil
		}
		return running(ctx)
	}
}

// uidsOf are the pods' UIDs, sorted.
func uidsOf(pods ...corev1.Pod) []string {
	uids := make([]string, 0, len(pods))
	for _, p := range pods {
		uids = append(uids, string(p.UID))
	}
	sort.Strings(uids)
	return uids
}

// workersExactly is the condition "every worker pod of rc, terminating
// ones too, is one of keep, and all of keep are there".
func workersExactly(t *testing.T, env *Env, ns string, keep ...corev1.Pod) harness.Condition {
	want := uidsOf(keep...)
	return func(context.Context) (bool, string, error) {
		got := env.WorkerUIDs(t, ns, "rc")
		return slices.Equal(got, want), fmt.Sprintf("workers %v, want %v", got, want), nil
	}
}

// expectSettled checks, after the scale-down, that nothing moves on: the
// workers stay exactly keep for a while (a replacement made and removed
// in between would change a UID), the ReplicaSet asks for len(keep) and
// carries no scale-down gate, and no gated pod is left.
func expectSettled(t *testing.T, env *Env, ns string, keep ...corev1.Pod) {
	t.Helper()
	harness.Eventually(t, time.Minute, "exactly the kept workers", workersExactly(t, env, ns, keep...))
	time.Sleep(3 * time.Second)
	if ok, seen, _ := workersExactly(t, env, ns, keep...)(context.Background()); !ok {
		t.Fatalf("after settling: %s", seen)
	}
	var rs appsv1.ReplicaSet
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: raycluster.WorkerReplicaSetName("rc", "small")}, &rs); err != nil {
		t.Fatal(err)
	}
	if got := ptr.Deref(rs.Spec.Replicas, -1); got != int32(len(keep)) || len(rs.Spec.Template.Spec.SchedulingGates) != 0 {
		t.Errorf("ReplicaSet replicas %d gates %v, want %d and none", got, rs.Spec.Template.Spec.SchedulingGates, len(keep))
	}
}

// namedPodGoes: the plain scale-down, one WorkersDeleted event.
func namedPodGoes(t *testing.T, env *Env) {
	ns, autoscaler, w := autoscaledCluster(t, env, "wtd-plain", 3)
	autoscalerPatch(t, env, autoscaler, ns, 2, []string{w[1].Name})
	expectSettled(t, env, ns, w[0], w[2])
	expectEvents(t, env, ns, raycluster.EventWorkersDeleted, 1)
	expectEvents(t, env, ns, raycluster.EventWorkerToDeleteNotFound, 0)
}

// namedPodTerminating: a pod held terminating by a finalizer has been
// replaced by the ReplicaSet when the autoscaler names it; the group ends
// at the two pods that were there before, as KubeRay (which never made the
// replacement) ends.
func namedPodTerminating(t *testing.T, env *Env) {
	ns, autoscaler, w := autoscaledCluster(t, env, "wtd-terminating", 3)
	ctx := context.Background()
	const hold = "e2e.ray.io/hold"
	// Creation timestamps have second precision and the surplus goes newest
	// first: a pod deleted in the second its group was created in could
	// not be told from its replacement. In a real cluster the autoscaler
	// names pods idle for idleTimeoutSeconds, long after that second.
	time.Sleep(time.Until(w[len(w)-1].CreationTimestamp.Add(1100 * time.Millisecond)))
	held := w[0].DeepCopy()
	held.Finalizers = append(held.Finalizers, hold)
	if err := env.Client.Patch(ctx, held, client.MergeFrom(&w[0])); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(ctx, held); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, time.Minute, "the held pod replaced", workersRunning(t, env, ns, 3))
	autoscalerPatch(t, env, autoscaler, ns, 2, []string{w[0].Name})
	harness.Eventually(t, time.Minute, "the replacement removed", func(context.Context) (bool, string, error) {
		got := uidsOf(activeWorkers(t, env, ns)...)
		return slices.Equal(got, uidsOf(w[1], w[2])), fmt.Sprintf("active workers %v", got), nil
	})
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(held), held); err != nil {
		t.Fatal(err)
	}
	held.Finalizers = slices.DeleteFunc(held.Finalizers, func(f string) bool { return f == hold })
	if err := env.Client.Update(ctx, held); err != nil {
		t.Fatal(err)
	}
	expectSettled(t, env, ns, w[1], w[2])
}

// missingName: a name no pod has is ignored, reported once however many
// reconciles see it, and nothing is deleted.
func missingName(t *testing.T, env *Env) {
	ns, autoscaler, w := autoscaledCluster(t, env, "wtd-missing", 2)
	autoscalerPatch(t, env, autoscaler, ns, 2, []string{"rc-small-worker-gone"})
	waitEventReason(t, env, ns, "rc", raycluster.EventWorkerToDeleteNotFound)
	// More reconciles of the same generation (an annotation edit does not
	// change it) must not report the name again.
	for i := range 3 {
		env.EditRayCluster(t, ns, "rc", func(rc *rayv1.RayCluster) {
			if rc.Annotations == nil {
				rc.Annotations = map[string]string{}
			}
			rc.Annotations["e2e.ray.io/poke"] = fmt.Sprint(i)
		})
	}
	expectSettled(t, env, ns, w...)
	expectEvents(t, env, ns, raycluster.EventWorkerToDeleteNotFound, 1)
	expectEvents(t, env, ns, raycluster.EventWorkersDeleted, 0)
}

// twoScaleDowns: a second scale-down sent before the first is carried out
// (the list grows), then a third sent once the pods are gone, as Ray's
// autoscaler sends them.
func twoScaleDowns(t *testing.T, env *Env) {
	ns, autoscaler, w := autoscaledCluster(t, env, "wtd-twice", 4)
	autoscalerPatch(t, env, autoscaler, ns, 3, []string{w[0].Name})
	autoscalerPatch(t, env, autoscaler, ns, 2, []string{w[0].Name, w[2].Name})
	expectSettled(t, env, ns, w[1], w[3])
	autoscalerPatch(t, env, autoscaler, ns, 1, []string{w[3].Name})
	expectSettled(t, env, ns, w[1])
}

// scaleUpCrossing: a scale-up lands on a scale-down not carried out yet
// (the list stays, replicas go up), and a scale-down lands on a scale-up
// whose pods are still being made. The named pods go and no other; the
// group ends at the last replicas.
func scaleUpCrossing(t *testing.T, env *Env) {
	ns, autoscaler, w := autoscaledCluster(t, env, "wtd-crossing", 2)
	autoscalerPatch(t, env, autoscaler, ns, 1, []string{w[0].Name})
	autoscalerPatch(t, env, autoscaler, ns, 3, nil)
	harness.Eventually(t, time.Minute, "three workers, the named one gone", scaleDownDone(t, env, ns, 3, w[0]))
	after := activeWorkers(t, env, ns)
	if uids := uidsOf(after...); slices.Contains(uids, string(w[0].UID)) || !slices.Contains(uids, string(w[1].UID)) {
		t.Fatalf("workers %v: want %s gone and %s kept", uids, w[0].UID, w[1].UID)
	}
	expectSettled(t, env, ns, after...)

	autoscalerPatch(t, env, autoscaler, ns, 5, nil)
	autoscalerPatch(t, env, autoscaler, ns, 4, []string{w[1].Name})
	harness.Eventually(t, time.Minute, "four workers, the named one gone", scaleDownDone(t, env, ns, 4, w[1]))
	final := activeWorkers(t, env, ns)
	uids := uidsOf(final...)
	for _, p := range after {
		if kept := slices.Contains(uids, string(p.UID)); kept == (p.UID == w[1].UID) {
			t.Fatalf("workers %v: want %s gone and the others of %v kept", uids, w[1].UID, uidsOf(after...))
		}
	}
	expectSettled(t, env, ns, final...)
}
