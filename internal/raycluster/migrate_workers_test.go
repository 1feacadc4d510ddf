/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// legacyManifest is what the chart before the ReplicaSets rendered, cut to
// what legacyWorkerGroups reads.
const legacyManifest = `---
# Source: ray-cluster/templates/head-statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: rc-head
  labels:
    ray.io/node-type: head
    ray.io/group: headgroup
---
# Source: ray-cluster/templates/worker-deployments.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: rc-small-worker
  labels:
    ray.io/node-type: worker
    ray.io/group: small
---
# Source: ray-cluster/templates/worker-deployments.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: rc-gone-worker
  labels:
    ray.io/node-type: worker
    ray.io/group: gone
`

func TestLegacyWorkerGroups(t *testing.T) {
	rc := &rayv1.RayCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rc"},
		Spec: rayv1.RayClusterSpec{WorkerGroupSpecs: []rayv1.WorkerGroupSpec{{GroupName: "small"}, {GroupName: "new"}}}}
	tests := map[string]struct {
		manifest string
		want     []legacyGroup
	}{
		"a group still in the spec is handed over; one that left is Helm's": {manifest: legacyManifest,
			want: []legacyGroup{{Group: "small", Deployment: "rc-small-worker"}}},
		"a release of ReplicaSets needs nothing": {manifest: "kind: ReplicaSet\nmetadata:\n  name: rc-small-worker\n  labels: {ray.io/node-type: worker, ray.io/group: small}\n"},
		"no release manifest":                    {manifest: ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := legacyWorkerGroups(tc.manifest, rc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("legacyWorkerGroups = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPlanWorkerMigration(t *testing.T) {
	deleting := ptr.To(metav1.Unix(1, 0))
	groups := []legacyGroup{{Group: "small", Deployment: "rc-small-worker"}}
	dep := func(deleted *metav1.Time) appsv1.Deployment {
		return appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "rc-small-worker", UID: "d1", DeletionTimestamp: deleted,
			Labels: map[string]string{LabelGroup: "small"}}}
	}
	legacyRS := func(deleted *metav1.Time) appsv1.ReplicaSet {
		return appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "rc-small-worker-7d9f", UID: "r1", DeletionTimestamp: deleted,
			Labels: map[string]string{LabelGroup: "small", appsv1.DefaultDeploymentUniqueLabelKey: "7d9f"}}}
	}
	chartRS := appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "rc-small-worker", UID: "r2", Labels: map[string]string{LabelGroup: "small"}}}
	pod := func(owner string) corev1.Pod {
		p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "w-" + owner, Labels: map[string]string{LabelGroup: "small"}}}
		if owner != "" {
			p.OwnerReferences = []metav1.OwnerReference{{Kind: "ReplicaSet", Name: owner, Controller: ptr.To(true)}}
		}
		return p
	}
	tests := map[string]struct {
		facts      migrationFacts
		deployment []string
		replicaSet []string
		wait       bool
	}{
		"the Deployment is orphaned first; its ReplicaSet is kept while it exists": {
			facts:      migrationFacts{Deployments: []appsv1.Deployment{dep(nil)}, ReplicaSets: []appsv1.ReplicaSet{legacyRS(nil)}, Pods: []corev1.Pod{pod("rc-small-worker-7d9f")}},
			deployment: []string{"rc-small-worker"}, wait: true,
		},
		"a Deployment being deleted is waited for, not deleted again": {
			facts: migrationFacts{Deployments: []appsv1.Deployment{dep(deleting)}, ReplicaSets: []appsv1.ReplicaSet{legacyRS(nil)}},
			wait:  true,
		},
		"once the Deployment is gone its ReplicaSet is orphaned": {
			facts:      migrationFacts{ReplicaSets: []appsv1.ReplicaSet{legacyRS(nil)}, Pods: []corev1.Pod{pod("rc-small-worker-7d9f")}},
			replicaSet: []string{"rc-small-worker-7d9f"}, wait: true,
		},
		"pods still owned by the old ReplicaSet hold the apply": {
			facts: migrationFacts{Pods: []corev1.Pod{pod("rc-small-worker-7d9f"), pod("")}},
			wait:  true,
		},
		"free pods: the apply may run": {
			facts: migrationFacts{Pods: []corev1.Pod{pod(""), pod("")}},
		},
		"pods adopted by the chart's ReplicaSet (a crash after the apply) need nothing": {
			facts: migrationFacts{ReplicaSets: []appsv1.ReplicaSet{chartRS}, Pods: []corev1.Pod{pod("rc-small-worker")}},
		},
		"a ReplicaSet being deleted is waited for": {
			facts: migrationFacts{ReplicaSets: []appsv1.ReplicaSet{legacyRS(deleting)}},
			wait:  true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.facts.Cluster, tc.facts.Groups = "rc", groups
			p := planWorkerMigration(tc.facts)
			var deps, sets []string
			for _, d := range p.OrphanDeployments {
				deps = append(deps, d.Name)
			}
			for _, rs := range p.OrphanReplicaSets {
				sets = append(sets, rs.Name)
			}
			if !reflect.DeepEqual(deps, tc.deployment) || !reflect.DeepEqual(sets, tc.replicaSet) || p.Wait != tc.wait {
				t.Errorf("plan: orphan Deployments %v, ReplicaSets %v, wait %v (%s); want %v, %v, %v",
					deps, sets, p.Wait, p.Waiting, tc.deployment, tc.replicaSet, tc.wait)
			}
		})
	}
}
