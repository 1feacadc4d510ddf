/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"flag"
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Client-side rate limits of the operator's API clients: KubeRay's values.
// Creating a cluster costs about ten requests, so 100 a second lets a burst
// of creations go as fast as the API server answers, while a runaway loop
// still cannot flood it (the server's priority and fairness is the other
// guard).
const (
	DefaultKubeAPIQPS   = 100
	DefaultKubeAPIBurst = 200
)

// ClientLimits are the client-side rate limits of every client the operator
// makes: the manager's (its cache, client and event recorder) and Helm's.
// client-go gives each client (and controller-runtime each resource kind)
// a token bucket of its own with these values. Head remediation gets one
// more bucket of the same size that nothing else draws from.
type ClientLimits struct {
	// QPS is the sustained requests a second; negative: no client-side
	// limit (the API server's priority and fairness alone). Zero: the
	// default.
	QPS float32
	// Burst is how many requests may go at once above QPS. Zero: the
	// default.
	Burst int
}

// DefaultClientLimits are KubeRay's limits.
func DefaultClientLimits() ClientLimits {
	return ClientLimits{QPS: DefaultKubeAPIQPS, Burst: DefaultKubeAPIBurst}
}

// BindFlags registers --kube-api-qps and --kube-api-burst with l's values
// as defaults.
func (l *ClientLimits) BindFlags(fs *flag.FlagSet) {
	fs.Func("kube-api-qps", fmt.Sprintf("Requests a second each of the operator's API clients may send (default %d; negative: no client-side limit).", DefaultKubeAPIQPS),
		func(v string) error {
			var f float32
			if _, err := fmt.Sscan(v, &f); err != nil {
				return fmt.Errorf("--kube-api-qps %q: %w", v, err)
			}
			l.QPS = f
			return nil
		})
	fs.IntVar(&l.Burst, "kube-api-burst", l.Burst, "Requests each of the operator's API clients may send at once above --kube-api-qps.")
}

// withDefaults fills zero fields.
func (l ClientLimits) withDefaults() ClientLimits {
	if l.QPS == 0 {
		l.QPS = DefaultKubeAPIQPS
	}
	if l.Burst == 0 {
		l.Burst = DefaultKubeAPIBurst
	}
	return l
}

// Validate refuses a burst below one with a positive QPS: client-go's
// token bucket would never let a request through.
func (l ClientLimits) Validate() error {
	l = l.withDefaults()
	if l.QPS > 0 && l.Burst < 1 {
		return fmt.Errorf("--kube-api-burst %d: must be at least 1 with --kube-api-qps %v", l.Burst, l.QPS)
	}
	return nil
}

// apply returns a copy of cfg with the limits: every client built from it
// (the manager's, Helm's) makes its own bucket of this size.
func (l ClientLimits) apply(cfg *rest.Config) *rest.Config {
	l = l.withDefaults()
	out := rest.CopyConfig(cfg)
	out.QPS, out.Burst = l.QPS, l.Burst
	out.RateLimiter = nil
	return out
}

// remediationClient is a client of its own, with a bucket of its own, for
// head deletes and force-deletes: they never queue behind the status
// patches and release writes of a burst of creations. It shares the
// manager's scheme and REST mapper; its connection is its own too.
func (l ClientLimits) remediationClient(mgr ctrl.Manager) (client.Client, error) {
	l = l.withDefaults()
	cfg := rest.CopyConfig(mgr.GetConfig())
	cfg.RateLimiter = nil
	if l.QPS > 0 {
		cfg.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(l.QPS, l.Burst)
	}
	c, err := client.New(cfg, client.Options{Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper()})
	if err != nil {
		return nil, fmt.Errorf("creating the head remediation client: %w", err)
	}
	return c, nil
}
