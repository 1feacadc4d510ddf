/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
)

// Defaults of ReachabilityOptions.
const (
	DefaultRedisProbeInterval = 30 * time.Second
	DefaultRedisStatusRefresh = 15 * time.Minute
	// redisRetryBase is the first wait before a missing Secret is looked
	// for again; it doubles up to the probe interval.
	redisRetryBase = 5 * time.Second
)

// EventRedisReachable is the Normal event of a Redis that answers again.
// Warning events use the condition's reason (RedisUnreachable, ...).
const EventRedisReachable = "RedisReachable"

const actionCheckRedis = "CheckRedis"

// ReachabilityOptions tune the Redis reachability check.
type ReachabilityOptions struct {
	// Interval is the least time between two probes of one cluster's Redis
	// (unless its settings change). A failed check asks for a reconcile
	// after it, so recovery shows up without other triggers.
	Interval time.Duration
	// Timeout bounds one probe (connect, TLS, AUTH, PING).
	Timeout time.Duration
	// StatusRefresh is how old status.redis.lastCheckTime may get before an
	// unchanged result is written again: an unchanged cluster's reconcile
	// writes nothing in between.
	StatusRefresh time.Duration
}

func (o *ReachabilityOptions) setDefaults() {
	if o.Interval <= 0 {
		o.Interval = DefaultRedisProbeInterval
	}
	if o.Timeout <= 0 {
		o.Timeout = rayredis.DefaultProbeTimeout
	}
	if o.StatusRefresh <= 0 {
		o.StatusRefresh = DefaultRedisStatusRefresh
	}
}

// ProbeFunc checks a Redis; rayredis.Probe in production.
type ProbeFunc func(ctx context.Context, opts rayredis.Options) rayredis.ProbeResult

// RedisReachability is the pre-reconcile hook that checks the GCS Redis of a
// fault-tolerant cluster and reports it in status.redis and the
// RedisReachable condition. It hands its verdict to the head health hook
// through the reconcile's Observation (replacing a head does not help while
// Redis is down), so it must run before that hook.
//
// It never stops the apply and never fails the reconcile: a Redis outage or
// a missing Secret is reported, and the chart is applied all the same (pods
// wait for their Secrets on their own).
type RedisReachability struct {
	secrets  client.Reader
	recorder EventRecorder
	clock    clock.PassiveClock
	probe    ProbeFunc
	opts     ReachabilityOptions
	// Metrics counts the clusters whose Redis does not answer (nil: none).
	Metrics *RedisMetrics

	mu        sync.Mutex
	memo      map[types.UID]probeMemo
	lastPrune time.Time
}

// probeMemo is what the hook remembers of a cluster between reconciles; it
// holds a digest of the settings, never the settings.
type probeMemo struct {
	// at is the last check, next when the next one is due.
	at, next time.Time
	// fingerprint digests the cluster's Redis settings as the spec gives
	// them (literal values and references, not what Secrets hold).
	fingerprint [sha256.Size]byte
	// retries counts consecutive checks that found a reference missing.
	retries int
}

// redisObservation is the result of one check, as the condition shows it.
type redisObservation struct {
	reachable bool
	reason    string
	message   string
}

// NewRedisReachability returns the hook. secrets reads Secrets and
// ConfigMaps from the API server (mgr.GetAPIReader()); probe is
// rayredis.Probe unless a test replaces it.
func NewRedisReachability(secrets client.Reader, rec EventRecorder, clk clock.PassiveClock, probe ProbeFunc, o ReachabilityOptions) *RedisReachability {
	o.setDefaults()
	if probe == nil {
		probe = rayredis.Probe
	}
	return &RedisReachability{secrets: secrets, recorder: rec, clock: clk, probe: probe, opts: o,
		memo: map[types.UID]probeMemo{}}
}

var _ helm.PreReconcileHook = (*RedisReachability)(nil)

// PreReconcile checks Redis when a check is due and writes the result into
// req.Object's status.
func (h *RedisReachability) PreReconcile(ctx context.Context, req *helm.Request) (helm.Result, error) {
	log := ctrl.LoggerFrom(ctx)
	rc, err := FromObject(req.Object)
	if err != nil {
		log.Error(err, "Skipping the Redis check")
		return helm.Result{}, nil
	}
	key := types.NamespacedName{Namespace: rc.Namespace, Name: rc.Name}
	if !FaultToleranceEnabled(rc) {
		h.forget(rc.UID)
		h.Metrics.ForgetCluster(key)
		return helm.Result{}, clearRedisStatus(req, rc)
	}
	now := h.clock.Now()
	obs, wait, ok := h.check(ctx, rc, now)
	if !ok {
		return helm.Result{RequeueAfter: wait}, nil
	}
	handOverRedisVerdict(req, obs)
	h.Metrics.SetReachable(key, obs.reachable)
	// A copy: recordObservation changes the condition in place.
	var prev *metav1.Condition
	if c := meta.FindStatusCondition(rc.Status.Conditions, string(rayv1.RedisReachable)); c != nil {
		prev = c.DeepCopy()
	}
	if !h.recordObservation(rc, obs, now) {
		return helm.Result{RequeueAfter: wait}, nil
	}
	if err := WriteStatus(req.Object, &rc.Status); err != nil {
		return helm.Result{}, err
	}
	h.eventOnTransition(req, prev, obs)
	return helm.Result{RequeueAfter: wait}, nil
}

