package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
)

// rayTables are the GCS tables Ray >= 2.38 keeps as one hash each.
var rayTables = []string{"JOB", "ACTOR", "ACTOR_TASK_SPEC", "PLACEMENT_GROUP", "NODE", "WORKERS", "INTERNAL_CONFIG", "KV"}

// Storage namespaces of the cleanup tests: a UID, as the operator uses by
// default, and user-chosen ones with Redis glob characters.
const (
	nsUID     = "864b004c-6305-42e3-ac46-adfa8eb6f752"
	nsStar    = "a*b"
	nsBracket = "x[1]"
)

func TestKeyPattern(t *testing.T) {
	tests := map[string]struct {
		namespace, want string
	}{
		"UID":              {namespace: nsUID, want: `RAY864b004c\-6305\-42e3\-ac46\-adfa8eb6f752@*`},
		"star":             {namespace: nsStar, want: `RAYa\*b@*`},
		"brackets":         {namespace: nsBracket, want: `RAYx\[1\]@*`},
		"every special":    {namespace: `[]-?*^\`, want: `RAY\[\]\-\?\*\^\\@*`},
		"plain":            {namespace: "prod_cluster.1", want: "RAYprod_cluster.1@*"},
		"non-ASCII passes": {namespace: "ns-é", want: `RAYns\-é@*`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := keyPattern(tc.namespace); got != tc.want {
				t.Errorf("keyPattern(%q) = %q, want %q", tc.namespace, got, tc.want)
			}
		})
	}
}

// TestDeleteNamespace seeds a real Redis with two clusters' GCS data in both
// layouts and keys that a careless pattern would hit, deletes one namespace
// and checks that exactly its keys are gone.
func TestDeleteNamespace(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{Password: "cleanup-pass"})
	client := newTestClient(t, Options{Address: srv.Addr(), Password: "cleanup-pass"})
	ctx := context.Background()

	tests := map[string]struct {
		namespace string
		other     string
		// foreignName puts a string, not a hash, under the namespace's
		// name: not Ray's pre-2.38 layout, so it must stay.
		foreignName bool
	}{
		"UID namespace":                     {namespace: nsUID, other: nsStar},
		"namespace with a star":             {namespace: nsStar, other: nsUID},
		"namespace with brackets":           {namespace: nsBracket, other: nsUID},
		"a string named like the namespace": {namespace: nsBracket, other: nsStar, foreignName: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			mustFlush(t, client)
			target := seedCluster(t, client, tc.namespace, !tc.foreignName)
			kept := append(seedCluster(t, client, tc.other, true), seedDecoys(t, client)...)
			if tc.foreignName {
				kept = append(kept, setString(t, client, tc.namespace))
			}

			deleted, err := DeleteNamespace(ctx, client, tc.namespace)
			if err != nil {
				t.Fatalf("DeleteNamespace(%q): %v", tc.namespace, err)
			}
			if deleted != len(target) {
				t.Errorf("deleted = %d, want %d (%v)", deleted, len(target), target)
			}
			if got := allKeys(t, client); !slices.Equal(got, sorted(kept)) {
				t.Errorf("keys left:\n  %v\nwant:\n  %v", got, sorted(kept))
			}

			again, err := DeleteNamespace(ctx, client, tc.namespace)
			if err != nil || again != 0 {
				t.Errorf("second DeleteNamespace = %d, %v; want 0, nil (no keys is success)", again, err)
			}
		})
	}
}

// TestDeleteNamespaceAuthAndTLS runs the cleanup as the operator will: with
// an ACL user, and over TLS with the CA from a Secret; a wrong password
// fails without deleting anything or showing the password.
func TestDeleteNamespaceAuthAndTLS(t *testing.T) {
	acl := redisserver.Start(t, redisserver.Options{Password: "default-pass", ACLUser: "ray", ACLPassword: "acl-pass"})
	secure, ca := startTLSRedis(t, redisserver.Options{Password: "tls-pass"})
	tests := map[string]struct {
		seedWith Options
		opts     Options
		wantErr  string
	}{
		"ACL user": {
			seedWith: Options{Address: acl.Addr(), Password: "default-pass"},
			opts:     Options{Address: "redis://ray:acl-pass@" + acl.Addr()},
		},
		"ACL user, wrong password": {
			seedWith: Options{Address: acl.Addr(), Password: "default-pass"},
			opts:     Options{Address: acl.Addr(), Username: "ray", Password: "wrong-acl-pass"},
			wantErr:  "WRONGPASS",
		},
		"TLS with the CA and server name": {
			seedWith: Options{Address: "rediss://" + secure.Addr(), Password: "tls-pass", TLS: &TLSConfig{InsecureSkipVerify: true}},
			opts: Options{Address: "rediss://" + secure.Addr(), Password: "tls-pass",
				TLS: &TLSConfig{CAPEM: ca.CertPEM, ServerName: tlsServerName}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			seeder := newTestClient(t, tc.seedWith)
			mustFlush(t, seeder)
			want := seedCluster(t, seeder, nsUID, true)
			kept := seedDecoys(t, seeder)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			deleted, err := DeleteNamespace(ctx, newTestClient(t, tc.opts), nsUID)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), tc.opts.Password) {
					t.Fatalf("error = %v, want one containing %q and no password", err, tc.wantErr)
				}
				kept = append(kept, want...)
			} else if err != nil || deleted != len(want) {
				t.Fatalf("DeleteNamespace = %d, %v; want %d, nil", deleted, err, len(want))
			}
			if got := allKeys(t, seeder); !slices.Equal(got, sorted(kept)) {
				t.Errorf("keys left: %v, want %v", got, sorted(kept))
			}
		})
	}
}

// TestDeleteNamespaceManyKeys makes SCAN take several pages and the deletion
// several batches, among unrelated keys.
func TestDeleteNamespaceManyKeys(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{})
	client := newTestClient(t, Options{Address: srv.Addr()})
	ctx := context.Background()
	const n = 3*deleteBatch + 7
	pipe := client.Pipeline()
	for i := range n {
		pipe.HSet(ctx, fmt.Sprintf("RAY%s@T%d", nsUID, i), "k", "v")
		pipe.Set(ctx, fmt.Sprintf("unrelated:%d", i), "v", 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	deleted, err := DeleteNamespace(ctx, client, nsUID)
	if err != nil || deleted != n {
		t.Fatalf("DeleteNamespace = %d, %v; want %d, nil", deleted, err, n)
	}
	if size := client.DBSize(ctx).Val(); size != n {
		t.Errorf("DBSIZE = %d, want the %d unrelated keys", size, n)
	}
}

// TestDeleteNamespaceWithoutUnlink stands for servers that lack UNLINK
// (Redis < 4, some managed services): the cleanup falls back to DEL.
func TestDeleteNamespaceWithoutUnlink(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{ExtraConfig: []string{`rename-command UNLINK ""`}})
	client := newTestClient(t, Options{Address: srv.Addr()})
	ctx := context.Background()
	if err := client.Unlink(ctx, "probe").Err(); err == nil || !isUnknownCommand(err) {
		t.Fatalf("UNLINK on the test server: %v; want an unknown-command error", err)
	}
	want := seedCluster(t, client, nsUID, true)
	kept := seedDecoys(t, client)
	deleted, err := DeleteNamespace(ctx, client, nsUID)
	if err != nil || deleted != len(want) {
		t.Fatalf("DeleteNamespace = %d, %v; want %d, nil", deleted, err, len(want))
	}
	if got := allKeys(t, client); !slices.Equal(got, sorted(kept)) {
		t.Errorf("keys left: %v, want %v", got, sorted(kept))
	}
}

// TestDeleteNamespaceRefuses covers namespaces that would widen the match.
func TestDeleteNamespaceRefuses(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{})
	client := newTestClient(t, Options{Address: srv.Addr()})
	seedCluster(t, client, nsUID, true)
	before := allKeys(t, client)
	tests := map[string]struct {
		namespace, wantErr string
	}{
		"empty":  {namespace: "", wantErr: "namespace is empty"},
		"with @": {namespace: "a@b", wantErr: `contains "@"`},
		"only @": {namespace: "@", wantErr: `contains "@"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			deleted, err := DeleteNamespace(context.Background(), client, tc.namespace)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || deleted != 0 {
				t.Fatalf("DeleteNamespace(%q) = %d, %v; want 0 and an error containing %q", tc.namespace, deleted, err, tc.wantErr)
			}
			if got := allKeys(t, client); !slices.Equal(got, before) {
				t.Fatalf("keys changed: %v", got)
			}
		})
	}
}

