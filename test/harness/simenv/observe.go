/*
Copyright 2026 The ray-ha-operator Authors.
*/

package simenv

import (
	"context"
	"slices"
	"testing"

	dto "github.com/prometheus/client_model/go"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// RecoveryObservations scrapes the operator's registry: how many recoveries
// the histogram holds, and their sum in seconds, by failure reason.
func (e *Env) RecoveryObservations(t *testing.T) map[string]Observations {
	t.Helper()
	families, err := e.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*dto.MetricFamily{}
	for _, f := range families {
		byName[f.GetName()] = f
	}
	return harness.HistogramByLabel(byName, raycluster.MetricHeadRecoverySeconds, "reason")
}

// Observations are a histogram's sample count and sum.
type Observations = harness.Observations

// ReplacementCounts scrapes the forced-replacement counter, by reason.
func (e *Env) ReplacementCounts(t *testing.T) map[string]float64 {
	t.Helper()
	families, err := e.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != raycluster.MetricHeadForcedReplacements {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" {
					out[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
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

// RayClusterEvents counts the events about any RayCluster, in every
// namespace, whose reason is one of reasons.
func (e *Env) RayClusterEvents(t *testing.T, reasons ...string) int {
	t.Helper()
	var list eventsv1.EventList
	if err := e.Client.List(context.Background(), &list); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range list.Items {
		if ev.Regarding.Kind == "RayCluster" && slices.Contains(reasons, ev.Reason) {
			n++
		}
	}
	return n
}