// check probes when a check is due: the settings changed in the spec, the
// last check is an interval old, or a missing Secret's backoff is over.
// Secrets are read only then, so a steady cluster's reconcile makes no API
// call here; a rotated password in an unchanged Secret is seen at the next
// due check. ok is false when there is nothing new to record; wait is when
// to look again (0: no need beyond the normal reconciles).
func (h *RedisReachability) check(ctx context.Context, rc *rayv1.RayCluster, now time.Time) (redisObservation, time.Duration, bool) {
	src, err := redisSourcesOf(rc)
	if err != nil {
		h.forget(rc.UID)
		return redisObservation{reason: rayv1.ReasonRedisConfigInvalid, message: err.Error()}, 0, true
	}
	fp := src.digest()
	if wait, due := h.due(rc, fp, now); !due {
		return redisObservation{}, wait, false
	}
	cfg, err := src.resolve(ctx, h.secrets, rc.Namespace)
	var cfgErr *RedisConfigError
	switch {
	case IsMissingReference(err):
		return redisObservation{reason: rayv1.ReasonRedisCredentialsUnavailable, message: err.Error()}, h.backoff(rc.UID, fp, now), true
	case errors.As(err, &cfgErr):
		h.remember(rc.UID, probeMemo{at: now, next: now.Add(h.opts.Interval), fingerprint: fp})
		return redisObservation{reason: rayv1.ReasonRedisConfigInvalid, message: err.Error()}, 0, true
	case err != nil:
		ctrl.LoggerFrom(ctx).Error(err, "Reading the Redis settings failed; checking again later")
		return redisObservation{}, h.backoff(rc.UID, fp, now), false
	}
	opts := cfg.Options()
	opts.DialTimeout = h.opts.Timeout
	obs := observationOf(h.probe(ctx, opts))
	h.remember(rc.UID, probeMemo{at: now, next: now.Add(h.opts.Interval), fingerprint: fp})
	// Look again after an interval whatever the verdict: nothing else
	// tells the operator that a healthy Redis went down, and the reconcile
	// period is far longer than the interval users set for the check.
	return obs, h.opts.Interval, true
}

// due reports whether a check is due; when not, wait is when the caller
// should look again (when the next check is due).
func (h *RedisReachability) due(rc *rayv1.RayCluster, fp [sha256.Size]byte, now time.Time) (time.Duration, bool) {
	h.mu.Lock()
	m, ok := h.memo[rc.UID]
	h.mu.Unlock()
	if !ok || m.fingerprint != fp || rc.Status.Redis == nil || !now.Before(m.next) {
		return 0, true
	}
	return m.next.Sub(now), false
}

// backoff schedules the next look at settings that could not be read: 5 s,
// doubling per consecutive failure, at most the probe interval.
func (h *RedisReachability) backoff(uid types.UID, fp [sha256.Size]byte, now time.Time) time.Duration {
	h.mu.Lock()
	m := h.memo[uid]
	h.mu.Unlock()
	if m.fingerprint != fp {
		m.retries = 0
	}
	wait := min(redisRetryBase<<min(m.retries, 8), h.opts.Interval)
	h.remember(uid, probeMemo{at: now, next: now.Add(wait), fingerprint: fp, retries: m.retries + 1})
	return wait
}

func (h *RedisReachability) remember(uid types.UID, m probeMemo) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.memo[uid] = m
	h.pruneLocked(m.at)
}

func (h *RedisReachability) forget(uid types.UID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.memo, uid)
}

// pruneLocked drops what is remembered of clusters not seen for a long
// time (deleted ones), at most once per interval.
func (h *RedisReachability) pruneLocked(now time.Time) {
	if now.Sub(h.lastPrune) < h.opts.Interval {
		return
	}
	h.lastPrune = now
	for uid, m := range h.memo {
		if now.Sub(m.at) > h.opts.StatusRefresh {
			delete(h.memo, uid)
		}
	}
}

