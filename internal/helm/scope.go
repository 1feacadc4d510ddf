package helm

import (
	"time"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// scope holds what one reconcile learned and the working copy whose status
// is patched at the end.
type scope struct {
	obj  *unstructured.Unstructured // working copy; its status is patched
	orig *unstructured.Unstructured // as read, for the merge patch

	last       *release.Release // last revision as read from the cache
	values     map[string]any   // user values passed to Helm
	render     chartutil.Values // values the templates see (for hooks)
	hash       string
	requeue    time.Duration
	urgent     bool   // a hook marked its result Urgent
	recovered  string // note of a stuck revision recovered in this reconcile
	succeeded  bool   // observedGeneration may advance
	condErrors []error
	// observation is the Observer's value, handed to every hook.
	observation any
}

func newScope(obj *unstructured.Unstructured) *scope {
	return &scope{obj: obj, orig: obj.DeepCopy()}
}

// cond sets a condition on the working copy. A malformed status.conditions
// (written by something else) is remembered and reported, not fatal.
func (s *scope) cond(typ string, status metav1.ConditionStatus, reason, message string) {
	if err := setCondition(s.obj, typ, status, reason, message); err != nil {
		s.condErrors = append(s.condErrors, err)
	}
}

func (s *scope) request(rel *release.Release) *Request {
	return &Request{Object: s.obj, Values: s.render, Release: rel, Observation: s.observation}
}
