package prockubelet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/ray-ha-operator/ray-ha-operator/test/ray"
)

// Kubelet is one running process-kubelet node.
type Kubelet struct {
	cfg    Config
	cs     kubernetes.Interface
	marker string // prefix of every process marker of this kubelet

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// killed stops every API write at once; gate lets Kill wait for the
	// writes already under way (they hold it shared).
	killed atomic.Bool
	gate   sync.RWMutex

	seq     atomic.Int32
	mu      sync.Mutex
	workers map[types.UID]*podWorker
	procs   []*ray.PodProcess
}

// errKilled is returned by writes after Kill.
var errKilled = errors.New("node killed")

// Start creates the Node, starts its heartbeats and serves the pods bound to
// it until Kill or until ctx ends. It returns once the Node is Ready.
func Start(ctx context.Context, cfg Config) (*Kubelet, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(cfg.RESTConfig)
	if err != nil {
		return nil, fmt.Errorf("prockubelet %s: building client: %w", cfg.NodeName, err)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("prockubelet %s: %w", cfg.NodeName, err)
	}
	k := &Kubelet{cfg: cfg, cs: cs, workers: map[types.UID]*podWorker{},
		marker: fmt.Sprintf("pk-%d-%s/", os.Getpid(), cfg.NodeName)}
	k.ctx, k.cancel = context.WithCancel(context.Background())
	if err := k.registerNode(ctx); err != nil {
		k.cancel()
		return nil, err
	}
	k.goRun(k.heartbeat)
	if err := k.watchPods(); err != nil {
		_ = k.Kill()
		return nil, err
	}
	cfg.Log("prockubelet: node %s up (IP %s)", cfg.NodeName, NodeIP(cfg.NodeName))
	return k, nil
}

// NodeName is the node this kubelet serves.
func (k *Kubelet) NodeName() string { return k.cfg.NodeName }

func (k *Kubelet) goRun(f func()) {
	k.wg.Add(1)
	go func() { defer k.wg.Done(); f() }()
}

// write runs one API write unless the node was killed; Kill waits for the
// writes under way.
func (k *Kubelet) write(f func(context.Context) error) error {
	k.gate.RLock()
	defer k.gate.RUnlock()
	if k.killed.Load() {
		return errKilled
	}
	return f(k.ctx)
}

// Kill loses the node: every process the kubelet started is SIGKILLed and no
// heartbeat or status is written any more. It waits until none of the
// processes is left; safe to call more than once (test clean-up does).
func (k *Kubelet) Kill() error {
	first := !k.killed.Swap(true)
	k.mu.Lock()
	procs := append([]*ray.PodProcess(nil), k.procs...)
	k.mu.Unlock()
	for _, p := range procs {
		// Only groups whose leader is not reaped: a reaped one's ID may
		// have been reused. The sweeps below find the rest.
		if p.Running() {
			p.KillGroup()
		}
	}
	k.cancel()
	// Writes under way hold the gate shared and were just cancelled; once
	// Kill holds it, none can land any more.
	k.gate.Lock()
	if first {
		k.cfg.Log("prockubelet: node %s killed", k.cfg.NodeName)
	}
	k.gate.Unlock()
	err := ray.KillMarked(k.marker, 15*time.Second)
	if err == nil {
		// Ray's agents may overwrite the environment that carries the
		// marker; they keep their logs open under the pods' folders.
		err = ray.KillUnder(k.cfg.Dir, 15*time.Second)
	}
	k.wg.Wait()
	if err != nil {
		return fmt.Errorf("prockubelet %s: %w", k.cfg.NodeName, err)
	}
	return nil
}

// track records a started process for Kill.
func (k *Kubelet) track(p *ray.PodProcess) {
	k.mu.Lock()
	k.procs = append(k.procs, p)
	k.mu.Unlock()
}

// nextMarker is a process marker unique within this kubelet.
func (k *Kubelet) nextMarker() string {
	return fmt.Sprintf("%s%d", k.marker, k.seq.Add(1))
}