// TestDeleteNamespaceBounded checks that a cancelled context or a stopped
// server ends the run with an error that names the namespace, promptly.
func TestDeleteNamespaceBounded(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{})
	client := newTestClient(t, Options{Address: srv.Addr(), DialTimeout: 500 * time.Millisecond})
	seedCluster(t, client, nsUID, true)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := DeleteNamespace(cancelled, client, nsUID); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), nsUID) {
		t.Errorf("with a cancelled context: %v; want context.Canceled naming the namespace", err)
	}
	if len(allKeys(t, client)) == 0 {
		t.Fatal("keys were deleted under a cancelled context")
	}

	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := DeleteNamespace(ctx, client, nsUID)
	if err == nil || !strings.Contains(err.Error(), nsUID) {
		t.Errorf("with Redis stopped: %v; want an error naming the namespace", err)
	}
	// Refused at once, and retries stay within the context; 8 s leaves
	// room for a loaded machine, not for a hang.
	if elapsed := time.Since(start); elapsed > 8*time.Second {
		t.Errorf("took %v with Redis stopped; the context allowed 2s", elapsed)
	}
}

// seedCluster writes what a Ray GCS leaves in Redis for one namespace, in
// the current layout and, with legacy, the pre-2.38 one, and returns the keys.
func seedCluster(t *testing.T, client *goredis.Client, ns string, legacy bool) []string {
	t.Helper()
	ctx := context.Background()
	var keys []string
	for _, table := range rayTables {
		key := "RAY" + ns + "@" + table
		if err := client.HSet(ctx, key, "record-1", "data", "record-2", "data").Err(); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	counter := "RAY" + ns + "@JobCounter"
	if err := client.IncrBy(ctx, counter, 3).Err(); err != nil {
		t.Fatal(err)
	}
	if !legacy {
		return append(keys, counter)
	}
	// Ray < 2.38: one hash named after the namespace.
	if err := client.HSet(ctx, ns, ns+"@JOB:01000000", "data", ns+"@NODE:abc", "data").Err(); err != nil {
		t.Fatal(err)
	}
	return append(keys, counter, ns)
}

// seedDecoys writes keys that no namespace's cleanup may touch, among them
// keys an unescaped pattern for a*b or x[1] would match, a key that merely
// starts with the UID and one that differs only in case.
func seedDecoys(t *testing.T, client *goredis.Client) []string {
	t.Helper()
	ctx := context.Background()
	hashes := []string{"RAYother@KV", "RAYaXYZb@KV", "RAYx1@NODE", "RAY" + nsUID + "-2@KV", "ray" + nsUID + "@KV"}
	for _, k := range hashes {
		if err := client.HSet(ctx, k, "f", "v").Err(); err != nil {
			t.Fatal(err)
		}
	}
	return append(hashes, setString(t, client, "foo"))
}

func setString(t *testing.T, client *goredis.Client, key string) string {
	t.Helper()
	if err := client.Set(context.Background(), key, "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	return key
}

func mustFlush(t *testing.T, client *goredis.Client) {
	t.Helper()
	if err := client.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}

// allKeys lists every key, sorted, with SCAN.
func allKeys(t *testing.T, client *goredis.Client) []string {
	t.Helper()
	keys, err := scanKeys(context.Background(), client, "*")
	if err != nil {
		t.Fatal(err)
	}
	return sorted(keys)
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
