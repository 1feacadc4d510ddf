/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
)

// HeadWatch follows a RayCluster's head pods (labels ray.io/cluster and
// ray.io/node-type=head, whoever made them) through a watch, event by
// event, so that two heads alive at once are seen even when the overlap is
// shorter than any poll. A pod counts from its creation until it is gone
// from the API server: a terminating pod still runs its Ray processes.
type HeadWatch struct {
	mu   sync.Mutex
	live map[string]bool
	// since the last Reset:
	min, max int
	overlaps []string
}

// WatchHeads watches the head pods of cluster in ns until the test ends;
// it returns once the watch has listed what exists.
func WatchHeads(t testing.TB, cfg *rest.Config, ns, cluster string) *HeadWatch {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	selector := labels.SelectorFromSet(labels.Set{"ray.io/cluster": cluster, "ray.io/node-type": "head"}).String()
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = selector }))
	inf := factory.Core().V1().Pods().Informer()
	w := &HeadWatch{live: map[string]bool{}}
	w.Reset()
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { w.observe(obj, true) },
		UpdateFunc: func(_, obj any) { w.observe(obj, true) },
		DeleteFunc: func(obj any) { w.observe(obj, false) },
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); factory.Shutdown() })
	factory.Start(ctx.Done())
	if !toolscache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("the head pod watch did not sync")
	}
	return w
}

func (w *HeadWatch) observe(obj any, exists bool) {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if exists {
		w.live[pod.Name] = true
	} else {
		delete(w.live, pod.Name)
	}
	w.record()
}

// record notes the current count; the caller holds mu.
func (w *HeadWatch) record() {
	n := len(w.live)
	w.min, w.max = min(w.min, n), max(w.max, n)
	if n > 1 {
		w.overlaps = append(w.overlaps, fmt.Sprintf("%s: %s", time.Now().Format(time.StampMilli), strings.Join(w.names(), ", ")))
	}
}

func (w *HeadWatch) names() []string {
	var out []string
	for name := range w.live {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Reset starts a new observation period from the heads alive now.
func (w *HeadWatch) Reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.min, w.max, w.overlaps = len(w.live), len(w.live), nil
}

// Live names the head pods that exist now, sorted.
func (w *HeadWatch) Live() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.names()
}

// Range is the fewest and the most head pods alive at once since the last
// Reset, and each moment more than one was (when, and which pods).
func (w *HeadWatch) Range() (fewest, most int, overlaps []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.min, w.max, slices.Clone(w.overlaps)
}
