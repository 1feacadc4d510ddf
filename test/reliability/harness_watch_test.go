package reliability

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
)

// procHeadWatcher checks, at a fixed interval for as long as it runs, the
// invariant an HA operator must never break: at most one head pod per Ray
// cluster on healthy nodes. A head left on a lost node does not count
// (nobody can reach it, and Kubernetes cannot remove it), which is exactly
// the case the operator force-deletes.
type procHeadWatcher struct {
	cl       client.Client
	interval time.Duration

	mu         sync.Mutex
	checks     int
	errors     int
	violations []string

	cancel context.CancelFunc
	done   chan struct{}
}

// procWatchHeads starts a watcher that checks every interval.
func procWatchHeads(cl client.Client, interval time.Duration) *procHeadWatcher {
	ctx, cancel := context.WithCancel(context.Background())
	w := &procHeadWatcher{cl: cl, interval: interval, cancel: cancel, done: make(chan struct{})}
	go w.run(ctx)
	return w
}

func (w *procHeadWatcher) run(ctx context.Context) {
	defer close(w.done)
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	for {
		w.checkOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (w *procHeadWatcher) checkOnce(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	found, err := procHeadsOnHealthyNodes(ctx, w.cl)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		// The API server may be down on purpose; a check that cannot
		// see is counted, not passed.
		w.errors++
		return
	}
	w.checks++
	for cluster, pods := range found {
		if len(pods) > 1 {
			w.violations = append(w.violations, fmt.Sprintf("%s %s: %d heads on healthy nodes: %s",
				time.Now().Format("15:04:05.000"), cluster, len(pods), strings.Join(pods, ", ")))
		}
	}
}

// procHeadsOnHealthyNodes maps namespace/cluster to its head pods that
// are not finished and are unscheduled or on a Ready node.
func procHeadsOnHealthyNodes(ctx context.Context, cl client.Client) (map[string][]string, error) {
	var nodes corev1.NodeList
	if err := cl.List(ctx, &nodes); err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	ready := map[string]bool{}
	for _, n := range nodes.Items {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				ready[n.Name] = true
			}
		}
	}
	var pods corev1.PodList
	if err := cl.List(ctx, &pods, client.MatchingLabels{raycluster.LabelNodeType: raycluster.NodeTypeHead}); err != nil {
		return nil, fmt.Errorf("listing head pods: %w", err)
	}
	found := map[string][]string{}
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		if p.Spec.NodeName != "" && !ready[p.Spec.NodeName] {
			continue
		}
		key := p.Namespace + "/" + p.Labels[raycluster.LabelCluster]
		found[key] = append(found[key], fmt.Sprintf("%s(%s on %q)", p.Name, p.UID, p.Spec.NodeName))
	}
	return found, nil
}

// stop ends the watcher and returns how many checks saw the cluster, how
// many could not (API down), and every violation, sorted.
func (w *procHeadWatcher) stop() (checks, blind int, violations []string) {
	w.cancel()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	out := append([]string(nil), w.violations...)
	sort.Strings(out)
	return w.checks, w.errors, out
}
