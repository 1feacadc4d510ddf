/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
)

// failoverMode is the recovery mode that needs two operators under leader
// election; it runs after the other modes, without their operator.
const failoverMode = "leader-failover"

// leaseNamespace holds the bench operators' leader election Lease.
const leaseNamespace = "bench-leader-election"

// failoverPair is a leading operator and, while a run needs one, its
// standby, as the shipped Deployment's two replicas are.
type failoverPair struct {
	e       *env
	logDir  string
	started int
	leader  *runningOperator
	standby *runningOperator
	// crashed are the operators stopped as a crash, still to be waited for.
	crashed []*runningOperator
}

// runFailover measures the leader-failover mode: each run loses the head's
// node and the leading operator at the same moment, and the standby, with
// the shipped lease timings, must take over and recover the head.
func runFailover(ctx context.Context, e *env, cfg Config, logDir string) (ModeResult, error) {
	if err := e.namespace(ctx, leaseNamespace); err != nil {
		return ModeResult{}, err
	}
	p := &failoverPair{e: e, logDir: logDir}
	defer p.stop()
	var err error
	if p.leader, err = p.start(ctx); err != nil {
		return ModeResult{}, err
	}
	if err := waitElected(ctx, p.leader, time.Minute); err != nil {
		return ModeResult{}, fmt.Errorf("the first operator: %w", err)
	}
	m := findMode(failoverMode)
	m.inject = p.killLeaderAndHeadNode
	return runMode(ctx, e, cfg, m)
}

// start runs one more leader election candidate, logging to its own file.
func (p *failoverPair) start(ctx context.Context) (*runningOperator, error) {
	p.started++
	le := operator.DefaultLeaderElection()
	le.Enabled, le.Namespace = true, leaseNamespace
	return p.e.startLoggedOperator(ctx, operatorOptions{LeaderElection: &le}, p.logDir, fmt.Sprintf("%s-%d", failoverMode, p.started))
}

// killLeaderAndHeadNode starts a standby (its cache synced) when the last
// run used it up, then crashes the leader and kills the head's node
// together. The standby is the one left to lead.
func (p *failoverPair) killLeaderAndHeadNode(ctx context.Context, r *recoveryRun) error {
	if p.standby == nil {
		var err error
		if p.standby, err = p.start(ctx); err != nil {
			return err
		}
	}
	r.injected = time.Now()
	p.leader.crash()
	err := killHeadNode(ctx, r)
	p.crashed = append(p.crashed, p.leader)
	p.leader, p.standby = p.standby, nil
	return err
}

func (p *failoverPair) stop() {
	for _, op := range append(p.crashed, p.leader, p.standby) {
		if op != nil {
			op.stop()
		}
	}
}

// waitElected waits until op leads.
func waitElected(ctx context.Context, op *runningOperator, timeout time.Duration) error {
	select {
	case <-op.elected:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("not leading within %s", timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}
