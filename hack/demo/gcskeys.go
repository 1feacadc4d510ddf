package main

import (
	"context"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
)

// The simulated pods run no Ray, so nothing writes GCS data to Redis. The
// demo writes a few keys in the layout Ray >= 2.38 uses (one hash per GCS
// table named RAY<namespace>@<TABLE>, plus the RAY<namespace>@JobCounter
// string) to stand in for it, and says so in its output.
var gcsTables = []string{"INTERNAL_CONFIG", "KV", "NODE", "JOB", "ACTOR"}

// bystanderNamespace stands for another Ray cluster sharing the Redis: its
// key must survive the clean-up of the demo's cluster.
const bystanderNamespace = "another-ray-cluster"

// redisClient connects to the demo's Redis as the operator does.
func (d *demo) redisClient() (*goredis.Client, error) {
	c, err := rayredis.NewClient(rayredis.Options{Address: d.redis.Addr(), Password: d.redisPassword})
	if err != nil {
		return nil, fmt.Errorf("connecting to redis-server %s: %w", d.redis.Addr(), err)
	}
	return c, nil
}

// seedGCSKeys writes stand-in GCS keys for a namespace and returns how
// many keys it wrote.
func seedGCSKeys(ctx context.Context, c *goredis.Client, namespace string) (int, error) {
	for _, table := range gcsTables {
		key := gcsKey(namespace, table)
		if err := c.HSet(ctx, key, "demo-record", "written by the demo in place of a Ray GCS").Err(); err != nil {
			return 0, fmt.Errorf("writing %s: %w", key, err)
		}
	}
	counter := gcsKey(namespace, "JobCounter")
	if err := c.IncrBy(ctx, counter, 1).Err(); err != nil {
		return 0, fmt.Errorf("writing %s: %w", counter, err)
	}
	return len(gcsTables) + 1, nil
}

// countGCSKeys counts a namespace's keys with the operator's own selection
// (rayredis.NamespaceKeys), the keys its clean-up deletes.
func countGCSKeys(ctx context.Context, c *goredis.Client, namespace string) (int, error) {
	keys, err := rayredis.NamespaceKeys(ctx, c, namespace)
	if err != nil {
		return 0, fmt.Errorf("listing the keys of namespace %s: %w", namespace, err)
	}
	return len(keys), nil
}

// gcsKey is Ray's key of one GCS table.
func gcsKey(namespace, table string) string { return "RAY" + namespace + "@" + table }
