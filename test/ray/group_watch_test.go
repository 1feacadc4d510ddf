package ray_test

import (
	"context"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// groupWatch follows a RayCluster's first worker group as Ray's autoscaler
// drives it: every change of its replicas (what the autoscaler patched) and
// every worker pod, polled every 100 ms, so that a test can say exactly
// which pods came and went and that the group never left its bounds.
type groupWatch struct {
	mu      sync.Mutex
	samples []replicaSample
	pods    map[types.UID]*workerRec
	// bounds since the last resetBounds: replicas and bound pods not
	// terminating.
	minReplicas, maxReplicas int32
	maxLive                  int
}

type replicaSample struct {
	at       time.Time
	replicas int32
	toDelete []string
}

// workerRec is one worker pod as the watch saw it.
type workerRec struct {
	uid         types.UID
	name, ip    string
	seen, gone  time.Time
	terminating bool
	// bound: scheduled to a node. Pods the ReplicaSet makes while the
	// operator's scale-down gate is on never are, and are deleted unrun.
	bound bool
}

func watchGroup(ctx context.Context, cl client.Client, ns, name string) *groupWatch {
	g := &groupWatch{pods: map[types.UID]*workerRec{}}
	g.resetBounds()
	go func() {
		for ctx.Err() == nil {
			g.poll(ctx, cl, ns, name)
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return g
}

func (g *groupWatch) poll(ctx context.Context, cl client.Client, ns, name string) {
	var rc rayv1.RayCluster
	var pods corev1.PodList
	if cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &rc) != nil || len(rc.Spec.WorkerGroupSpecs) == 0 ||
		cl.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{raycluster.LabelCluster: name, raycluster.LabelNodeType: raycluster.NodeTypeWork}) != nil {
		return
	}
	now := time.Now()
	grp := rc.Spec.WorkerGroupSpecs[0]
	n := ptr.Deref(grp.Replicas, 0)
	var toDelete []string
	if grp.ScaleStrategy != nil {
		toDelete = grp.ScaleStrategy.WorkersToDelete
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.samples) == 0 || g.samples[len(g.samples)-1].replicas != n || !slices.Equal(g.samples[len(g.samples)-1].toDelete, toDelete) {
		g.samples = append(g.samples, replicaSample{at: now, replicas: n, toDelete: toDelete})
	}
	g.minReplicas, g.maxReplicas = min(g.minReplicas, n), max(g.maxReplicas, n)
	present := map[types.UID]bool{}
	live := 0
	for _, p := range pods.Items {
		present[p.UID] = true
		r := g.pods[p.UID]
		if r == nil {
			r = &workerRec{uid: p.UID, name: p.Name, seen: now}
			g.pods[p.UID] = r
		}
		if p.Status.PodIP != "" {
			r.ip = p.Status.PodIP
		}
		r.terminating = p.DeletionTimestamp != nil
		r.bound = p.Spec.NodeName != ""
		if !r.terminating && r.bound {
			live++
		}
	}
	for uid, r := range g.pods {
		if !present[uid] && r.gone.IsZero() {
			r.gone = now
		}
	}
	g.maxLive = max(g.maxLive, live)
}

// resetBounds starts a new window for the bounds.
func (g *groupWatch) resetBounds() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.minReplicas, g.maxReplicas, g.maxLive = 1<<30, -1, 0
	if len(g.samples) > 0 {
		last := g.samples[len(g.samples)-1].replicas
		g.minReplicas, g.maxReplicas = last, last
	}
}

// bounds are the least and most replicas and the most worker pods not
// terminating seen since resetBounds.
func (g *groupWatch) bounds() (minReplicas, maxReplicas int32, maxLive int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.minReplicas, g.maxReplicas, g.maxLive
}

// replicas is the group's replicas as last seen.
func (g *groupWatch) replicas() int32 {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.samples) == 0 {
		return -1
	}
	return g.samples[len(g.samples)-1].replicas
}

// changedTo is when the replicas first became n after from (zero if not).
func (g *groupWatch) changedTo(n int32, from time.Time) time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, s := range g.samples {
		if s.replicas == n && !s.at.Before(from) {
			return s.at
		}
	}
	return time.Time{}
}

// namedForDeletion is every pod name a workersToDelete list held after from.
func (g *groupWatch) namedForDeletion(from time.Time) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, s := range g.samples {
		if s.at.Before(from) {
			continue
		}
		for _, n := range s.toDelete {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out
}

// live is the worker pods that exist and are not terminating.
func (g *groupWatch) live() []workerRec {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []workerRec
	for _, r := range g.pods {
		if r.gone.IsZero() && !r.terminating && r.bound {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b workerRec) int { return a.seen.Compare(b.seen) })
	return out
}

// present counts the bound worker pods that exist, terminating or not.
func (g *groupWatch) present() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, r := range g.pods {
		if r.gone.IsZero() && r.bound {
			n++
		}
	}
	return n
}

// all is every worker pod seen, oldest first.
func (g *groupWatch) all() []workerRec {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []workerRec
	for _, r := range g.pods {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b workerRec) int { return a.seen.Compare(b.seen) })
	return out
}
