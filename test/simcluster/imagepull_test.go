/*
Copyright 2026 The ray-ha-operator Authors.
*/

package simcluster_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// modelledPull is the test image's modelled cold pull: long enough to tell
// from a warm start on a loaded machine, short enough for a test.
const (
	pullImage    = "example.com/ray-big:1"
	modelledPull = 8 * time.Second
)

// TestImagePullModel: with the image-pull model on, the first pod of an
// image on a node becomes Running only after the modelled cold pull, the
// node then lists the image in its status, and a second pod of that image
// on the same node starts at once; a prewarmed node never waits.
func TestImagePullModel(t *testing.T) {
	c := simcluster.StartForTest(t, simcluster.Options{
		Nodes:           2,
		ImagePulls:      map[string]simcluster.ImagePull{pullImage: {ColdPull: modelledPull, SizeBytes: 5 << 30}},
		PrewarmedImages: map[string][]string{"sim-node-2": {pullImage}},
	})
	cl := c.Client()
	ns := createNamespace(t, cl, "image-pull")

	cold := startPod(t, cl, ns, "cold", "sim-node-1")
	if cold < modelledPull || cold > modelledPull+20*time.Second {
		t.Errorf("first pod on a cold node Running after %s, want the modelled cold pull %s and little more", cold, modelledPull)
	}
	if got := podAnnotation(t, cl, ns, "cold"); got != "modelled cold pull 8s: "+pullImage {
		t.Errorf("cold pod's %s = %q", simcluster.ImagesPulledAnnotation, got)
	}
	harness.Eventually(t, 10*time.Second, "sim-node-1 reports the image", func(ctx context.Context) (bool, string, error) {
		images := nodeImages(ctx, t, cl, "sim-node-1")
		return slices.Contains(images, pullImage), fmt.Sprintf("images %v", images), nil
	})
	for name, node := range map[string]string{"warm": "sim-node-1", "prewarmed": "sim-node-2"} {
		if took := startPod(t, cl, ns, name, node); took > modelledPull/2 {
			t.Errorf("pod %s on %s (image there) Running after %s, want well under the modelled pull %s", name, node, took, modelledPull)
		}
		if got := podAnnotation(t, cl, ns, name); got != "images on the node" {
			t.Errorf("%s pod's %s = %q", name, simcluster.ImagesPulledAnnotation, got)
		}
	}
}

// startPod creates a pod of the test image on node and returns how long
// it took to be Running and Ready.
func startPod(t *testing.T, cl client.Client, ns, name, node string) time.Duration {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.PodSpec{
		NodeSelector:                  map[string]string{corev1.LabelHostname: node},
		TerminationGracePeriodSeconds: ptr.To[int64](0),
		Containers:                    []corev1.Container{{Name: "main", Image: pullImage}},
	}}
	began := time.Now()
	if err := cl.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, modelledPull+60*time.Second, "pod "+name+" Running on "+node, func(ctx context.Context) (bool, string, error) {
		if err := cl.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return false, "", err
		}
		return podRunningReady(p), describePods([]corev1.Pod{*p}), nil
	})
	took := time.Since(began)
	t.Logf("pod %s on %s Running after %s", name, node, took.Round(10*time.Millisecond))
	return took
}

func podAnnotation(t *testing.T, cl client.Client, ns, name string) string {
	t.Helper()
	p := &corev1.Pod{}
	if err := cl.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, p); err != nil {
		t.Fatal(err)
	}
	return p.Annotations[simcluster.ImagesPulledAnnotation]
}

func nodeImages(ctx context.Context, t *testing.T, cl client.Client, name string) []string {
	t.Helper()
	n := &corev1.Node{}
	if err := cl.Get(ctx, client.ObjectKey{Name: name}, n); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, im := range n.Status.Images {
		out = append(out, im.Names...)
	}
	return out
}
