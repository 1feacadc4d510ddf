/*
Copyright 2026 The ray-ha-operator Authors.
*/

package reliability

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// redisProxy forwards TCP connections to a Redis. It counts the
// connections the operator opens (one per probe or clean-up attempt, so a
// hot loop shows up as a climbing count) and can delay every reply from
// Redis, as an overloaded server or a congested network would.
type redisProxy struct {
	ln       net.Listener
	upstream string
	delay    atomic.Int64 // time.Duration
	conns    atomic.Int64

	mu     sync.Mutex
	open   map[net.Conn]struct{}
	closed bool
}

// redisStartProxy listens on a free loopback port and forwards to upstream
// until the test ends. The upstream need not be running: a connection to a
// stopped Redis is accepted and closed at once, as a dead backend behind a
// load balancer is.
func redisStartProxy(t *testing.T, upstream string) *redisProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy for %s: %v", upstream, err)
	}
	p := &redisProxy{ln: ln, upstream: upstream, open: map[net.Conn]struct{}{}}
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// Addr is the proxy's host:port, the address RayClusters are given.
func (p *redisProxy) Addr() string { return p.ln.Addr().String() }

// SetDelay delays each reply from Redis by d (0: none).
func (p *redisProxy) SetDelay(d time.Duration) { p.delay.Store(int64(d)) }

// Connections is the number of connections accepted so far.
func (p *redisProxy) Connections() int64 { return p.conns.Load() }

func (p *redisProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.conns.Add(1)
		go p.forward(c)
	}
}

// forward copies one client connection to and from a fresh upstream one.
func (p *redisProxy) forward(client net.Conn) {
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	up, err := net.DialTimeout("tcp", p.upstream, time.Second)
	if err != nil {
		return
	}
	if !p.track(up) {
		return
	}
	defer p.untrack(up)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, client); done <- struct{}{} }()
	go func() { p.copyDelayed(client, up); done <- struct{}{} }()
	<-done
}

// copyDelayed copies Redis's replies to the client, holding each read back
// by the current delay.
func (p *redisProxy) copyDelayed(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if d := time.Duration(p.delay.Load()); d > 0 {
				time.Sleep(d)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *redisProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = c.Close()
		return false
	}
	p.open[c] = struct{}{}
	return true
}

func (p *redisProxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = c.Close()
	delete(p.open, c)
}

func (p *redisProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for c := range p.open {
		_ = c.Close()
	}
}

// redisCounters count, per RayCluster UID, the reconciles that ran the
// pre-reconcile hooks and the clean-up hook's polls during uninstall: the
// measure of "no hot loop".
type redisCounters struct {
	reconciles sync.Map // types.UID -> *atomic.Int64
	polls      sync.Map // types.UID -> *atomic.Int64
}

func redisBump(m *sync.Map, uid types.UID) {
	n, _ := m.LoadOrStore(uid, &atomic.Int64{})
	n.(*atomic.Int64).Add(1)
}

func redisLoad(m *sync.Map, uid types.UID) int64 {
	n, ok := m.Load(uid)
	if !ok {
		return 0
	}
	return n.(*atomic.Int64).Load()
}

// Reconciles is the number of reconciles of the cluster so far.
func (c *redisCounters) Reconciles(uid types.UID) int64 { return redisLoad(&c.reconciles, uid) }

// Polls is the number of clean-up hook polls of the cluster so far.
func (c *redisCounters) Polls(uid types.UID) int64 { return redisLoad(&c.polls, uid) }

// Tune wraps the first pre-reconcile hook (it runs once per reconcile) and
// every uninstall hook with counters; pass it as simenv.Options.Tune.
func (c *redisCounters) Tune(o *helm.Options) {
	if len(o.PreHooks) > 0 {
		o.PreHooks[0] = redisCountingPre{PreReconcileHook: o.PreHooks[0], c: c}
	}
	for i, h := range o.UninstallHooks {
		o.UninstallHooks[i] = redisCountingUninstall{UninstallHook: h, c: c}
	}
}

type redisCountingPre struct {
	helm.PreReconcileHook
	c *redisCounters
}

func (h redisCountingPre) PreReconcile(ctx context.Context, req *helm.Request) (helm.Result, error) {
	redisBump(&h.c.reconciles, req.Object.GetUID())
	return h.PreReconcileHook.PreReconcile(ctx, req)
}

type redisCountingUninstall struct {
	helm.UninstallHook
	c *redisCounters
}

func (h redisCountingUninstall) AfterUninstall(ctx context.Context, req *helm.Request) (bool, time.Duration, error) {
	redisBump(&h.c.polls, req.Object.GetUID())
	return h.UninstallHook.AfterUninstall(ctx, req)
}
