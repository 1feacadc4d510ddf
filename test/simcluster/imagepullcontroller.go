/*
Copyright 2026 The ray-ha-operator Authors.
*/

package simcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// The image-pull model on kwok's nodes (Options.ImagePulls). kwok starts a
// bound pod at once; with the model on, its pod-ready stage also requires
// ImagesPulledAnnotation on the pod, and the image-pull controller below
// sets it when the modelled pulls of the pod's images onto its node are
// done (imagepull.go), as a kubelet starts containers only once their
// images are there. It also reports each node's modelled images in
// node.status.images, as a kubelet does. Every time it gives is a model,
// not a measurement.
const (
	// ImagesPulledAnnotation is set on a pod when the model has its images
	// on its node; its value says what the pod waited for, e.g. "modelled
	// cold pull 1m0s: rayproject/ray:2.52.0" or "images on the node".
	ImagesPulledAnnotation = "simcluster.ray-ha-operator.io/images-pulled"
	// imagePullPoll is how often the controller looks at pods: a pod starts
	// up to this much after its modelled pulls end.
	imagePullPoll = 100 * time.Millisecond
	// kwokPodReadyStage is the name of kwok's stage that makes a pod Running.
	kwokPodReadyStage = "pod-ready"
	// warmImages is the annotation's value for a pod that waited for no pull.
	warmImages = "images on the node"
)

// imagePullModelOn: the model runs when any image has a cold-pull time.
func (o Options) imagePullModelOn() bool { return len(o.ImagePulls) > 0 }

// imagePullStages replaces kwok's pod-ready stage in files by a copy that
// also requires ImagesPulledAnnotation, written into dir.
func imagePullStages(files []string, dir string) ([]string, error) {
	out := slices.Clone(files)
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading kwok stage %s: %w", f, err)
		}
		gated, isReady, err := gatePodReadyStage(raw)
		if err != nil {
			return nil, fmt.Errorf("kwok stage %s: %w", f, err)
		}
		if !isReady {
			continue
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("creating %s: %w", dir, err)
		}
		out[i] = filepath.Join(dir, "pod-ready-after-image-pull.yaml")
		if err := os.WriteFile(out[i], gated, 0o600); err != nil {
			return nil, fmt.Errorf("writing the image-pull stage: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("no kwok stage named %q among %v to gate on image pulls", kwokPodReadyStage, files)
}

// gatePodReadyStage adds "ImagesPulledAnnotation exists" to the selector of
// a stage named pod-ready; isReady is false (and raw unchanged) for other
// stages.
func gatePodReadyStage(raw []byte) (gated []byte, isReady bool, err error) {
	var stage map[string]any
	if err := yaml.Unmarshal(raw, &stage); err != nil {
		return nil, false, fmt.Errorf("parsing: %w", err)
	}
	meta, _ := stage["metadata"].(map[string]any)
	if meta == nil || meta["name"] != kwokPodReadyStage {
		return raw, false, nil
	}
	spec, _ := stage["spec"].(map[string]any)
	selector, _ := spec["selector"].(map[string]any)
	if selector == nil {
		return nil, false, fmt.Errorf("stage %s has no spec.selector", kwokPodReadyStage)
	}
	exprs, _ := selector["matchExpressions"].([]any)
	selector["matchExpressions"] = append(exprs, map[string]any{
		"key":      fmt.Sprintf(".metadata.annotations[%q]", ImagesPulledAnnotation),
		"operator": "Exists",
	})
	gated, err = yaml.Marshal(stage)
	return gated, true, err
}

// imagePuller is the controller that plays the kubelets' image pulls.
type imagePuller struct {
	c     *Cluster
	model *ImagePullModel
	// waits are the first plan seen for each waiting pod (by UID), for
	// the annotation's text.
	waits map[types.UID]PullPlan
	// reported are the images last written to each node's status.
	reported map[string][]NodeImage
}

// startImagePullModel runs the image-pull controller until Stop, when the
// model is on.
func (c *Cluster) startImagePullModel(context.Context) error {
	if !c.opts.imagePullModelOn() {
		return nil
	}
	p := &imagePuller{c: c, model: NewImagePullModel(c.opts.ImagePulls, c.opts.PrewarmedImages),
		waits: map[types.UID]PullPlan{}, reported: map[string][]NodeImage{}}
	go p.run()
	return nil
}

func (p *imagePuller) run() {
	ticker := time.NewTicker(imagePullPoll)
	defer ticker.Stop()
	for {
		select {
		case <-p.c.stopping:
			return
		case <-ticker.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := p.sync(ctx, time.Now()); err != nil {
			p.c.logUnlessStopping("simcluster: image-pull model: %v", err)
		}
		cancel()
	}
}

// sync starts the pods whose modelled pulls are done and reports the
// nodes' images.
func (p *imagePuller) sync(ctx context.Context, now time.Time) error {
	var pods corev1.PodList
	if err := p.c.client.List(ctx, &pods); err != nil {
		return fmt.Errorf("listing pods: %w", err)
	}
	listed := map[types.UID]bool{}
	for i := range pods.Items {
		listed[pods.Items[i].UID] = true
		if err := p.syncPod(ctx, &pods.Items[i], now); err != nil {
			return err
		}
	}
	for uid := range p.waits {
		if !listed[uid] {
			delete(p.waits, uid) // deleted while it waited
		}
	}
	for _, node := range p.c.liveNodeNames() {
		if err := p.syncNodeImages(ctx, node, now); err != nil {
			return err
		}
	}
	return nil
}

// waitsForImages: a pod bound to a node, not started, not yet released by
// the model, and one kwok plays.
func waitsForImages(pod *corev1.Pod) bool {
	_, released := pod.Annotations[ImagesPulledAnnotation]
	return pod.Spec.NodeName != "" && pod.DeletionTimestamp == nil && pod.Status.Phase == corev1.PodPending &&
		!released && pod.Annotations[DisregardStatusAnnotation] != "true"
}

func podImages(pod *corev1.Pod) []string {
	var images []string
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			images = append(images, c.Image)
		}
	}
	return images
}

