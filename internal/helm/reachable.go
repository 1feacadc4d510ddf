package helm

import (
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/kube"
)

// reachableTTL is how long a successful reachability check stands for all
// of the operator's Helm actions.
const reachableTTL = 30 * time.Second

// reachableKube is Helm's kube client whose IsReachable (a GET /version
// before every install, upgrade, dry-run and uninstall) is answered from a
// recent success. The check only makes an action fail early with "cluster
// unreachable"; each action's own requests fail just as well, so one GET a
// reconcile is a request per cluster in a burst of creations, and the
// only request of a full check, for nothing. Every method but IsReachable
// is the embedded client's, so Helm's checks for its optional interfaces
// (InterfaceExt, InterfaceThreeWayMerge...) still find them.
type reachableKube struct {
	*kube.Client
	reach *reachability
}

// IsReachable asks the API server at most once per reachableTTL.
func (k reachableKube) IsReachable() error {
	return k.reach.check(k.Client.IsReachable)
}

// reachability remembers the last successful check; a failed one is not
// remembered, so the next action asks again.
type reachability struct {
	ttl time.Duration
	now func() time.Time

	mu   sync.Mutex
	last time.Time
}

func (r *reachability) check(probe func() error) error {
	r.mu.Lock()
	fresh := !r.last.IsZero() && r.now().Sub(r.last) < r.ttl
	r.mu.Unlock()
	if fresh {
		return nil
	}
	if err := probe(); err != nil {
		return err
	}
	r.mu.Lock()
	r.last = r.now()
	r.mu.Unlock()
	return nil
}
