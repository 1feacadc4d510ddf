package redisserver_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
)

func TestPasswordAndACLUser(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{Password: "s3cret", ACLUser: "ray", ACLPassword: "ray-pass"})
	ctx := context.Background()

	withPassword := redis.NewClient(&redis.Options{Addr: srv.Addr(), Password: "s3cret"})
	defer withPassword.Close()
	if err := withPassword.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET with password: %v", err)
	}
	if got, err := withPassword.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET = %q, %v; want v", got, err)
	}

	noAuth := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer noAuth.Close()
	if err := noAuth.Get(ctx, "k").Err(); err == nil {
		t.Fatal("GET without password succeeded; requirepass is not in force")
	}

	aclUser := redis.NewClient(&redis.Options{Addr: srv.Addr(), Username: "ray", Password: "ray-pass"})
	defer aclUser.Close()
	if who, err := aclUser.Do(ctx, "ACL", "WHOAMI").Text(); err != nil || who != "ray" {
		t.Fatalf("ACL WHOAMI = %q, %v; want ray", who, err)
	}
	if got, err := aclUser.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("ACL user GET = %q, %v; want v", got, err)
	}
}

func TestStopAndRestart(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{Password: "pw"})
	ctx := context.Background()
	if reply, err := srv.Ping(ctx); err != nil || reply != "+PONG" {
		t.Fatalf("Ping = %q, %v", reply, err)
	}
	srv.Stop()
	if srv.Running() {
		t.Fatal("server still running after Stop")
	}
	if _, err := srv.Ping(ctx); err == nil {
		t.Fatal("Ping succeeded against a stopped server")
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if reply, err := srv.Ping(ctx); err != nil || reply != "+PONG" {
		t.Fatalf("Ping after restart = %q, %v", reply, err)
	}
}
