/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Labels the chart puts on every Ray pod (the same keys and values as KubeRay).
const (
	LabelCluster  = "ray.io/cluster"
	LabelNodeType = "ray.io/node-type"
	LabelGroup    = "ray.io/group"
	NodeTypeHead  = "head"
	NodeTypeWork  = "worker"
)

// HeadPodName is the name of the head StatefulSet's only pod.
func HeadPodName(cluster string) string {
	return cluster + "-head-0"
}

// ClusterFacts is what GatherScope needs to know about the RayCluster; the
// hooks fill it from the CR, so this package does not depend on the API types.
type ClusterFacts struct {
	Name        string
	Namespace   string
	Annotations map[string]string
}

// Scope holds the facts of one reconcile, read once so that every decision
// in it sees the same world and the same now.
type Scope struct {
	Cluster types.NamespacedName
	// HeadPod is the StatefulSet's head pod; nil when it does not exist.
	HeadPod *corev1.Pod
	// HeadNode is HeadPod's node; nil when unbound or the Node is gone.
	HeadNode *corev1.Node
	// OtherHeads are other pods labelled as this cluster's head.
	OtherHeads []corev1.Pod
	// Workers are the cluster's worker pods.
	Workers []corev1.Pod
	// Policy is the operator-wide policy with the cluster's annotations
	// applied; PolicyErr names the annotations that could not be used.
	Policy    Policy
	PolicyErr error
	// Now is the reconcile's single clock reading.
	Now time.Time
}

// The scope reads pods and the head's Node from the manager's cache.
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch

// GatherScope reads the cluster's pods and the head's node from r (the
// manager's cache) once. It fails only on read errors; a bad annotation is
// kept in PolicyErr for the caller to report.
func GatherScope(ctx context.Context, r client.Reader, c ClusterFacts, base Policy, now time.Time) (*Scope, error) {
	s := &Scope{Cluster: types.NamespacedName{Namespace: c.Namespace, Name: c.Name}, Now: now}
	s.Policy, s.PolicyErr = base.ApplyAnnotations(c.Annotations)

	var pods corev1.PodList
	if err := r.List(ctx, &pods, client.InNamespace(c.Namespace), client.MatchingLabels{LabelCluster: c.Name}); err != nil {
		return nil, fmt.Errorf("listing pods of RayCluster %s: %w", s.Cluster, err)
	}
	s.sortPods(pods.Items)

	if s.HeadPod != nil && s.HeadPod.Spec.NodeName != "" {
		node, err := getNode(ctx, r, s.HeadPod.Spec.NodeName)
		if err != nil {
			return nil, fmt.Errorf("reading node of head pod %s/%s: %w", c.Namespace, s.HeadPod.Name, err)
		}
		s.HeadNode = node
	}
	return s, nil
}

// sortPods splits the cluster's pods into the head, other heads and workers.
func (s *Scope) sortPods(pods []corev1.Pod) {
	headName := HeadPodName(s.Cluster.Name)
	for i := range pods {
		p := pods[i]
		switch {
		case p.Labels[LabelNodeType] == NodeTypeHead && p.Name == headName:
			s.HeadPod = &p
		case p.Labels[LabelNodeType] == NodeTypeHead:
			s.OtherHeads = append(s.OtherHeads, p)
		case p.Labels[LabelNodeType] == NodeTypeWork:
			s.Workers = append(s.Workers, p)
		}
	}
}

// getNode returns the node, or nil when it does not exist.
func getNode(ctx context.Context, r client.Reader, name string) (*corev1.Node, error) {
	var node corev1.Node
	err := r.Get(ctx, types.NamespacedName{Name: name}, &node)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &node, nil
}

// HeadInput returns the input of ClassifyHead. The Redis probe is not part of
// the scope's reads; the caller passes its latest result.
func (s *Scope) HeadInput(redisUnavailable bool) HeadInput {
	return HeadInput{
		Pod:              s.HeadPod,
		Node:             s.HeadNode,
		OtherHeads:       s.OtherHeads,
		RedisUnavailable: redisUnavailable,
		Policy:           s.Policy,
	}
}
