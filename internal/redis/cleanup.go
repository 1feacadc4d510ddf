package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// Tuning for DeleteNamespace. A cluster has about nine GCS keys, so one
// batch is the usual case; the limits matter for a Redis shared by many
// clusters, where SCAN walks every key.
const (
	scanCount   = 1000
	deleteBatch = 500
)

// keySeparator is the character Ray puts between the storage namespace and
// the table name; Ray refuses namespaces that contain it.
const keySeparator = "@"

// DeleteNamespace deletes the GCS data of one storage namespace and returns
// how many keys it removed:
//   - every key matching RAY<namespace>@* (one hash per GCS table and the
//     JobCounter string, Ray >= 2.38), found with SCAN so that a Redis shared
//     by many clusters is never blocked;
//   - the single hash named <namespace> that Ray < 2.38 wrote, only when the
//     key is a hash.
//
// Keys are deleted with UNLINK (DEL on servers without it). No keys is
// success. ctx bounds the whole run; on error, what was deleted so far is
// counted. Run it only when no GCS of the namespace is running, or the GCS
// writes the keys again.
func DeleteNamespace(ctx context.Context, client *goredis.Client, namespace string) (int, error) {
	if err := checkNamespace(namespace); err != nil {
		return 0, err
	}
	keys, err := scanKeys(ctx, client, keyPattern(namespace))
	if err != nil {
		return 0, fmt.Errorf("scanning GCS keys of storage namespace %q: %w", namespace, err)
	}
	deleted, err := unlinkAll(ctx, client, keys)
	if err != nil {
		return deleted, fmt.Errorf("deleting GCS keys of storage namespace %q: %w", namespace, err)
	}
	legacy, err := deleteLegacyHash(ctx, client, namespace)
	deleted += legacy
	if err != nil {
		return deleted, fmt.Errorf("deleting the pre-2.38 GCS hash of storage namespace %q: %w", namespace, err)
	}
	return deleted, nil
}

// checkNamespace refuses namespaces that would widen the match: an empty one
// would select every cluster's keys, and one with '@' is not a Ray namespace.
func checkNamespace(namespace string) error {
	if namespace == "" {
		return errors.New("refusing to delete GCS data: the storage namespace is empty")
	}
	if strings.Contains(namespace, keySeparator) {
		return fmt.Errorf("refusing to delete GCS data: storage namespace %q contains %q, which Ray does not allow", namespace, keySeparator)
	}
	return nil
}

// NamespaceKeys lists a storage namespace's Ray >= 2.38 keys, the ones the
// clean-up deletes (SCAN MATCH RAY<namespace>@*, glob characters escaped),
// so that a check of what is left selects exactly what the clean-up does.
func NamespaceKeys(ctx context.Context, client *goredis.Client, namespace string) ([]string, error) {
	return scanKeys(ctx, client, keyPattern(namespace))
}

// keyPattern is the SCAN MATCH pattern for a namespace's Ray >= 2.38 keys.
func keyPattern(namespace string) string {
	return "RAY" + escapeGlob(namespace) + keySeparator + "*"
}

// escapeGlob escapes the characters Redis glob patterns treat specially, the
// same set Ray escapes, so that a namespace like "a*b" matches only itself.
func escapeGlob(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		if strings.ContainsRune(`[]-?*^\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// scanKeys walks the whole keyspace with SCAN MATCH. SCAN may return a key
// more than once, so the result is de-duplicated.
func scanKeys(ctx context.Context, client *goredis.Client, pattern string) ([]string, error) {
	seen := map[string]struct{}{}
	var keys []string
	var cursor uint64
	for {
		batch, next, err := client.Scan(ctx, cursor, pattern, scanCount).Result()
		if err != nil {
			return keys, err
		}
		for _, k := range batch {
			if _, dup := seen[k]; !dup {
				seen[k] = struct{}{}
				keys = append(keys, k)
			}
		}
		if next == 0 {
			return keys, nil
		}
		cursor = next
	}
}

// unlinkAll deletes keys in batches and returns how many existed.
func unlinkAll(ctx context.Context, client *goredis.Client, keys []string) (int, error) {
	deleted := 0
	for start := 0; start < len(keys); start += deleteBatch {
		end := min(start+deleteBatch, len(keys))
		n, err := unlink(ctx, client, keys[start:end]...)
		deleted += n
		if err != nil {
			return deleted, err
		}
	}
	return deleted, nil
}

// unlink frees the memory in the background (UNLINK) and falls back to DEL
// on servers older than Redis 4 or services that do not offer UNLINK.
func unlink(ctx context.Context, client *goredis.Client, keys ...string) (int, error) {
	n, err := client.Unlink(ctx, keys...).Result()
	if err != nil && isUnknownCommand(err) {
		n, err = client.Del(ctx, keys...).Result()
	}
	return int(n), err
}

func isUnknownCommand(err error) bool {
	return strings.Contains(strings.ToLower(err.Error()), "unknown command")
}

// deleteLegacyHash deletes the key named exactly <namespace> when it is a
// hash, the only shape Ray < 2.38 gave it; a key of another type with that
// name belongs to someone else.
func deleteLegacyHash(ctx context.Context, client *goredis.Client, namespace string) (int, error) {
	kind, err := client.Type(ctx, namespace).Result()
	if err != nil {
		return 0, err
	}
	if kind != "hash" {
		return 0, nil
	}
	return unlink(ctx, client, namespace)
}