// digest hashes where each setting comes from (literals, and the names
// and keys of references), so that any change of the spec's Redis settings
// triggers a check at once. Only the digest is kept, never the values.
func (s *redisSources) digest() [sha256.Size]byte {
	h := sha256.New()
	write := func(v *valueRef) {
		if v == nil {
			fmt.Fprint(h, "-\x00")
			return
		}
		fmt.Fprintf(h, "%s\x00%s\x00", v.field, v.literal)
		if v.secret != nil {
			fmt.Fprintf(h, "secret\x00%s\x00%s\x00%v\x00", v.secret.Name, v.secret.Key, v.secret.Optional != nil && *v.secret.Optional)
		}
		if v.configMap != nil {
			fmt.Fprintf(h, "configmap\x00%s\x00%s\x00%v\x00", v.configMap.Name, v.configMap.Key, v.configMap.Optional != nil && *v.configMap.Optional)
		}
	}
	for _, v := range []*valueRef{&s.address, &s.username, &s.password, &s.namespace, s.ca} {
		write(v)
	}
	fmt.Fprintf(h, "%s\x00%v", s.serverName, s.insecureSkipVerify)
	var out [sha256.Size]byte
	copy(out[:], h.Sum(nil))
	return out
}

// observationOf maps a probe result to the condition's vocabulary.
func observationOf(r rayredis.ProbeResult) redisObservation {
	obs := redisObservation{reachable: r.Reachable, message: r.Message}
	switch r.Reason {
	case rayredis.ReasonOK:
		obs.reason = rayv1.ReasonRedisPingSucceeded
	case rayredis.ReasonAuthFailed:
		obs.reason = rayv1.ReasonRedisAuthFailed
	case rayredis.ReasonTLSFailed:
		obs.reason = rayv1.ReasonRedisTLSFailed
	case rayredis.ReasonInvalidOptions:
		obs.reason = rayv1.ReasonRedisConfigInvalid
	default:
		obs.reason = rayv1.ReasonRedisUnreachable
	}
	if !r.Reachable && obs.reason == rayv1.ReasonRedisPingSucceeded {
		obs.reason = rayv1.ReasonRedisUnreachable
	}
	return obs
}

// recordObservation sets status.redis and the RedisReachable condition and
// reports whether anything changed. An unchanged result only refreshes
// lastCheckTime once it is StatusRefresh old, so that a steady cluster's
// reconciles write nothing. A result is unchanged when its verdict and
// reason are: the error text of one outage varies from probe to probe
// ("EOF", "connection reset by peer", "connection refused"), and writing
// each variant would cost every cluster of a shared Redis one write per
// interval for as long as the outage lasts.
func (h *RedisReachability) recordObservation(rc *rayv1.RayCluster, obs redisObservation, now time.Time) bool {
	st := &rc.Status
	cond := metav1.Condition{
		Type: string(rayv1.RedisReachable), Status: metav1.ConditionFalse, Reason: obs.reason,
		Message: obs.message, ObservedGeneration: rc.Generation, LastTransitionTime: metav1.NewTime(now),
	}
	if obs.reachable {
		cond.Status = metav1.ConditionTrue
	}
	prev := meta.FindStatusCondition(st.Conditions, cond.Type)
	same := prev != nil && prev.Status == cond.Status && prev.Reason == cond.Reason &&
		prev.ObservedGeneration == cond.ObservedGeneration &&
		st.Redis != nil && st.Redis.Reachable == obs.reachable &&
		st.Redis.LastCheckTime != nil && now.Sub(st.Redis.LastCheckTime.Time) < h.opts.StatusRefresh
	if same {
		return false
	}
	meta.SetStatusCondition(&st.Conditions, cond)
	t := metav1.NewTime(now)
	st.Redis = &rayv1.RedisStatus{Reachable: obs.reachable, LastCheckTime: &t, Message: obs.message}
	return true
}

// eventOnTransition emits an event when the condition's status or reason
// changed: a Warning for a failure, a Normal event when Redis answers again.
func (h *RedisReachability) eventOnTransition(req *helm.Request, prev *metav1.Condition, obs redisObservation) {
	if h.recorder == nil {
		return
	}
	switch {
	case obs.reachable && prev != nil && prev.Status == metav1.ConditionFalse:
		h.recorder.Eventf(req.Object, nil, corev1.EventTypeNormal, EventRedisReachable, actionCheckRedis, "%s", obs.message)
	case !obs.reachable && (prev == nil || prev.Status != metav1.ConditionFalse || prev.Reason != obs.reason):
		h.recorder.Eventf(req.Object, nil, corev1.EventTypeWarning, obs.reason, actionCheckRedis, "%s", obs.message)
	}
}

// handOverRedisVerdict gives a fresh verdict to the hooks after this one
// through the reconcile's observation: they decide on it without reading
// back the status this hook writes.
func handOverRedisVerdict(req *helm.Request, obs redisObservation) {
	if o, ok := req.Observation.(*Observation); ok && o != nil {
		o.RedisUnavailable = !obs.reachable
	}
}

// clearRedisStatus removes status.redis and the condition of a cluster
// whose fault tolerance is off (the condition is absent then).
func clearRedisStatus(req *helm.Request, rc *rayv1.RayCluster) error {
	had := meta.RemoveStatusCondition(&rc.Status.Conditions, string(rayv1.RedisReachable))
	if !had && rc.Status.Redis == nil {
		return nil
	}
	rc.Status.Redis = nil
	return WriteStatus(req.Object, &rc.Status)
}
