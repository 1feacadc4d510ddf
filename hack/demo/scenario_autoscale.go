package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// autoscaleBound is how long each step of the autoscale scenario may take:
// the operator applies the new replicas, the ReplicaSet and the simulated
// kubelets do the rest.
const autoscaleBound = 60 * time.Second

// outcomeScaled is the autoscale scenario's result when both steps held.
const outcomeScaled = "scaled up and down"

// autoscale plays the two patches Ray's autoscaler sends (the JSON patches
// of Ray's kuberay node provider): a scale-up of the first worker group by
// one, then a scale-down naming the newest worker in
// scaleStrategy.workersToDelete. The simulated pods run no Ray, so no Ray
// autoscaler runs here; test/ray TestRayAutoscaler runs the real one.
func (d *demo) autoscale(ctx context.Context) (result, error) {
	var rc rayv1.RayCluster
	if err := d.k8s.Get(ctx, d.rayCluster, &rc); err != nil {
		return result{}, fmt.Errorf("reading RayCluster %s: %w", d.rayCluster, err)
	}
	if len(rc.Spec.WorkerGroupSpecs) == 0 {
		return result{}, fmt.Errorf("RayCluster %s has no worker group to scale", d.rayCluster)
	}
	group := rc.Spec.WorkerGroupSpecs[0].GroupName
	before, err := d.runningWorkers(ctx, group)
	if err != nil {
		return result{}, err
	}
	n := len(before)
	r := result{scenario: scenarioAutoscale, what: fmt.Sprintf("group %s: %d -> %d -> %d workers", group, n, n+1, n), detected: -1}
	d.step("scenario %s: patching group %s's replicas %d -> %d, as Ray's autoscaler does", scenarioAutoscale, group, n, n+1)
	t0 := time.Now()
	patch := fmt.Sprintf(`[{"op":"replace","path":"/spec/workerGroupSpecs/0/replicas","value":%d}]`, n+1)
	if err := d.patchRayCluster(ctx, patch); err != nil {
		return result{}, err
	}
	grown, err := d.waitWorkers(ctx, group, n+1)
	if err != nil {
		return result{}, err
	}
	up := time.Since(t0)
	newest := newestPod(grown, before)
	d.detail("%d workers Running after %s; the new one is %s", len(grown), showDuration(up), newest)
	d.step("scenario %s: patching replicas %d -> %d with workersToDelete [%s]", scenarioAutoscale, n+1, n, newest)
	t1 := time.Now()
	patch = fmt.Sprintf(`[{"op":"replace","path":"/spec/workerGroupSpecs/0/replicas","value":%d},`+
		`{"op":"add","path":"/spec/workerGroupSpecs/0/scaleStrategy","value":{"workersToDelete":[%q]}}]`, n, newest)
	if err := d.patchRayCluster(ctx, patch); err != nil {
		return result{}, err
	}
	after, err := d.waitWorkers(ctx, group, n)
	if err != nil {
		return result{}, err
	}
	down := time.Since(t1)
	r.recovered = fmt.Sprintf("up %s, down %s", showDuration(up), showDuration(down))
	r.wall = time.Since(t0)
	r.ok = slices.Equal(podNames(after), podNames(before))
	r.outcome = outcomeScaled
	if !r.ok {
		r.outcome = fmt.Sprintf("other workers went: before %v, after %v", podNames(before), podNames(after))
	}
	r.note("autoscale: the named pod %s went, the %d others stayed; Ray's own autoscaler in the loop: go test ./test/ray -run TestRayAutoscaler", newest, n)
	d.detail("%s after %s", r.outcome, showDuration(r.wall))
	return r, nil
}

func (d *demo) patchRayCluster(ctx context.Context, patch string) error {
	rc := &rayv1.RayCluster{}
	rc.Namespace, rc.Name = d.rayCluster.Namespace, d.rayCluster.Name
	if err := d.k8s.Patch(ctx, rc, client.RawPatch(types.JSONPatchType, []byte(patch))); err != nil {
		return fmt.Errorf("patching RayCluster %s: %w", d.rayCluster, err)
	}
	return nil
}

// runningWorkers is the group's worker pods that run and are not going.
func (d *demo) runningWorkers(ctx context.Context, group string) ([]corev1.Pod, error) {
	var pods corev1.PodList
	if err := d.k8s.List(ctx, &pods, client.InNamespace(d.rayCluster.Namespace),
		client.MatchingLabels{"ray.io/cluster": d.rayCluster.Name, "ray.io/group": group}); err != nil {
		return nil, fmt.Errorf("listing the workers of group %s: %w", group, err)
	}
	var out []corev1.Pod
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
			out = append(out, p)
		}
	}
	return out, nil
}

// waitWorkers waits until exactly n workers run and no other pod of the
// group exists.
func (d *demo) waitWorkers(ctx context.Context, group string, n int) ([]corev1.Pod, error) {
	var got []corev1.Pod
	_, err := harness.Wait(ctx, autoscaleBound, fmt.Sprintf("%d workers in group %s", n, group), d.operator.While(func(ctx context.Context) (bool, string, error) {
		var all corev1.PodList
		if err := d.k8s.List(ctx, &all, client.InNamespace(d.rayCluster.Namespace),
			client.MatchingLabels{"ray.io/cluster": d.rayCluster.Name, "ray.io/group": group}); err != nil {
			return false, err.Error(), nil
		}
		var err error
		if got, err = d.runningWorkers(ctx, group); err != nil {
			return false, err.Error(), nil
		}
		return len(got) == n && len(all.Items) == n, fmt.Sprintf("%d running of %d pods", len(got), len(all.Items)), nil
	}))
	return got, err
}

// newestPod is the pod of after that before does not have.
func newestPod(after, before []corev1.Pod) string {
	old := podNames(before)
	for _, p := range after {
		if !slices.Contains(old, p.Name) {
			return p.Name
		}
	}
	return strings.Join(podNames(after), ",")
}

func podNames(pods []corev1.Pod) []string {
	out := make([]string, 0, len(pods))
	for _, p := range pods {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}
