package ray

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/ray-ha-operator/ray-ha-operator/internal/redis"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
)

// cleanUpRealKeys stops cluster c (storage namespace "ft-a"), runs a second
// short head with namespace "ft-b" on the same Redis, then deletes "ft-a"
// with the operator's clean-up and checks that exactly the keys the first
// GCS wrote are gone and the second cluster's keys are all still there.
func cleanUpRealKeys(ctx context.Context, t *testing.T, venv Venv, srv *redisserver.Server, c *Cluster) {
	t.Helper()
	if err := c.KillAll(); err != nil {
		t.Fatal(err)
	}
	other, _ := startCluster(t, venv, srv.Addr(), "other", "ft-b", false)
	head, _ := other.mustStartHead(ctx, t, nil)
	if err := head.Kill(); err != nil {
		t.Fatal(err)
	}

	client, err := redis.NewClient(redis.Options{Address: srv.Addr(), Password: redisPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Close() }()
	before := allKeys(ctx, t, client)
	ownA, ownB := withPrefix(before, "RAYft-a@"), withPrefix(before, "RAYft-b@")
	if len(ownA) == 0 || len(ownB) == 0 {
		t.Fatalf("Ray wrote no keys for one of the namespaces; keys in Redis: %v", slices.Sorted(maps.Keys(before)))
	}
	t.Logf("keys the real GCS wrote for namespace ft-a: %v", ownA)

	n, err := redis.DeleteNamespace(ctx, client, "ft-a")
	if err != nil {
		t.Fatal(err)
	}
	after := allKeys(ctx, t, client)
	want := maps.Clone(before)
	for _, k := range ownA {
		delete(want, k)
	}
	if n != len(ownA) {
		t.Errorf("DeleteNamespace reported %d keys, namespace ft-a had %d", n, len(ownA))
	}
	if !maps.Equal(after, want) {
		t.Errorf("keys after clean-up = %v, want %v", slices.Sorted(maps.Keys(after)), slices.Sorted(maps.Keys(want)))
	}
	t.Logf("DeleteNamespace(ft-a) removed %d keys; %d keys of ft-b untouched: %v", n, len(ownB), ownB)
}

// allKeys lists every key with its type, by SCAN.
func allKeys(ctx context.Context, t *testing.T, client *goredis.Client) map[string]string {
	t.Helper()
	keys := map[string]string{}
	iter := client.Scan(ctx, 0, "*", 100).Iterator()
	for iter.Next(ctx) {
		keys[iter.Val()] = client.Type(ctx, iter.Val()).Val()
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}

func withPrefix(keys map[string]string, prefix string) []string {
	var out []string
	for k := range keys {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
