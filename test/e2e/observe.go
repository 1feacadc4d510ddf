/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"context"
	"testing"

	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// RecoveryObservations scrapes the operator's registry: how many recoveries
// the histogram holds for reason, and their sum in seconds.
func (e *Env) RecoveryObservations(t *testing.T, reason string) (uint64, float64) {
	t.Helper()
	families, err := e.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != raycluster.MetricHeadRecoverySeconds {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
				}
			}
		}
	}
	return 0, 0
}

// Replacements scrapes the forced-replacement counter for reason.
func (e *Env) Replacements(t *testing.T, reason string) float64 {
	t.Helper()
	families, err := e.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != raycluster.MetricHeadForcedReplacements {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// EventReasons lists the reasons of the events about a RayCluster, oldest
// first, each once per event.
func (e *Env) EventReasons(t *testing.T, ns, name string) []string {
	t.Helper()
	var list eventsv1.EventList
	if err := e.Client.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range list.Items {
		if ev.Regarding.Kind == "RayCluster" && ev.Regarding.Name == name {
			out = append(out, ev.Reason)
		}
	}
	return out
}

func hasString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
