/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
)

// RedisCleanupFinalizer keeps a fault-tolerant RayCluster until its GCS data
// is deleted from Redis or the deletion timeout passes (KubeRay's name, so
// clusters created under KubeRay are cleaned up the same way).
const RedisCleanupFinalizer = "ray.io/gcs-ft-redis-cleanup-finalizer"

// Defaults of CleanupOptions.
const (
	DefaultDeletionTimeout     = 300 * time.Second
	DefaultCleanupPollInterval = 2 * time.Second
	DefaultCleanupAttempt      = 30 * time.Second
)

// Event reasons of the clean-up.
const (
	// EventRedisCleanupSucceeded (Normal): the cluster's keys were deleted.
	EventRedisCleanupSucceeded = "RedisCleanupSucceeded"
	// EventRedisCleanupTimedOut (Warning): the deletion timeout passed and
	// the cluster was let go with its data left in Redis.
	EventRedisCleanupTimedOut = "RedisCleanupTimedOut"
	// EventRedisCleanupFailed (Warning): an attempt failed; retried until
	// the timeout. Emitted once per distinct cause.
	EventRedisCleanupFailed = "RedisCleanupFailed"
	// EventInvalidDeletionTimeout (Warning): the timeout annotation could
	// not be used; the default applies.
	EventInvalidDeletionTimeout = "InvalidDeletionTimeout"
)

const actionCleanupRedis = "CleanupRedis"

// CleanupOptions tune the clean-up on delete.
type CleanupOptions struct {
	// Enabled is the operator-wide switch. Off: no finalizer is added to new
	// clusters; clusters that already carry it are still cleaned up.
	Enabled bool
	// DefaultTimeout applies when the cluster has no usable
	// ray.io/gcs-ft-deletion-timeout annotation.
	DefaultTimeout time.Duration
	// PollInterval is how often a pending clean-up looks again (head pod
	// still there, Redis down).
	PollInterval time.Duration
	// AttemptTimeout bounds one run of the deletion against Redis.
	AttemptTimeout time.Duration
	// ProbeTimeout bounds the check that Redis answers before a run.
	ProbeTimeout time.Duration
}

func (o *CleanupOptions) setDefaults() {
	if o.DefaultTimeout <= 0 {
		o.DefaultTimeout = DefaultDeletionTimeout
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultCleanupPollInterval
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = DefaultCleanupAttempt
	}
	if o.ProbeTimeout <= 0 {
		o.ProbeTimeout = rayredis.DefaultProbeTimeout
	}
}

// RedisCleanup is the uninstall hook that deletes a deleted cluster's GCS
// data from Redis: after the release is uninstalled, once no head pod of
// the cluster exists (a running GCS would write the keys again), with the
// credentials read at that moment. The whole wait is bounded by the
// deletion timeout counted from the deletion timestamp, a stuck head pod
// included, so a RayCluster is never held forever.
type RedisCleanup struct {
	pods     client.Reader
	secrets  client.Reader
	recorder EventRecorder
	clock    clock.PassiveClock
	opts     CleanupOptions
	// Metrics counts the clean-ups given up after their timeout (nil: none).
	Metrics *RedisMetrics

	mu      sync.Mutex
	pending map[types.UID]*cleanupMemo
}

// cleanupMemo remembers, during one deletion, which warnings were given and
// the last failure (for the time-out event).
type cleanupMemo struct {
	warned  map[string]bool
	lastErr string
}

// NewRedisCleanup returns the hook. pods lists pods (the manager's cache is
// fine); secrets reads Secrets and ConfigMaps from the API server.
func NewRedisCleanup(pods, secrets client.Reader, rec EventRecorder, clk clock.PassiveClock, o CleanupOptions) *RedisCleanup {
	o.setDefaults()
	return &RedisCleanup{pods: pods, secrets: secrets, recorder: rec, clock: clk, opts: o,
		pending: map[types.UID]*cleanupMemo{}}
}

var _ helm.UninstallHook = (*RedisCleanup)(nil)

