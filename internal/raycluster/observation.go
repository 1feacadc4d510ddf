/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// Observation is what one reconcile knows about a RayCluster's pods and
// workloads. The Observer gathers it once, before any hook runs, and the
// reconciler hands it to every hook (helm.Request.Observation): the head
// health hook decides on it, the status projection turns it into status.
// Hooks add what they learn or do in the same reconcile (the Redis verdict,
// a head delete) so that the next one is handed it rather than reading back
// what an earlier hook wrote to status.
type Observation struct {
	// Scope holds the pods, the head's node, the policy and the clock
	// reading every decision of the reconcile uses.
	*Scope
	// ReplicaSets are the worker ReplicaSets.
	ReplicaSets []appsv1.ReplicaSet
	// ServiceName is the head Service's name; Service is nil when it does
	// not exist (yet).
	ServiceName string
	Service     *corev1.Service
	// HeadCreateRefused is why the head StatefulSet cannot create the head
	// pod (its FailedCreate event), "" when the pod exists or nothing
	// refused it.
	HeadCreateRefused string
	// RedisUnavailable is the Redis verdict: the last check's as status
	// held it when the reconcile began, replaced by the Redis hook's own
	// when it checks in this reconcile. Always false without GCS fault
	// tolerance.
	RedisUnavailable bool
	// HeadDelete is the head hook's delete of this reconcile, for the
	// status projection (ReplicaFailure has that one writer).
	HeadDelete HeadDeleteAttempt
}

// HeadDeleteAttempt is a head delete the head hook tried in this reconcile.
type HeadDeleteAttempt struct {
	// Tried is true when a delete was sent (or found the pod gone).
	Tried bool
	Pod   string
	Err   error
}

// headCreateRefusalWindow is how recent a FailedCreate event of the head
// StatefulSet must be to count while the head pod is missing. The
// StatefulSet controller retries a refused create with a backoff that grows
// to about 17 minutes (its work queue's cap), refreshing the event each
// time; an older event is from a refusal that has since passed.
const headCreateRefusalWindow = 20 * time.Minute

// HeadStatefulSetName is the head StatefulSet's name as the chart renders it.
func HeadStatefulSetName(cluster string) string {
	return cluster + "-head"
}

// Observer gathers a RayCluster's Observation: pods, the head's node and
// the worker ReplicaSets from the manager's cache, and, only while the
// head pod is missing, the head StatefulSet's FailedCreate events from the
// API server (events are not cached: that would hold every event of the
// cluster in memory).
type Observer struct {
	Reader    client.Reader
	APIReader client.Reader
	Clock     clock.PassiveClock
	Policy    Policy
}

var _ helm.Observer = (*Observer)(nil)

// The observation reads worker ReplicaSets and the head Service from the
// cache, and a missing head's StatefulSet events from the API server.
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch
// +kubebuilder:rbac:groups=apps,resources=replicasets,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=events,verbs=list

// Observe gathers the observation of one RayCluster.
func (o *Observer) Observe(ctx context.Context, req *helm.Request) (any, error) {
	rc, err := FromObject(req.Object)
	if err != nil {
		return nil, err
	}
	return o.gather(ctx, rc)
}

