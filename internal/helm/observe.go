package helm

import (
	"context"
	"fmt"
	"time"
)

// Observer gathers, once per reconcile and before any pre-reconcile hook
// runs, what the kind's hooks need to know about the cluster (for
// RayCluster: its pods, the head's node, the worker ReplicaSets). The
// reconciler hands the value to every hook in Request.Observation and never
// looks inside it: what it holds is the kind's business.
//
// Hooks may add to the value what they learn or do in the same reconcile
// (a probe's verdict, a delete that failed), so that a later hook gets it
// handed over instead of reading back what an earlier one wrote to status.
type Observer interface {
	Observe(ctx context.Context, req *Request) (any, error)
}

// StatusProjector turns the reconcile's observation into the kind's status.
// It runs at the end of every reconcile of a live resource whatever its
// outcome: after a successful apply, and equally when a hook stopped the
// apply (an invalid spec), a pending release is waited on, Helm failed or
// the inputs are held back after a failure a retry cannot fix. So the
// status tells what runs even while nothing can be applied. It writes into
// Request.Object's status only; the reconcile's single status patch
// persists it. Only Result.RequeueAfter is read: a projector may ask to
// look again when what it reports can change without any watched object
// changing (a pod refused by admission never exists).
type StatusProjector interface {
	ProjectStatus(ctx context.Context, req *Request) (Result, error)
}

// observe runs the Observer (if any) and keeps its value for every hook.
func (r *Reconciler) observe(ctx context.Context, s *scope) error {
	if r.opts.Observer == nil {
		return nil
	}
	obs, err := r.opts.Observer.Observe(ctx, s.request(nil))
	if err != nil {
		return fmt.Errorf("observing %s/%s: %w", s.obj.GetNamespace(), s.obj.GetName(), err)
	}
	s.observation = obs
	return nil
}

// projectStatus runs the status projectors with the reconcile's
// observation and returns the shortest requeue they ask for.
func (r *Reconciler) projectStatus(ctx context.Context, s *scope) (time.Duration, error) {
	req := s.request(s.last)
	var requeue time.Duration
	for i, p := range r.opts.StatusProjectors {
		out, err := p.ProjectStatus(ctx, req)
		if err != nil {
			return 0, fmt.Errorf("status projector %d of %s/%s: %w", i, s.obj.GetNamespace(), s.obj.GetName(), err)
		}
		requeue = shorterRequeue(requeue, out.RequeueAfter)
	}
	return requeue, nil
}
