/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// burstWatch follows the pods, StatefulSets and ReplicaSets of the burst's
// namespace and notes when the bench first sees each (its creation, as
// seen through a watch, the same delay for both operators) and when each
// pod is first Running.
type burstWatch struct {
	// isBurst tells the burst's clusters (by the ray.io/cluster label)
	// from the one created before it.
	isBurst func(cluster string) bool
	want    int // pods of the burst

	mu       sync.Mutex
	pods     map[types.UID]*seenPod
	owners   map[types.UID]seenOwner
	running  int
	allRunAt time.Time
	allRun   chan struct{}
	cancel   func()
	done     sync.WaitGroup
}

type seenPod struct {
	cluster   string
	owner     types.UID // the controller: StatefulSet, ReplicaSet or RayCluster
	seen      time.Time
	runningAt time.Time
}

type seenOwner struct {
	cluster string
	seen    time.Time
}

const rayClusterLabel = "ray.io/cluster"

func startBurstWatch(ctx context.Context, c client.WithWatch, ns string, wantPods int, isBurst func(string) bool) *burstWatch {
	ctx, cancel := context.WithCancel(ctx)
	w := &burstWatch{isBurst: isBurst, want: wantPods, pods: map[types.UID]*seenPod{}, owners: map[types.UID]seenOwner{},
		allRun: make(chan struct{}), cancel: cancel}
	for _, list := range []client.ObjectList{&corev1.PodList{}, &appsv1.StatefulSetList{}, &appsv1.ReplicaSetList{}} {
		w.done.Add(1)
		go func() {
			defer w.done.Done()
			w.follow(ctx, c, ns, list)
		}()
	}
	return w
}

// follow reopens the watch until ctx ends. A watch without a
// resourceVersion starts with every existing object as ADDED, so a
// reopened one misses nothing; objects already seen keep their first time.
func (w *burstWatch) follow(ctx context.Context, c client.WithWatch, ns string, list client.ObjectList) {
	for ctx.Err() == nil {
		wi, err := c.Watch(ctx, list, client.InNamespace(ns))
		if err != nil {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		for ev := range wi.ResultChan() {
			if ev.Type != watch.Added && ev.Type != watch.Modified {
				continue
			}
			if obj, ok := ev.Object.(client.Object); ok {
				w.observe(obj, time.Now())
			}
		}
		wi.Stop()
	}
}

func (w *burstWatch) observe(obj client.Object, now time.Time) {
	cluster := obj.GetLabels()[rayClusterLabel]
	if !w.isBurst(cluster) {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	pod, isPod := obj.(*corev1.Pod)
	if !isPod {
		if _, ok := w.owners[obj.GetUID()]; !ok {
			w.owners[obj.GetUID()] = seenOwner{cluster: cluster, seen: now}
		}
		return
	}
	p := w.pods[pod.UID]
	if p == nil {
		p = &seenPod{cluster: cluster, seen: now}
		if ref := metav1.GetControllerOf(pod); ref != nil {
			p.owner = ref.UID
		}
		w.pods[pod.UID] = p
	}
	if p.runningAt.IsZero() && pod.Status.Phase == corev1.PodRunning {
		p.runningAt = now
		w.running++
		if w.running == w.want {
			w.allRunAt = now
			close(w.allRun)
		}
	}
}

// stop ends the watches.
func (w *burstWatch) stop() {
	w.cancel()
	w.done.Wait()
}

// podDelays are, per burst pod, the time from its cluster's creation to
// the pod's; and, where the pod's controller is a StatefulSet or
// ReplicaSet, from the cluster's creation to that object's and from that
// object's to the pod's (kube-controller-manager's share).
type podDelays struct {
	clusterToPod, clusterToOwner, ownerToPod []time.Duration
}

func (w *burstWatch) delays(created map[string]time.Time) podDelays {
	w.mu.Lock()
	defer w.mu.Unlock()
	var d podDelays
	for _, p := range w.pods {
		at, ok := created[p.cluster]
		if !ok {
			continue
		}
		d.clusterToPod = append(d.clusterToPod, p.seen.Sub(at))
		if o, ok := w.owners[p.owner]; ok {
			d.ownerToPod = append(d.ownerToPod, p.seen.Sub(o.seen))
		}
	}
	for _, o := range w.owners {
		if at, ok := created[o.cluster]; ok {
			d.clusterToOwner = append(d.clusterToOwner, o.seen.Sub(at))
		}
	}
	return d
}

// burstCluster names the burst's clusters; the one made before the burst
// (recoveryCluster) is not among them.
func burstCluster(i int) string { return fmt.Sprintf("rc-%04d", i) }

func isBurstCluster(name string) bool { return strings.HasPrefix(name, "rc-") }

const recoveryCluster = "before-burst"
