package simcluster

import (
	"context"
	"fmt"
	"time"
)

// pollInterval is short because start-up time is what tests pay for.
const pollInterval = 100 * time.Millisecond

// waitFor polls cond until it holds, the timeout passes, the context ends,
// or the component it depends on exits (then the error carries its log).
func waitFor(ctx context.Context, what string, timeout time.Duration, p *process, cond func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		ok, err := cond(ctx)
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		if p != nil && p.exited() {
			return fmt.Errorf("waiting for %s: %w", what, p.exitError())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-ticker.C:
		}
	}
}
