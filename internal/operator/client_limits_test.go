/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"flag"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

func TestClientLimits(t *testing.T) {
	tests := map[string]struct {
		args      []string
		wantQPS   float32
		wantBurst int
		wantErr   bool
	}{
		"KubeRay's defaults":     {wantQPS: 100, wantBurst: 200},
		"set":                    {args: []string{"--kube-api-qps=50", "--kube-api-burst=75"}, wantQPS: 50, wantBurst: 75},
		"no client-side limit":   {args: []string{"--kube-api-qps=-1"}, wantQPS: -1, wantBurst: 200},
		"burst 0 is the default": {args: []string{"--kube-api-burst=0"}, wantQPS: 100, wantBurst: 200},
		"negative burst refused": {args: []string{"--kube-api-burst=-3"}, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			l := DefaultClientLimits()
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			l.BindFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := l.Validate()
			if (err != nil) != tc.wantErr {
				t.Fatalf("Validate = %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			// The manager's config has a shared limiter of its own: it must
			// not survive, or every client would draw from it.
			in := &rest.Config{Host: "https://example", QPS: 5, Burst: 10, RateLimiter: flowcontrol.NewFakeAlwaysRateLimiter()}
			out := l.apply(in)
			if out.QPS != tc.wantQPS || out.Burst != tc.wantBurst || out.RateLimiter != nil {
				t.Errorf("applied QPS %v, burst %d, limiter %v; want %v, %d, none", out.QPS, out.Burst, out.RateLimiter, tc.wantQPS, tc.wantBurst)
			}
			if in.QPS != 5 || in.RateLimiter == nil {
				t.Error("apply changed the caller's config")
			}
		})
	}
}
