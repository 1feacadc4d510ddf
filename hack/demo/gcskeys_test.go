package main

import (
	"context"
	"testing"

	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
)

// TestSeedAndCountAgainstTheOperatorsCleanup writes the stand-in keys to a
// real redis-server and checks that the operator's own clean-up deletes
// exactly what the demo counts: the demo's claim "0 keys left" then means
// what it says.
func TestSeedAndCountAgainstTheOperatorsCleanup(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{Password: "secret"})
	c, err := rayredis.NewClient(rayredis.Options{Address: srv.Addr(), Password: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	const ns, other = "3829f059-0b33-4720-8ef9-8fd4fcc7685e", "3829f059-0b33-4720-8ef9-8fd4fcc7685"
	for _, n := range []string{ns, other} {
		if _, err := seedGCSKeys(ctx, c, n); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := countGCSKeys(ctx, c, ns); err != nil || got != len(gcsTables)+1 {
		t.Fatalf("countGCSKeys after seeding = %d, %v; want %d", got, err, len(gcsTables)+1)
	}
	deleted, err := rayredis.DeleteNamespace(ctx, c, ns)
	if err != nil || deleted != len(gcsTables)+1 {
		t.Fatalf("the operator's DeleteNamespace = %d, %v; want all %d seeded keys", deleted, err, len(gcsTables)+1)
	}
	if got, _ := countGCSKeys(ctx, c, ns); got != 0 {
		t.Errorf("countGCSKeys after the clean-up = %d, want 0", got)
	}
	if got, _ := countGCSKeys(ctx, c, other); got != len(gcsTables)+1 {
		t.Errorf("keys of the namespace with a shared prefix = %d, want all %d untouched", got, len(gcsTables)+1)
	}
}
