/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

func TestPlanScaleDown(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pod := func(name string, age int, terminating, gated bool) corev1.Pod {
		p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0.Add(-time.Duration(age) * time.Minute))}}
		if terminating {
			p.DeletionTimestamp = &metav1.Time{Time: t0}
		}
		if gated {
			p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: ScaleDownGate}}
		}
		return p
	}
	a, b, c := pod("a", 30, false, false), pod("b", 20, false, false), pod("c", 10, false, false)
	tests := map[string]struct {
		pods        []corev1.Pod
		names       []string
		want        int64
		wantVictims []string
		wantMissing []string
		wantNamed   bool
	}{
		"named pod goes, the others stay": {
			pods: []corev1.Pod{a, b, c}, names: []string{"b"}, want: 2,
			wantVictims: []string{"b"}, wantNamed: true},
		"a missing name is ignored and reported once": {
			pods: []corev1.Pod{a, b, c}, names: []string{"gone", "b", "gone"}, want: 2,
			wantVictims: []string{"b"}, wantMissing: []string{"gone"}, wantNamed: true},
		"only missing names: nothing to honour": {
			pods: []corev1.Pod{a, b}, names: []string{"gone"}, want: 1,
			wantMissing: []string{"gone"}},
		"terminating named pod: its replacement (the newest) goes": {
			pods: []corev1.Pod{pod("a", 30, true, false), b, c}, names: []string{"a"}, want: 1,
			wantVictims: []string{"c"}, wantNamed: true},
		"terminating named pod, already at the count: nothing more": {
			pods: []corev1.Pod{pod("a", 30, true, false), b, c}, names: []string{"a"}, want: 2,
			wantNamed: true},
		"scale-up crossing: the named pod goes, no extra": {
			pods: []corev1.Pod{a, b}, names: []string{"a"}, want: 3,
			wantVictims: []string{"a"}, wantNamed: true},
		"gated pods are not workers": {
			pods: []corev1.Pod{a, b, pod("g", 0, false, true)}, names: []string{"a"}, want: 1,
			wantVictims: []string{"a"}, wantNamed: true},
		"a pod of the same name in the list twice goes once": {
			pods: []corev1.Pod{a, b}, names: []string{"a", "a"}, want: 1,
			wantVictims: []string{"a"}, wantNamed: true},
		"same creation second: the name decides": {
			pods: []corev1.Pod{pod("x", 0, true, false), pod("p", 5, false, false), pod("q", 5, false, false)}, names: []string{"x"}, want: 1,
			wantVictims: []string{"q"}, wantNamed: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			plan := planScaleDown(tc.pods, tc.names, tc.want)
			var victims []string
			for _, p := range plan.Victims {
				victims = append(victims, p.Name)
			}
			if !slices.Equal(victims, tc.wantVictims) || !slices.Equal(plan.Missing, tc.wantMissing) || plan.Named != tc.wantNamed {
				t.Errorf("victims %v missing %v named %v, want %v %v %v", victims, plan.Missing, plan.Named,
					tc.wantVictims, tc.wantMissing, tc.wantNamed)
			}
		})
	}
}

func TestScaleDownGateRoundTrip(t *testing.T) {
	tests := map[string]struct {
		cost     string
		withCost bool
	}{
		"template without a deletion cost":    {},
		"template with its own deletion cost": {cost: "7", withCost: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rs := workerReplicaSetFixture()
			if tc.withCost {
				rs.Spec.Template.Annotations = map[string]string{annotationDeletionCost: tc.cost}
			}
			orig := rs.DeepCopy()
			gateTemplate(rs)
			if !templateGated(rs) || rs.Spec.Template.Annotations[annotationDeletionCost] != lowestDeletionCost {
				t.Fatalf("gated template %+v", rs.Spec.Template)
			}
			ungateTemplate(rs)
			if templateGated(rs) || rs.Spec.Template.Annotations[annotationDeletionCost] != orig.Spec.Template.Annotations[annotationDeletionCost] ||
				len(rs.Annotations) != len(orig.Annotations) || len(rs.Spec.Template.Spec.SchedulingGates) != 1 {
				t.Errorf("after ungate: %+v annotations %v, want the original back", rs.Spec.Template, rs.Annotations)
			}
		})
	}
}

// workerReplicaSetFixture is a worker ReplicaSet whose template has a
// user's own scheduling gate, which the scale-down gate must leave alone.
func workerReplicaSetFixture() *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "c-g-worker", Namespace: "ns"}}
	rs.Spec.Template.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/user"}}
	return rs
}

// TestReportMissingOncePerGeneration: the list stays in the spec over many
// reconciles; a missing name is reported once per generation, and a name
// whose pod was there earlier in the generation (deleted since) never.
func TestReportMissingOncePerGeneration(t *testing.T) {
	ev := &recordedEvents{}
	k := &WorkersToDeleteHook{Recorder: ev}
	req := &helm.Request{Object: &unstructured.Unstructured{}}
	rc := &rayv1.RayCluster{ObjectMeta: metav1.ObjectMeta{UID: "u1", Generation: 1}}
	steps := map[int]struct {
		generation   int64
		missing      []string
		wantReported int
	}{
		0: {1, []string{"gone"}, 1},      // "a" exists, "gone" does not
		1: {1, []string{"gone", "a"}, 0}, // "a" deleted since: not reported
		2: {2, []string{"gone", "a"}, 2}, // a new generation reports again
		3: {2, []string{"gone", "a"}, 0},
	}
	for i := range len(steps) {
		step := steps[i]
		rc.Generation = step.generation
		k.reportMissing(req, rc, "small", []string{"a", "gone"}, step.missing)
		if got := ev.take(); len(got) != step.wantReported {
			t.Errorf("step %d: events %v, want %d", i, got, step.wantReported)
		}
	}
}
