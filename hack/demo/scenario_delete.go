package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// deleteMargin is added to the clean-up bound (ray.io/gcs-ft-deletion-timeout)
// for the uninstall and polling.
const deleteMargin = 15 * time.Second

// deleteCluster deletes the RayCluster and checks that the operator removed
// the cluster's GCS keys from Redis, and only those, before letting go.
func (d *demo) deleteCluster(ctx context.Context) (result, error) {
	var rc rayv1.RayCluster
	if err := d.k8s.Get(ctx, d.rayCluster, &rc); err != nil {
		return result{}, fmt.Errorf("reading RayCluster %s: %w", d.rayCluster, err)
	}
	rdb, err := d.redisClient()
	if err != nil {
		return result{}, err
	}
	defer rdb.Close()
	seeded, err := d.seedKeys(ctx, rdb)
	if err != nil {
		return result{}, err
	}
	d.step("scenario %s: deleting RayCluster %s (finalizers: %s)", scenarioDelete, d.rayCluster, orDash(strings.Join(rc.Finalizers, ", ")))
	bound := d.opts.bounds.deletionTimeout + deleteMargin
	known := d.knownEvents(ctx)
	t0 := time.Now()
	if err := d.k8s.Delete(ctx, &rc); err != nil {
		return result{}, fmt.Errorf("deleting RayCluster %s: %w", d.rayCluster, err)
	}
	headGone, gone, err := d.waitClusterGone(ctx, t0, d.headPodKey(&rc), bound)
	if err != nil {
		return result{}, err
	}
	r := result{scenario: scenarioDelete, what: "RayCluster deleted; release uninstalled, GCS keys removed", detected: headGone, wall: -1}
	if gone < 0 {
		r.outcome = fmt.Sprintf("NOT gone within %s", bound)
		r.note("operator log: %s", d.operator.LogPath)
	} else {
		r.recovered = roundDuration(gone).String() + " (finalizer)"
	}
	if err := d.checkRedisClean(ctx, &r, rdb, seeded, gone >= 0); err != nil {
		return result{}, err
	}
	r.wall = time.Since(t0)
	d.noteEvents(ctx, &r, known)
	d.detail("%s after %s", r.outcome, showDuration(r.wall))
	return r, nil
}

// seedKeys writes the stand-in GCS keys and one key of another cluster, and
// prints the namespace's key count.
func (d *demo) seedKeys(ctx context.Context, rdb *goredis.Client) (int, error) {
	n, err := seedGCSKeys(ctx, rdb, d.storageNamespace)
	if err != nil {
		return 0, err
	}
	if _, err := seedGCSKeys(ctx, rdb, bystanderNamespace); err != nil {
		return 0, err
	}
	count, err := countGCSKeys(ctx, rdb, d.storageNamespace)
	if err != nil {
		return 0, err
	}
	d.step("Redis before the delete: %d keys in the cluster's GCS namespace %s", count, d.storageNamespace)
	d.detail("the simulated pods run no Ray, so the demo wrote these %d keys itself, in Ray's layout", n)
	d.detail("(RAY<namespace>@<TABLE> hashes and RAY<namespace>@JobCounter), in place of a GCS;")
	d.detail("it also wrote %d keys of another cluster (namespace %s), which must survive", n, bystanderNamespace)
	return count, nil
}

// waitClusterGone polls until the head pod and then the RayCluster are
// gone; each duration is negative when not reached within the bound.
func (d *demo) waitClusterGone(ctx context.Context, t0 time.Time, head client.ObjectKey, bound time.Duration) (headGone, gone time.Duration, err error) {
	headGone, gone = -1, -1
	_, err = harness.Wait(ctx, bound, "RayCluster "+d.rayCluster.String()+" to be gone", d.operator.While(func(ctx context.Context) (bool, string, error) {
		if headGone < 0 {
			var pod corev1.Pod
			if err := d.k8s.Get(ctx, head, &pod); isGone(err) {
				headGone = time.Since(t0)
			}
		}
		var rc rayv1.RayCluster
		err := d.k8s.Get(ctx, d.rayCluster, &rc)
		if isGone(err) {
			gone = time.Since(t0)
			return true, "", nil
		}
		if err != nil {
			return false, err.Error(), nil
		}
		return false, fmt.Sprintf("RayCluster still there (finalizers %v)", rc.Finalizers), nil
	}))
	if err != nil && (ctx.Err() != nil || d.operator.Exited()) {
		return headGone, gone, err
	}
	return headGone, gone, nil
}

// checkRedisClean counts what is left in Redis: nothing of the cluster, and
// every key of the other cluster.
func (d *demo) checkRedisClean(ctx context.Context, r *result, rdb *goredis.Client, seeded int, gone bool) error {
	left, err := countGCSKeys(ctx, rdb, d.storageNamespace)
	if err != nil {
		return err
	}
	others, err := countGCSKeys(ctx, rdb, bystanderNamespace)
	if err != nil {
		return err
	}
	r.note("Redis after: %d of %d keys left in the cluster's namespace %s; %d keys of %s untouched",
		left, seeded, d.storageNamespace, others, bystanderNamespace)
	switch {
	case !gone:
		// outcome already says the RayCluster is not gone
	case left > 0:
		r.outcome = fmt.Sprintf("Redis NOT clean (%d keys left)", left)
	case others != len(gcsTables)+1:
		r.outcome = fmt.Sprintf("another cluster's keys were deleted (%d left)", others)
	default:
		r.ok, r.outcome = true, fmt.Sprintf("%s (0 keys left)", outcomeRedisClean)
	}
	return nil
}
