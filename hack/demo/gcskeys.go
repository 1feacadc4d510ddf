package main

import (
	"context"
	"fmt"
	"strings"

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

// countGCSKeys counts a namespace's keys with SCAN MATCH RAY<namespace>@*,
// the same selection the operator's clean-up deletes.
func countGCSKeys(ctx context.Context, c *goredis.Client, namespace string) (int, error) {
	pattern := "RAY" + escapeGlob(namespace) + "@*"
	seen := map[string]bool{}
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return 0, fmt.Errorf("scanning %s: %w", pattern, err)
		}
		for _, k := range keys {
			seen[k] = true
		}
		if next == 0 {
			return len(seen), nil
		}
		cursor = next
	}
}

// gcsKey is Ray's key of one GCS table.
func gcsKey(namespace, table string) string { return "RAY" + namespace + "@" + table }

// escapeGlob escapes Redis glob characters, as Ray does for its own SCAN,
// so that a namespace matches only itself.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`[]-?*^\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
