/*
Copyright 2026 The ray-ha-operator Authors.
*/

package migrate

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// gcsTables are GCS tables Ray >= 2.38 keeps as one hash each,
// RAY<namespace>@<TABLE> (docs/redis.md#storage-namespace); the simulated
// pods run no Ray, so the test writes them in its place.
var gcsTables = []string{"INTERNAL_CONFIG", "KV", "NODE", "JOB", "ACTOR", "ACTOR_TASK_SPEC", "PLACEMENT_GROUP", "WORKERS"}

func newRedisClient(t *testing.T, addr string) *goredis.Client {
	t.Helper()
	r, err := rayredis.NewClient(rayredis.Options{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// seedGCS writes a storage namespace's GCS-like keys (a hash per table
// with records that differ per table, and the JobCounter string) and
// returns each key with its serialized value.
func seedGCS(t *testing.T, r *goredis.Client, storage string) map[string]string {
	t.Helper()
	ctx := context.Background()
	for i, table := range gcsTables {
		key := "RAY" + storage + "@" + table
		if err := r.HSet(ctx, key, fmt.Sprintf("%s:%02x", table, i), fmt.Sprintf("record %d of %s", i, table),
			"binary", string([]byte{0, byte(i), 0xff})).Err(); err != nil {
			t.Fatalf("writing %s: %v", key, err)
		}
	}
	counter := "RAY" + storage + "@JobCounter"
	if err := r.Set(ctx, counter, 7, 0).Err(); err != nil {
		t.Fatalf("writing %s: %v", counter, err)
	}
	keys := dumpNamespace(t, r, storage)
	if len(keys) != len(gcsTables)+1 {
		t.Fatalf("namespace %s holds %d keys after seeding, want %d", storage, len(keys), len(gcsTables)+1)
	}
	return keys
}

// dumpNamespace reads every key of a storage namespace, found as the
// operator's clean-up finds them, with its DUMP (type and value, byte for
// byte).
func dumpNamespace(t *testing.T, r *goredis.Client, storage string) map[string]string {
	t.Helper()
	ctx := context.Background()
	names, err := rayredis.NamespaceKeys(ctx, r, storage)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range names {
		v, err := r.Dump(ctx, k).Result()
		if err != nil {
			t.Fatalf("DUMP %s: %v", k, err)
		}
		out[k] = v
	}
	return out
}

// expectKeysKept checks that the namespace holds exactly the keys seeded,
// each with its value.
func expectKeysKept(t *testing.T, r *goredis.Client, m *migration) {
	t.Helper()
	now := dumpNamespace(t, r, m.storage)
	for k, v := range m.keys {
		got, ok := now[k]
		switch {
		case !ok:
			t.Errorf("Redis key %s lost", k)
		case got != v:
			t.Errorf("Redis key %s changed", k)
		}
	}
	if len(now) != len(m.keys) {
		t.Errorf("namespace %s holds %d keys, want the %d seeded", m.storage, len(now), len(m.keys))
	}
}

// kubeRayKinds are what step 4 deletes: what KubeRay creates for a cluster.
var kubeRayKinds = map[string]func() client.ObjectList{
	"pod":            func() client.ObjectList { return &corev1.PodList{} },
	"service":        func() client.ObjectList { return &corev1.ServiceList{} },
	"ingress":        func() client.ObjectList { return &networkingv1.IngressList{} },
	"serviceaccount": func() client.ObjectList { return &corev1.ServiceAccountList{} },
	"role":           func() client.ObjectList { return &rbacv1.RoleList{} },
	"rolebinding":    func() client.ObjectList { return &rbacv1.RoleBindingList{} },
}

// allKinds are the kinds of kubeRayKinds but those left out, sorted.
func allKinds(except ...string) []string {
	var out []string
	for kind := range kubeRayKinds {
		if !slices.Contains(except, kind) {
			out = append(out, kind)
		}
	}
	slices.Sort(out)
	return out
}

// deleteKubeRayObjects is step 4 as kubectl runs it, for kinds: list each
// kind by KubeRay's labels, delete each object, and wait until all are
// gone (kubectl delete waits by default).
func deleteKubeRayObjects(t *testing.T, cl client.Client, m *migration, kinds []string) {
	t.Helper()
	ctx := context.Background()
	selector := client.MatchingLabels{"ray.io/cluster": m.name, "app.kubernetes.io/created-by": "kuberay-operator"}
	deleted := 0
	for _, kind := range kinds {
		list := kubeRayKinds[kind]()
		if err := cl.List(ctx, list, client.InNamespace(m.ns), selector); err != nil {
			t.Fatalf("step 4: listing %s: %v", kind, err)
		}
		objs, err := meta.ExtractList(list)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if err := cl.Delete(ctx, o.(client.Object)); client.IgnoreNotFound(err) != nil {
				t.Fatalf("step 4: deleting %s: %v", kind, err)
			}
			deleted++
		}
	}
	harness.Eventually(t, 60*time.Second, "KubeRay's objects of "+m.key().String()+" gone", func(ctx context.Context) (bool, string, error) {
		left, err := kubeRayObjects(ctx, cl, m, kinds)
		return len(left) == 0, fmt.Sprint(left), err
	})
	t.Logf("step 4: deleted %d objects of KubeRay in %s (%v)", deleted, m.ns, kinds)
}

// kubeRayObjects names the objects of kinds KubeRay made for the cluster
// that exist, sorted.
func kubeRayObjects(ctx context.Context, cl client.Client, m *migration, kinds []string) ([]string, error) {
	selector := client.MatchingLabels{"ray.io/cluster": m.name, "app.kubernetes.io/created-by": "kuberay-operator"}
	var out []string
	for _, kind := range kinds {
		list := kubeRayKinds[kind]()
		if err := cl.List(ctx, list, client.InNamespace(m.ns), selector); err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
		objs, err := meta.ExtractList(list)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			out = append(out, kind+"/"+o.(client.Object).GetName())
		}
	}
	slices.Sort(out)
	return out, nil
}
