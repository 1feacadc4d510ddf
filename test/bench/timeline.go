/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// observed is one watch event with the moment the bench received it. Watch
// events reach a loopback client within milliseconds, far finer than the
// whole seconds of the API's own timestamps.
type observed struct {
	At      time.Time
	Type    watch.EventType
	Pod     *corev1.Pod
	Cluster *rayv1.RayCluster
	Node    *corev1.Node
}

// timeline records the events of one namespace's pods and RayClusters, and
// of the nodes, while a failure plays out.
type timeline struct {
	mu     sync.Mutex
	events []observed
	cancel func()
	done   sync.WaitGroup
}

// watchTimeline starts the watches; stop ends them. Each watch starts from
// a list's resourceVersion, so it delivers changes only: a watch without
// one replays the current objects as ADDED events, which may arrive after
// the failure was injected and pass for milestones (the old head, still
// Ready, as the head Ready again).
func watchTimeline(ctx context.Context, c client.WithWatch, ns string) (*timeline, error) {
	ctx, cancel := context.WithCancel(ctx)
	tl := &timeline{cancel: cancel}
	lists := []struct {
		list client.ObjectList
		opts []client.ListOption
	}{
		{&corev1.PodList{}, []client.ListOption{client.InNamespace(ns)}},
		{&rayv1.RayClusterList{}, []client.ListOption{client.InNamespace(ns)}},
		{&corev1.NodeList{}, nil},
	}
	for _, l := range lists {
		if err := c.List(ctx, l.list, l.opts...); err != nil {
			tl.stop()
			return nil, fmt.Errorf("listing %T in %s: %w", l.list, ns, err)
		}
		from := &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: l.list.GetResourceVersion()}}
		w, err := c.Watch(ctx, l.list, append(append([]client.ListOption(nil), l.opts...), from)...)
		if err != nil {
			tl.stop()
			return nil, fmt.Errorf("watching %T in %s: %w", l.list, ns, err)
		}
		tl.done.Add(1)
		go tl.consume(w)
	}
	return tl, nil
}

func (tl *timeline) consume(w watch.Interface) {
	defer tl.done.Done()
	for ev := range w.ResultChan() {
		o := observed{At: time.Now(), Type: ev.Type}
		switch obj := ev.Object.(type) {
		case *corev1.Pod:
			o.Pod = obj
		case *rayv1.RayCluster:
			o.Cluster = obj
		case *corev1.Node:
			o.Node = obj
		default:
			continue
		}
		tl.mu.Lock()
		tl.events = append(tl.events, o)
		tl.mu.Unlock()
	}
}

func (tl *timeline) stop() {
	tl.cancel()
	tl.done.Wait()
}

// snapshot returns the events so far, oldest first.
func (tl *timeline) snapshot() []observed {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return append([]observed(nil), tl.events...)
}

// firstAfter returns when match first held for an event at or after from;
// zero when it never did.
func firstAfter(events []observed, from time.Time, match func(observed) bool) time.Time {
	for _, e := range events {
		if !e.At.Before(from) && match(e) {
			return e.At
		}
	}
	return time.Time{}
}

// Predicates over events, for the milestones of a recovery.

func headOf(cluster string) func(observed) *corev1.Pod {
	name := raycluster.HeadPodName(cluster)
	return func(e observed) *corev1.Pod {
		if e.Pod != nil && e.Pod.Name == name {
			return e.Pod
		}
		return nil
	}
}

// newHeadCreated: a head pod other than old appeared.
func newHeadCreated(cluster string, old types.UID) func(observed) bool {
	head := headOf(cluster)
	return func(e observed) bool {
		p := head(e)
		return p != nil && p.UID != old && e.Type != watch.Deleted
	}
}

// headGone: the old head pod was removed from the API (deleted, or
// force-deleted).
func headGone(cluster string, old types.UID) func(observed) bool {
	head := headOf(cluster)
	return func(e observed) bool {
		p := head(e)
		return p != nil && p.UID == old && e.Type == watch.Deleted
	}
}

// headReady: a head pod (other than old, unless sameOK) is Ready and not
// being deleted.
func headReady(cluster string, old types.UID, sameOK bool) func(observed) bool {
	head := headOf(cluster)
	return func(e observed) bool {
		p := head(e)
		return p != nil && (sameOK || p.UID != old) && e.Type != watch.Deleted &&
			p.DeletionTimestamp == nil && harness.PodReady(p)
	}
}

// recovering: the RayCluster's HeadRecovering condition has status s.
func recovering(cluster string, s metav1.ConditionStatus) func(observed) bool {
	return func(e observed) bool {
		if e.Cluster == nil || e.Cluster.Name != cluster {
			return false
		}
		for _, c := range e.Cluster.Status.Conditions {
			if c.Type == string(rayv1.HeadRecovering) {
				return c.Status == s
			}
		}
		return false
	}
}

// nodeLost: the node's Ready condition is no longer True.
func nodeLost(node string) func(observed) bool {
	return func(e observed) bool {
		if e.Node == nil || e.Node.Name != node {
			return false
		}
		for _, c := range e.Node.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Status != corev1.ConditionTrue
			}
		}
		return false
	}
}