func (o *Observer) gather(ctx context.Context, rc *rayv1.RayCluster) (*Observation, error) {
	facts := ClusterFacts{Name: rc.Name, Namespace: rc.Namespace, Annotations: rc.Annotations}
	s, err := GatherScope(ctx, o.Reader, facts, o.Policy, o.Clock.Now())
	if err != nil {
		return nil, fmt.Errorf("observing RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	obs := &Observation{Scope: s, ServiceName: HeadServiceName(rc), RedisUnavailable: redisDownInStatus(rc)}
	if err := o.readWorkloads(ctx, rc, obs); err != nil {
		return nil, err
	}
	if s.HeadPod == nil && !ptr.Deref(rc.Spec.Suspend, false) && o.APIReader != nil {
		exists, err := o.headStatefulSetExists(ctx, rc)
		if err != nil {
			return nil, err
		}
		if exists {
			if obs.HeadCreateRefused, err = headCreateRefusal(ctx, o.APIReader, rc, s.Now); err != nil {
				return nil, err
			}
		}
	}
	return obs, nil
}

// headStatefulSetExists reads the head StatefulSet from the cache. Without
// one nothing can have refused to create the head (a new cluster's first
// reconcile, before its install), so its events need no LIST, which the
// API server answers by scanning the namespace's events: during a burst of
// creations that was one such scan per cluster. The read goes through the
// informer that watches the rendered objects (unstructured), not one more.
func (o *Observer) headStatefulSetExists(ctx context.Context, rc *rayv1.RayCluster) (bool, error) {
	sts := &unstructured.Unstructured{}
	sts.SetGroupVersionKind(appsv1.SchemeGroupVersion.WithKind("StatefulSet"))
	err := o.Reader.Get(ctx, types.NamespacedName{Namespace: rc.Namespace, Name: HeadStatefulSetName(rc.Name)}, sts)
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err):
		return false, nil
	default:
		return false, fmt.Errorf("reading head StatefulSet of RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
	}
}

// readWorkloads reads the worker ReplicaSets and the head Service.
func (o *Observer) readWorkloads(ctx context.Context, rc *rayv1.RayCluster, obs *Observation) error {
	var sets appsv1.ReplicaSetList
	if err := o.Reader.List(ctx, &sets, client.InNamespace(rc.Namespace),
		client.MatchingLabels{LabelCluster: rc.Name, LabelNodeType: NodeTypeWork}); err != nil {
		return fmt.Errorf("listing worker ReplicaSets of RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	obs.ReplicaSets = sets.Items
	var svc corev1.Service
	err := o.Reader.Get(ctx, types.NamespacedName{Namespace: rc.Namespace, Name: obs.ServiceName}, &svc)
	switch {
	case err == nil:
		obs.Service = &svc
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("reading head Service %s/%s: %w", rc.Namespace, obs.ServiceName, err)
	}
	return nil
}

// headCreateRefusal returns the message of the newest recent FailedCreate
// event of the head StatefulSet (a quota, a Pod Security or webhook
// refusal), "" when there is none.
func headCreateRefusal(ctx context.Context, r client.Reader, rc *rayv1.RayCluster, now time.Time) (string, error) {
	var evs corev1.EventList
	sel := fields.Set{"involvedObject.kind": "StatefulSet", "involvedObject.name": HeadStatefulSetName(rc.Name),
		"reason": "FailedCreate"}.AsSelector()
	if err := r.List(ctx, &evs, client.InNamespace(rc.Namespace), client.MatchingFieldsSelector{Selector: sel}); err != nil {
		return "", fmt.Errorf("listing events of head StatefulSet %s/%s: %w", rc.Namespace, HeadStatefulSetName(rc.Name), err)
	}
	return newestRefusal(evs.Items, now), nil
}

// newestRefusal picks the newest event within headCreateRefusalWindow.
func newestRefusal(evs []corev1.Event, now time.Time) string {
	var msg string
	var newest time.Time
	for i := range evs {
		at := eventTime(&evs[i])
		if now.Sub(at) > headCreateRefusalWindow || !at.After(newest) {
			continue
		}
		newest, msg = at, evs[i].Message
	}
	return msg
}

// eventTime is when an event last happened, whichever API wrote it.
func eventTime(e *corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}

// redisDownInStatus is the verdict of the last Redis check, as the status
// held it when the reconcile began.
func redisDownInStatus(rc *rayv1.RayCluster) bool {
	return FaultToleranceEnabled(rc) && rc.Status.Redis != nil && !rc.Status.Redis.Reachable
}

// ObservationOf returns the reconcile's observation from the request. A
// hook called without one (a test calling it directly, a reconciler
// without the Observer) gathers its own with o.
func ObservationOf(ctx context.Context, req *helm.Request, o *Observer) (*Observation, error) {
	if obs, ok := req.Observation.(*Observation); ok && obs != nil {
		return obs, nil
	}
	rc, err := FromObject(req.Object)
	if err != nil {
		return nil, err
	}
	obs, err := o.gather(ctx, rc)
	if err != nil {
		return nil, err
	}
	req.Observation = obs
	return obs, nil
}