func (p *imagePuller) syncPod(ctx context.Context, pod *corev1.Pod, now time.Time) error {
	if !waitsForImages(pod) {
		delete(p.waits, pod.UID)
		return nil
	}
	plan := p.model.Pull(pod.Spec.NodeName, podImages(pod), now)
	first, seen := p.waits[pod.UID]
	if !seen {
		first = plan
		p.waits[pod.UID] = plan
		for _, pull := range plan.Pulls {
			p.c.opts.Log("simcluster: image-pull model: pod %s/%s on %s waits for the modelled cold pull of %s (%s, until %s)",
				pod.Namespace, pod.Name, pod.Spec.NodeName, pull.Image, pull.End.Sub(pull.Start), pull.End.Format("15:04:05.000"))
		}
	}
	if plan.ReadyAt.After(now) {
		return nil
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{
		ImagesPulledAnnotation: describeWait(first)}}})
	if err != nil {
		return err
	}
	if err := p.c.client.Patch(ctx, pod, client.RawPatch(types.MergePatchType, patch)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("releasing pod %s/%s after its modelled image pulls: %w", pod.Namespace, pod.Name, err)
	}
	delete(p.waits, pod.UID)
	return nil
}

// describeWait is the annotation's value: what the pod waited for.
func describeWait(plan PullPlan) string {
	if !plan.Cold() {
		return warmImages
	}
	parts := make([]string, 0, len(plan.Pulls))
	for _, pull := range plan.Pulls {
		parts = append(parts, fmt.Sprintf("modelled cold pull %s: %s", pull.End.Sub(pull.Start), pull.Image))
	}
	return strings.Join(parts, "; ")
}

// syncNodeImages writes the node's modelled images into node.status.images
// when they changed since the last report.
func (p *imagePuller) syncNodeImages(ctx context.Context, node string, now time.Time) error {
	images := p.model.Images(node, now)
	if slices.Equal(images, p.reported[node]) {
		return nil
	}
	status := make([]corev1.ContainerImage, 0, len(images))
	for _, im := range images {
		status = append(status, corev1.ContainerImage{Names: []string{im.Name}, SizeBytes: im.SizeBytes})
	}
	patch, err := json.Marshal(map[string]any{"status": map[string]any{"images": status}})
	if err != nil {
		return err
	}
	n := &corev1.Node{}
	n.Name = node
	if err := p.c.client.Status().Patch(ctx, n, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return fmt.Errorf("reporting the modelled images of node %s: %w", node, err)
	}
	p.reported[node] = images
	return nil
}

// liveNodeNames are the nodes whose kwok process runs: a lost node's
// kubelet reports nothing.
func (c *Cluster) liveNodeNames() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var names []string
	for _, n := range c.nodes {
		if n.kwok != nil && !n.kwok.exited() {
			names = append(names, n.name)
		}
	}
	return names
}