// Finalizer is RedisCleanupFinalizer.
func (h *RedisCleanup) Finalizer() string { return RedisCleanupFinalizer }

// Applies is true for fault-tolerant clusters while clean-up is enabled.
func (h *RedisCleanup) Applies(obj *unstructured.Unstructured) bool {
	if !h.opts.Enabled {
		return false
	}
	rc, err := FromObject(obj)
	return err == nil && FaultToleranceEnabled(rc)
}

// BeforeUninstall has nothing to do: the release goes first, so that the
// head StatefulSet is gone and no new head pod starts.
func (h *RedisCleanup) BeforeUninstall(context.Context, *helm.Request) (bool, time.Duration, error) {
	return true, 0, nil
}

// AfterUninstall waits for the head pods to go, then deletes the cluster's
// keys; done once they are deleted or the deletion timeout has passed.
// Failures are retried every PollInterval and never returned as errors, so
// a Redis outage cannot turn into a hot retry loop.
func (h *RedisCleanup) AfterUninstall(ctx context.Context, req *helm.Request) (bool, time.Duration, error) {
	obj := req.Object
	log := ctrl.LoggerFrom(ctx)
	now := h.clock.Now()
	timeout, err := DeletionTimeout(obj.GetAnnotations(), h.opts.DefaultTimeout)
	if err != nil {
		h.warnOnce(obj, EventInvalidDeletionTimeout, err.Error())
	}
	deadline := now.Add(timeout)
	if ts := obj.GetDeletionTimestamp(); ts != nil {
		deadline = ts.Add(timeout)
	}
	if !now.Before(deadline) {
		h.giveUp(ctx, obj, timeout)
		return true, 0, nil
	}
	wait := min(h.opts.PollInterval, deadline.Sub(now)+10*time.Millisecond)

	heads, err := h.headPods(ctx, obj.GetNamespace(), obj.GetName())
	if err != nil {
		log.Error(err, "Listing head pods failed; looking again later")
		return false, wait, nil
	}
	if len(heads) > 0 {
		log.V(1).Info("Waiting for the head pods to go before cleaning Redis", "pods", heads)
		return false, wait, nil
	}
	n, ns, err := h.cleanup(ctx, obj, deadline.Sub(now))
	if err != nil {
		h.failed(obj, err)
		log.Info("Redis clean-up failed; retrying until the deletion timeout", "error", err.Error(), "deadline", deadline)
		return false, wait, nil
	}
	log.Info("Deleted the cluster's GCS data from Redis", "storageNamespace", ns, "keys", n)
	h.event(obj, corev1.EventTypeNormal, EventRedisCleanupSucceeded,
		fmt.Sprintf("Deleted %d keys of storage namespace %q from Redis", n, ns))
	h.forget(obj.GetUID())
	return true, 0, nil
}

// headPods lists the names of the cluster's head pods, Terminating ones
// included: their GCS may still be writing.
func (h *RedisCleanup) headPods(ctx context.Context, ns, name string) ([]string, error) {
	var pods corev1.PodList
	if err := h.pods.List(ctx, &pods, client.InNamespace(ns),
		client.MatchingLabels{LabelCluster: name, LabelNodeType: NodeTypeHead}); err != nil {
		return nil, fmt.Errorf("listing head pods of RayCluster %s/%s: %w", ns, name, err)
	}
	names := make([]string, 0, len(pods.Items))
	for i := range pods.Items {
		names = append(names, pods.Items[i].Name)
	}
	return names, nil
}

