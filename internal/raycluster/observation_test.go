/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

func TestNewestRefusal(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(ago time.Duration, msg string) corev1.Event {
		return corev1.Event{Message: msg, LastTimestamp: metav1.NewTime(now.Add(-ago))}
	}
	series := corev1.Event{Message: "series", EventTime: metav1.NewMicroTime(now.Add(-time.Hour)),
		Series: &corev1.EventSeries{LastObservedTime: metav1.NewMicroTime(now.Add(-time.Second))}}
	tests := map[string]struct {
		events []corev1.Event
		want   string
	}{
		"none":                 {},
		"the newest wins":      {events: []corev1.Event{at(time.Minute, "older"), at(10*time.Second, "newer")}, want: "newer"},
		"too old to count":     {events: []corev1.Event{at(headCreateRefusalWindow+time.Second, "stale")}},
		"a series' last sight": {events: []corev1.Event{at(time.Minute, "older"), series}, want: "series"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := newestRefusal(tc.events, now); got != tc.want {
				t.Errorf("newestRefusal = %q, want %q", got, tc.want)
			}
		})
	}
}

// eventCounter is an API reader that counts event LISTs.
type eventCounter struct {
	client.Reader
	lists int
}

func (c *eventCounter) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	c.lists++
	return c.Reader.List(ctx, list, opts...)
}

// TestObserverListsEventsOnlyForAnExistingHeadStatefulSet: a missing head
// is explained by the StatefulSet's FailedCreate events, read from the API
// server; before the StatefulSet exists (a new cluster's first reconcile)
// there is nothing to read.
func TestObserverListsEventsOnlyForAnExistingHeadStatefulSet(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rc := &rayv1.RayCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "demo"}}
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: HeadStatefulSetName("demo")}}
	refusal := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "e"}, Reason: "FailedCreate",
		Message: "exceeded quota", LastTimestamp: metav1.NewTime(now.Add(-time.Second)),
		InvolvedObject: corev1.ObjectReference{Kind: "StatefulSet", Name: HeadStatefulSetName("demo")}}
	tests := map[string]struct {
		objs        []client.Object
		wantLists   int
		wantRefusal string
	}{
		"no StatefulSet yet":   {objs: []client.Object{refusal}},
		"StatefulSet refused":  {objs: []client.Object{sts, refusal}, wantLists: 1, wantRefusal: "exceeded quota"},
		"StatefulSet, no word": {objs: []client.Object{sts}, wantLists: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cl := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(tc.objs...).
				WithIndex(&corev1.Event{}, "involvedObject.kind", func(o client.Object) []string { return []string{o.(*corev1.Event).InvolvedObject.Kind} }).
				WithIndex(&corev1.Event{}, "involvedObject.name", func(o client.Object) []string { return []string{o.(*corev1.Event).InvolvedObject.Name} }).
				WithIndex(&corev1.Event{}, "reason", func(o client.Object) []string { return []string{o.(*corev1.Event).Reason} }).
				Build()
			api := &eventCounter{Reader: cl}
			o := &Observer{Reader: cl, APIReader: api, Clock: clocktesting.NewFakePassiveClock(now), Policy: DefaultPolicy()}
			obs, err := o.gather(context.Background(), rc)
			if err != nil {
				t.Fatal(err)
			}
			if api.lists != tc.wantLists || obs.HeadCreateRefused != tc.wantRefusal {
				t.Errorf("%d event LISTs, refusal %q; want %d, %q", api.lists, obs.HeadCreateRefused, tc.wantLists, tc.wantRefusal)
			}
		})
	}
}
