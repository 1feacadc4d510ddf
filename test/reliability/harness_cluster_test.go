package reliability

import (
	"context"
	"fmt"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// procCreateCluster creates a GCS-FT RayCluster with one worker group of
// `workers` pods against the env's Redis and returns its key.
func (e *procEnv) procCreateCluster(ns, name string, workers int32) types.NamespacedName {
	e.t.Helper()
	rc := harness.NewRayCluster(ns, name, harness.ClusterOptions{RedisAddress: e.redis.Addr(), Workers: workers})
	if err := e.cl.Create(context.Background(), rc); err != nil {
		e.t.Fatalf("creating RayCluster %s/%s: %v", ns, name, err)
	}
	return types.NamespacedName{Namespace: ns, Name: name}
}

// procSetWorkers changes a cluster's worker replicas: a spec change that
// makes the operator upgrade the release.
func (e *procEnv) procSetWorkers(key types.NamespacedName, workers int32) {
	e.t.Helper()
	patch := fmt.Sprintf(`[{"op":"replace","path":"/spec/workerGroupSpecs/0/replicas","value":%d}]`, workers)
	rc := &rayv1.RayCluster{}
	rc.Namespace, rc.Name = key.Namespace, key.Name
	if err := e.cl.Patch(context.Background(), rc, client.RawPatch(types.JSONPatchType, []byte(patch))); err != nil {
		e.t.Fatalf("setting workers of %s to %d: %v", key, workers, err)
	}
}

// procUID reads a RayCluster's UID, the default GCS storage namespace.
func (e *procEnv) procUID(key types.NamespacedName) types.UID {
	e.t.Helper()
	rc := &rayv1.RayCluster{}
	if err := e.cl.Get(context.Background(), key, rc); err != nil {
		e.t.Fatalf("reading RayCluster %s: %v", key, err)
	}
	return rc.UID
}

// procSeedGCSKey writes a key where Ray's GCS keeps a cluster's tables,
// so the test can see the clean-up on delete remove it.
func (e *procEnv) procSeedGCSKey(t *testing.T, storageNS types.UID) string {
	t.Helper()
	key := "RAY" + string(storageNS) + "@reliability"
	c := goredis.NewClient(&goredis.Options{Addr: e.redis.Addr()})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.HSet(ctx, key, "table", "row").Err(); err != nil {
		t.Fatalf("seeding Redis key %s: %v", key, err)
	}
	return key
}

// procKeyExists tells whether a Redis key exists.
func (e *procEnv) procKeyExists(ctx context.Context, key string) (bool, error) {
	c := goredis.NewClient(&goredis.Options{Addr: e.redis.Addr()})
	defer c.Close()
	n, err := c.Exists(ctx, key).Result()
	if err != nil {
		return false, fmt.Errorf("checking Redis key %s: %w", key, err)
	}
	return n == 1, nil
}
