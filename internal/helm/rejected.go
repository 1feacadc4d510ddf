package helm

import (
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// DefaultMaxRejectedBackoff caps the wait between two tries of inputs the
// chart or the API server rejected; see Options.MaxRejectedBackoff.
const DefaultMaxRejectedBackoff = 5 * time.Minute

// rejectionMarkers are the texts of failures that the same inputs meet
// again on every try: the chart refuses to render them, or the API server
// refuses the rendered object as invalid (an immutable field changed, a
// value out of range). Helm flattens the errors of an apply into one
// string (kube.Client.Update joins them), so the API server's status
// reason is gone by the time the reconciler sees it: the texts are all
// there is. Anything else (a timeout, a conflict, a quota, a webhook that
// is down, a missing CRD) may pass on the next try and keeps the
// controller's short retry backoff.
var rejectionMarkers = []string{
	"execution error at (", // the chart's fail or required
	"parse error at (",     // a template that does not parse
	"YAML parse error",     // a template that renders invalid YAML
	"error converting YAML to JSON",
	"values don't meet the specifications of the schema", // values.schema.json
	"error validating data",                              // Helm's OpenAPI check of a rendered object
	"field is immutable",                                 // API server, 422
	"Forbidden: updates to statefulset spec",             // API server, 422 (immutable StatefulSet fields)
	"\" is invalid: ",                                    // API server, 422: Kind "name" is invalid: field: reason
}

// isRejection tells a failure a retry cannot fix: only a change of the
// inputs (the resource, the chart, the operator) can.
func isRejection(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	for _, m := range rejectionMarkers {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

// rejection is a failure a retry cannot fix, remembered per resource with
// the inputs that met it.
type rejection struct {
	hash     string    // input hash that was rejected
	attempts int       // tries of these inputs so far
	next     time.Time // not tried again before
}

// rejections hold back the apply of inputs that were rejected, with a wait
// that doubles per try from base up to max. A new input hash (an edited
// resource, a new chart or operator) is tried at once; success forgets.
// Kept in memory: a restarted operator tries once more, and its event is
// still not repeated (see sameFailure).
type rejections struct {
	base, max time.Duration

	mu    sync.Mutex
	byUID map[types.UID]rejection
}

func newRejections(base, max time.Duration) *rejections {
	return &rejections{base: base, max: max, byUID: map[types.UID]rejection{}}
}

// holding returns how long the apply of hash is still held back, and
// whether it is.
func (r *rejections) holding(uid types.UID, hash string, now time.Time) (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rej, ok := r.byUID[uid]
	if !ok || rej.hash != hash || !now.Before(rej.next) {
		return 0, false
	}
	return rej.next.Sub(now), true
}

// record counts one more rejected try of hash and returns the record with
// the time of the next try.
func (r *rejections) record(uid types.UID, hash string, now time.Time) rejection {
	r.mu.Lock()
	defer r.mu.Unlock()
	rej := r.byUID[uid]
	if rej.hash != hash {
		rej = rejection{hash: hash}
	}
	rej.attempts++
	rej.next = now.Add(backoffFor(r.base, r.max, rej.attempts))
	r.byUID[uid] = rej
	return rej
}

// forget drops the record of a resource that reconciled or is gone.
func (r *rejections) forget(uid types.UID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byUID, uid)
}

// backoffFor is base doubled per try after the first, capped at max.
func backoffFor(base, max time.Duration, attempts int) time.Duration {
	d := base
	for i := 1; i < attempts && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// failureKey is what makes two failures the same for reporting: the
// message without the verb of the action that met it, so that an install
// rejected for a reason and the upgrades from its failed revision that meet
// the same reason are one failure.
func failureKey(msg string) string {
	for _, prefix := range []string{"installing release ", "upgrading release ", "rendering a dry-run upgrade of release "} {
		if rest, ok := strings.CutPrefix(msg, prefix); ok {
			if _, cause, found := strings.Cut(rest, ": "); found {
				return cause
			}
		}
	}
	return msg
}