// cleanup reads the settings, checks that Redis answers (a short probe, so
// a dead Redis costs seconds, not the attempt timeout) and deletes the
// namespace's keys, all within left.
func (h *RedisCleanup) cleanup(ctx context.Context, obj *unstructured.Unstructured, left time.Duration) (int, string, error) {
	rc, err := FromObject(obj)
	if err != nil {
		return 0, "", err
	}
	cfg, err := ResolveRedisConfig(ctx, h.secrets, rc)
	if err != nil {
		return 0, "", err
	}
	opts := cfg.Options()
	opts.DialTimeout = min(h.opts.ProbeTimeout, left)
	if res := rayredis.Probe(ctx, opts); !res.Reachable {
		return 0, cfg.StorageNamespace, fmt.Errorf("probing Redis before the clean-up: %s", res.Message)
	}
	c, err := rayredis.NewClient(opts)
	if err != nil {
		return 0, cfg.StorageNamespace, err
	}
	defer func() { _ = c.Close() }()
	runCtx, cancel := context.WithTimeout(ctx, min(h.opts.AttemptTimeout, left))
	defer cancel()
	n, err := rayredis.DeleteNamespace(runCtx, c, cfg.StorageNamespace)
	return n, cfg.StorageNamespace, err
}

// giveUp lets the cluster go after the timeout, naming what is left behind.
func (h *RedisCleanup) giveUp(ctx context.Context, obj *unstructured.Unstructured, timeout time.Duration) {
	ns := "(unknown)"
	if rc, err := FromObject(obj); err == nil {
		if s := StorageNamespaceOf(rc); s != "" {
			ns = s
		}
	}
	msg := fmt.Sprintf("Gave up deleting the GCS data after %s; storage namespace %q may be left in Redis and needs a manual clean-up", timeout, ns)
	if last := h.lastError(obj.GetUID()); last != "" {
		msg += "; last error: " + last
	}
	ctrl.LoggerFrom(ctx).Info("Redis clean-up timed out; letting the cluster go", "storageNamespace", ns, "timeout", timeout)
	h.event(obj, corev1.EventTypeWarning, EventRedisCleanupTimedOut, msg)
	h.Metrics.CountCleanupTimeout()
	h.forget(obj.GetUID())
}

// failed records an attempt's error and warns once per distinct cause
// (missing Secret, Redis down, ...), not once per poll.
func (h *RedisCleanup) failed(obj *unstructured.Unstructured, err error) {
	msg := err.Error()
	h.mu.Lock()
	m := h.memoLocked(obj.GetUID())
	m.lastErr = msg
	h.mu.Unlock()
	h.warnOnce(obj, EventRedisCleanupFailed, msg)
}

func (h *RedisCleanup) warnOnce(obj *unstructured.Unstructured, reason, msg string) {
	h.mu.Lock()
	m := h.memoLocked(obj.GetUID())
	key := reason + "\x00" + msg
	seen := m.warned[key]
	m.warned[key] = true
	h.mu.Unlock()
	if !seen {
		h.event(obj, corev1.EventTypeWarning, reason, msg)
	}
}

func (h *RedisCleanup) memoLocked(uid types.UID) *cleanupMemo {
	m := h.pending[uid]
	if m == nil {
		m = &cleanupMemo{warned: map[string]bool{}}
		h.pending[uid] = m
	}
	return m
}

func (h *RedisCleanup) lastError(uid types.UID) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m := h.pending[uid]; m != nil {
		return m.lastErr
	}
	return ""
}

func (h *RedisCleanup) forget(uid types.UID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.pending, uid)
}

func (h *RedisCleanup) event(obj *unstructured.Unstructured, typ, reason, msg string) {
	if h.recorder != nil {
		h.recorder.Eventf(obj, nil, typ, reason, actionCleanupRedis, "%s", msg)
	}
}

// DeletionTimeout reads the ray.io/gcs-ft-deletion-timeout annotation: whole
// seconds greater than 0. Without it, def; with a bad value, def and an
// error that names the annotation.
func DeletionTimeout(annotations map[string]string, def time.Duration) (time.Duration, error) {
	v, ok := annotations[rayv1.AnnotationGCSFTDeletionTimeout]
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 || n > int64(365*24*time.Hour/time.Second) {
		return def, fmt.Errorf("annotation %s: %q is not a whole number of seconds between 1 and 31536000; using %s",
			rayv1.AnnotationGCSFTDeletionTimeout, v, def)
	}
	return time.Duration(n) * time.Second, nil
}
