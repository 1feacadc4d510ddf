/*
Copyright 2026 The ray-ha-operator Authors.
*/

package simcluster

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// This file is the image-pull MODEL's core: what a kubelet's image cache
// would make a pod wait for. It is a model, not a measurement: a cold pull
// takes the configured time, whatever the registry, the network or the
// image's layers would really cost. It depends on nothing but the standard
// library, so any simulated kubelet (kwok here, a process kubelet later)
// can drive it; imagepullcontroller.go drives it for kwok.

// ImagePull is the model of one image.
type ImagePull struct {
	// ColdPull is how long the modelled pull of the image takes onto a node
	// that does not have it.
	ColdPull time.Duration
	// SizeBytes is the size reported in node.status.images once the image
	// is on a node (the scheduler's ImageLocality score reads it); 0 is
	// reported as 0.
	SizeBytes int64
}

// ImagePullModel is a per-node image cache with a modelled cold-pull time
// per image. As the kubelet by default (serializeImagePulls: true), a node
// pulls one image at a time: a pull asked while another runs starts when
// that one ends. Images the model does not list pull at once. A pull, once
// started, completes even if the pod that asked for it goes away (the
// kubelet keeps the layers it fetched); nothing is ever evicted from the
// cache. Images are matched by their exact reference string, without the
// normalization a container runtime does ("busybox" and
// "docker.io/library/busybox:latest" are two images here). Safe for
// concurrent use.
type ImagePullModel struct {
	pulls map[string]ImagePull

	mu    sync.Mutex
	nodes map[string]*nodeImages
}

// nodeImages is one node's cache: when each image is (or will be) there,
// and when the node's pull queue is free.
type nodeImages struct {
	availableAt map[string]time.Time
	queueFreeAt time.Time
}

// PullPlan is what the model answers for one pod's images on one node.
type PullPlan struct {
	// ReadyAt is when every image is on the node: the earliest the pod's
	// containers can start.
	ReadyAt time.Time
	// Pulls are the modelled cold pulls not finished at the time asked,
	// which this pod waits for (started by it or by an earlier pod on the
	// node), in the order they end.
	Pulls []ModelledPull
}

// ModelledPull is one modelled cold pull of an image onto a node.
type ModelledPull struct {
	Image      string
	Start, End time.Time
}

// Cold reports whether the pod waits for any modelled pull.
func (p PullPlan) Cold() bool { return len(p.Pulls) > 0 }

// NewImagePullModel returns a model with the given images' cold-pull times
// and, per node name, the images already on it at the start.
func NewImagePullModel(pulls map[string]ImagePull, prewarmed map[string][]string) *ImagePullModel {
	m := &ImagePullModel{pulls: map[string]ImagePull{}, nodes: map[string]*nodeImages{}}
	for image, p := range pulls {
		m.pulls[image] = p
	}
	for node, images := range prewarmed {
		n := m.node(node)
		for _, image := range images {
			n.availableAt[image] = time.Time{}
		}
	}
	return m
}

func (m *ImagePullModel) node(name string) *nodeImages {
	n := m.nodes[name]
	if n == nil {
		n = &nodeImages{availableAt: map[string]time.Time{}}
		m.nodes[name] = n
	}
	return n
}

// Pull is a pod on node asking at now for images (duplicates allowed):
// images already on the node or being pulled cost nothing more, the others
// are queued behind the node's running pulls. Asking again for the same
// images returns the same ReadyAt, so a caller may ask on every look at
// the pod; once ReadyAt has passed the plan has no pulls left.
func (m *ImagePullModel) Pull(node string, images []string, now time.Time) PullPlan {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.node(node)
	plan := PullPlan{ReadyAt: now}
	seen := map[string]bool{}
	for _, image := range images {
		if seen[image] {
			continue
		}
		seen[image] = true
		at, known := n.availableAt[image]
		if !known {
			at = m.startPull(n, image, now)
		}
		if at.After(plan.ReadyAt) {
			plan.ReadyAt = at
		}
		if at.After(now) {
			plan.Pulls = append(plan.Pulls, ModelledPull{Image: image, Start: at.Add(-m.pulls[image].ColdPull), End: at})
		}
	}
	slices.SortFunc(plan.Pulls, func(a, b ModelledPull) int { return a.End.Compare(b.End) })
	return plan
}

// startPull queues a pull of image on n and returns when it ends; an image
// the model does not list (or with no cold-pull time) is there at once.
func (m *ImagePullModel) startPull(n *nodeImages, image string, now time.Time) time.Time {
	cold := m.pulls[image].ColdPull
	if cold <= 0 {
		n.availableAt[image] = now
		return now
	}
	start := now
	if n.queueFreeAt.After(start) {
		start = n.queueFreeAt
	}
	end := start.Add(cold)
	n.availableAt[image], n.queueFreeAt = end, end
	return end
}

// NodeImage is an image on a node, as node.status.images reports it.
type NodeImage struct {
	Name      string
	SizeBytes int64
}

// Images lists the images on node at now (pulls finished by then), sorted
// by name: what the node's kubelet would report in node.status.images.
func (m *ImagePullModel) Images(node string, now time.Time) []NodeImage {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []NodeImage
	if n := m.nodes[node]; n != nil {
		for image, at := range n.availableAt {
			if !at.After(now) {
				out = append(out, NodeImage{Name: image, SizeBytes: m.pulls[image].SizeBytes})
			}
		}
	}
	slices.SortFunc(out, func(a, b NodeImage) int { return strings.Compare(a.Name, b.Name) })
	return out
}
