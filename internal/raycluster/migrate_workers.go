/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// Charts before the worker ReplicaSets ran each worker group as a
// Deployment. Upgrading such a release would make Helm delete the
// Deployment, and Helm's delete cascades: every worker would die. This hook
// hands the running workers over instead, before the apply:
//
//  1. delete the group's Deployment with propagationPolicy Orphan (its
//     ReplicaSets lose their owner and keep their pods);
//  2. once the Deployment is gone, delete those ReplicaSets with Orphan too
//     (the garbage collector removes the pods' controller reference);
//  3. wait until no worker pod of the group has that controller;
//  4. let the apply create the group's ReplicaSet, whose selector (the
//     ray.io labels) matches the pods: its controller adopts them.
//
// No pod is deleted. Each reconcile starts over from what the API server
// says, so an operator crash at any step resumes where it stopped. The
// release manifest tells which groups still need it: until the apply that
// follows, it lists their Deployments.

// WorkerMigrationWait is how soon the hook looks again while the garbage
// collector orphans the pods.
const WorkerMigrationWait = 2 * time.Second

// deploymentUniqueLabel is the label the Deployment controller adds to its
// ReplicaSets, their selectors and their pods (pod-template-hash); the
// chart's own ReplicaSets never have it.
const deploymentUniqueLabel = appsv1.DefaultDeploymentUniqueLabelKey

// The hand-over reads Deployments, ReplicaSets and pods from the API server
// and deletes Deployments and ReplicaSets (orphaning their dependents).
// +kubebuilder:rbac:groups=apps,resources=deployments;replicasets,verbs=get;list;watch;delete

// WorkerMigrationHook is the pre-reconcile hook that hands the pods of an
// earlier chart's worker Deployments to the chart's ReplicaSets.
type WorkerMigrationHook struct {
	// APIReader reads from the API server, not the cache: the hook runs only
	// while a release still lists worker Deployments, and its decisions must
	// not rest on a cache that has not yet seen its own deletes.
	APIReader client.Reader
	Writer    client.Writer
	Recorder  EventRecorder
}

// legacyGroup is one worker group whose Deployment the last release lists.
type legacyGroup struct {
	Group      string
	Deployment string
}

// migrationFacts are what planWorkerMigration decides on.
type migrationFacts struct {
	Cluster string
	Groups  []legacyGroup
	// Deployments are the groups' Deployments that still exist.
	Deployments []appsv1.Deployment
	// ReplicaSets are the cluster's worker ReplicaSets.
	ReplicaSets []appsv1.ReplicaSet
	// Pods are the cluster's worker pods.
	Pods []corev1.Pod
}

// migrationPlan is what to do now; Wait means the apply must not run yet.
type migrationPlan struct {
	OrphanDeployments []appsv1.Deployment
	OrphanReplicaSets []appsv1.ReplicaSet
	Wait              bool
	// Waiting says for what, for the log.
	Waiting string
}

// PreReconcile hands over the workers of the release's worker Deployments.
func (k *WorkerMigrationHook) PreReconcile(ctx context.Context, req *helm.Request) (helm.Result, error) {
	if req.Release == nil {
		return helm.Result{}, nil
	}
	rc, err := FromObject(req.Object)
	if err != nil {
		return helm.Result{}, err
	}
	groups, err := legacyWorkerGroups(req.Release.Manifest, rc)
	if err != nil || len(groups) == 0 {
		return helm.Result{}, err
	}
	f, err := k.gather(ctx, rc, groups)
	if err != nil {
		return helm.Result{}, err
	}
	plan := planWorkerMigration(f)
	if err := k.act(ctx, req, rc, plan); err != nil {
		return helm.Result{}, err
	}
	log := ctrl.LoggerFrom(ctx)
	if plan.Wait {
		log.Info("Waiting for worker pods to leave the Deployments of an earlier chart", "waitingFor", plan.Waiting)
		return helm.Result{Wait: true, RequeueAfter: WorkerMigrationWait}, nil
	}
	log.Info("Worker pods left the Deployments of an earlier chart; the ReplicaSets adopt them", "groups", len(groups))
	return helm.Result{}, nil
}

// legacyWorkerGroups lists the worker Deployments in a release manifest
// whose group is still in the spec. A group that left the spec is left to
// Helm: its Deployment goes with its pods, as the user asked.
func legacyWorkerGroups(manifest string, rc *rayv1.RayCluster) ([]legacyGroup, error) {
	if !strings.Contains(manifest, "kind: Deployment") {
		return nil, nil
	}
	inSpec := map[string]bool{}
	for _, g := range rc.Spec.WorkerGroupSpecs {
		inSpec[g.GroupName] = true
	}
	var out []legacyGroup
	for _, doc := range releaseutil.SplitManifests(manifest) {
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name   string            `json:"name"`
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			return nil, fmt.Errorf("reading the release manifest of RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
		}
		group := head.Metadata.Labels[LabelGroup]
		if head.Kind != "Deployment" || head.Metadata.Labels[LabelNodeType] != NodeTypeWork || !inSpec[group] {
			continue
		}
		out = append(out, legacyGroup{Group: group, Deployment: head.Metadata.Name})
	}
	slices.SortFunc(out, func(a, b legacyGroup) int { return strings.Compare(a.Group, b.Group) })
	return out, nil
}

