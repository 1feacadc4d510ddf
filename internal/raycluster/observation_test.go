/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