// gather reads the groups' Deployments, the cluster's worker ReplicaSets
// and worker pods from the API server.
func (k *WorkerMigrationHook) gather(ctx context.Context, rc *rayv1.RayCluster, groups []legacyGroup) (migrationFacts, error) {
	f := migrationFacts{Cluster: rc.Name, Groups: groups}
	for _, g := range groups {
		var d appsv1.Deployment
		err := k.APIReader.Get(ctx, types.NamespacedName{Namespace: rc.Namespace, Name: g.Deployment}, &d)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return f, fmt.Errorf("reading worker Deployment %s/%s: %w", rc.Namespace, g.Deployment, err)
		default:
			f.Deployments = append(f.Deployments, d)
		}
	}
	workers := client.MatchingLabels{LabelCluster: rc.Name, LabelNodeType: NodeTypeWork}
	var sets appsv1.ReplicaSetList
	if err := k.APIReader.List(ctx, &sets, client.InNamespace(rc.Namespace), workers); err != nil {
		return f, fmt.Errorf("listing worker ReplicaSets of RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	f.ReplicaSets = sets.Items
	var pods corev1.PodList
	if err := k.APIReader.List(ctx, &pods, client.InNamespace(rc.Namespace), workers); err != nil {
		return f, fmt.Errorf("listing worker pods of RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	f.Pods = pods.Items
	return f, nil
}

// planWorkerMigration decides the next steps. A group's ReplicaSets are
// orphaned only once its Deployment is gone: while it exists, its
// controller would replace a deleted ReplicaSet, pods and all.
func planWorkerMigration(f migrationFacts) migrationPlan {
	var p migrationPlan
	groups, groupOf := map[string]bool{}, map[string]string{}
	for _, g := range f.Groups {
		groups[g.Group], groupOf[g.Deployment] = true, g.Group
	}
	withDeployment := map[string]bool{}
	for _, d := range f.Deployments {
		withDeployment[groupOf[d.Name]] = true
		p.wait("Deployment " + d.Name + " to be gone")
		if d.DeletionTimestamp == nil {
			p.OrphanDeployments = append(p.OrphanDeployments, d)
		}
	}
	for _, rs := range f.ReplicaSets {
		group := rs.Labels[LabelGroup]
		if !groups[group] || rs.Labels[deploymentUniqueLabel] == "" {
			continue
		}
		p.wait("ReplicaSet " + rs.Name + " to be gone")
		if rs.DeletionTimestamp == nil && !withDeployment[group] {
			p.OrphanReplicaSets = append(p.OrphanReplicaSets, rs)
		}
	}
	for _, pod := range f.Pods {
		group := pod.Labels[LabelGroup]
		ref := metav1.GetControllerOf(&pod)
		if groups[group] && ref != nil && ref.Name != WorkerReplicaSetName(f.Cluster, group) {
			p.wait("pod " + pod.Name + " to leave " + ref.Kind + " " + ref.Name)
		}
	}
	return p
}

func (p *migrationPlan) wait(what string) {
	if !p.Wait {
		p.Wait, p.Waiting = true, what
	}
}

// act carries out the orphaning deletes. Each is bound to the object read
// by a UID precondition; NotFound and Conflict mean someone else got there
// first, and the next reconcile decides again.
func (k *WorkerMigrationHook) act(ctx context.Context, req *helm.Request, rc *rayv1.RayCluster, p migrationPlan) error {
	log := ctrl.LoggerFrom(ctx)
	for i := range p.OrphanDeployments {
		d := &p.OrphanDeployments[i]
		if err := orphanDelete(ctx, k.Writer, d, d.UID); err != nil {
			return fmt.Errorf("deleting worker Deployment %s/%s (orphaning its pods): %w", d.Namespace, d.Name, err)
		}
		group := d.Labels[LabelGroup]
		log.Info("Deleted a worker Deployment of an earlier chart, keeping its pods", "deployment", d.Name, "group", group)
		k.Recorder.Eventf(req.Object, nil, corev1.EventTypeNormal, EventWorkerDeploymentOrphaned, actionMigrateWorkers,
			"Worker Deployment %s of an earlier chart deleted with its pods left running; ReplicaSet %s takes them over",
			d.Name, WorkerReplicaSetName(rc.Name, group))
	}
	for i := range p.OrphanReplicaSets {
		rs := &p.OrphanReplicaSets[i]
		if err := orphanDelete(ctx, k.Writer, rs, rs.UID); err != nil {
			return fmt.Errorf("deleting ReplicaSet %s/%s of a worker Deployment (orphaning its pods): %w", rs.Namespace, rs.Name, err)
		}
		log.Info("Deleted a worker Deployment's ReplicaSet, keeping its pods", "replicaSet", rs.Name)
	}
	return nil
}

func orphanDelete(ctx context.Context, w client.Writer, obj client.Object, uid types.UID) error {
	err := w.Delete(ctx, obj, client.PropagationPolicy(metav1.DeletePropagationOrphan), client.Preconditions{UID: &uid})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}
