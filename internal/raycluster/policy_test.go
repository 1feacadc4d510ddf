/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	// The opt-in replacements must stay off by default: they delete pods
	// that Kubernetes is still working on.
	if p.CrashLoopReplaceAfter != 0 || p.NotReadyReplaceAfter != 0 {
		t.Errorf("opt-in bounds on by default: crashloop %s, notready %s", p.CrashLoopReplaceAfter, p.NotReadyReplaceAfter)
	}
	if !p.ReplacementEnabled || p.NodeLostGrace != 30*time.Second || p.StuckTerminatingGrace != 30*time.Second {
		t.Errorf("unexpected defaults: %+v", p)
	}
}

func TestPolicyValidate(t *testing.T) {
	tests := map[string]struct {
		mutate func(*Policy)
		errs   []string // fragments; none means valid
	}{
		"defaults":              {mutate: func(*Policy) {}},
		"opt-ins on":            {mutate: func(p *Policy) { p.CrashLoopReplaceAfter, p.NotReadyReplaceAfter = time.Minute, time.Minute }},
		"zero grace is allowed": {mutate: func(p *Policy) { p.NodeLostGrace = 0 }},
		"negative grace": {mutate: func(p *Policy) { p.NodeLostGrace = -time.Second },
			errs: []string{"node-lost grace -1s"}},
		"bound beyond a week": {mutate: func(p *Policy) { p.NotReadyReplaceAfter = 8 * 24 * time.Hour },
			errs: []string{"notready replace-after"}},
		"max below base": {mutate: func(p *Policy) { p.BackoffBase, p.BackoffMax = time.Minute, time.Second },
			errs: []string{"backoff max 1s is below the base 1m0s"}},
		"negative cap and window, both reported": {mutate: func(p *Policy) { p.MaxReplacements, p.ReplacementWindow = -1, -time.Hour },
			errs: []string{"replacement cap -1", "replacement window -1h0m0s"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := DefaultPolicy()
			tc.mutate(&p)
			assertErrFragments(t, p.Validate(), tc.errs)
		})
	}
}

func TestPolicyBindFlags(t *testing.T) {
	tests := map[string]struct {
		args    []string
		want    func(*Policy)
		wantErr string
	}{
		"no flags keeps the defaults": {args: nil, want: func(*Policy) {}},
		"every flag": {
			args: []string{"-head-replacement-enabled=false", "-head-node-lost-grace=45s", "-head-stuck-terminating-grace=1m",
				"-head-crashloop-replace-after=10m", "-head-notready-replace-after=5m", "-head-replacement-backoff-base=20s",
				"-head-replacement-backoff-max=10m", "-head-replacement-cap=3", "-head-replacement-window=2h"},
			want: func(p *Policy) {
				*p = Policy{ReplacementEnabled: false, NodeLostGrace: 45 * time.Second, StuckTerminatingGrace: time.Minute,
					CrashLoopReplaceAfter: 10 * time.Minute, NotReadyReplaceAfter: 5 * time.Minute, BackoffBase: 20 * time.Second,
					BackoffMax: 10 * time.Minute, MaxReplacements: 3, ReplacementWindow: 2 * time.Hour}
			},
		},
		"bad cap": {args: []string{"-head-replacement-cap=many"}, wantErr: "head-replacement-cap"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(&strings.Builder{})
			got := DefaultPolicy()
			got.BindFlags(fs)
			err := fs.Parse(tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultPolicy()
			tc.want(&want)
			if got != want {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestPolicyApplyAnnotations(t *testing.T) {
	tests := map[string]struct {
		annotations map[string]string
		want        func(*Policy)
		errs        []string
	}{
		"none":                      {annotations: nil, want: func(*Policy) {}},
		"unrelated are ignored":     {annotations: map[string]string{"ray.io/ft-enabled": "true", "ray-ha.io/other": "x"}, want: func(*Policy) {}},
		"disabled":                  {annotations: map[string]string{AnnotationHeadReplacement: "Disabled"}, want: func(p *Policy) { p.ReplacementEnabled = false }},
		"enabled, spaces tolerated": {annotations: map[string]string{AnnotationHeadReplacement: " enabled "}, want: func(p *Policy) {}},
		"every number": {
			annotations: map[string]string{
				AnnotationNodeLostGrace: "60", AnnotationStuckTerminatingGrace: "15", AnnotationCrashLoopReplaceAfter: "600",
				AnnotationNotReadyReplaceAfter: "300", AnnotationBackoffBase: "5", AnnotationBackoffMax: "60",
				AnnotationReplacementCap: "0", AnnotationReplacementWindow: "7200"},
			want: func(p *Policy) {
				p.NodeLostGrace, p.StuckTerminatingGrace = time.Minute, 15*time.Second
				p.CrashLoopReplaceAfter, p.NotReadyReplaceAfter = 10*time.Minute, 5*time.Minute
				p.BackoffBase, p.BackoffMax, p.MaxReplacements, p.ReplacementWindow = 5*time.Second, time.Minute, 0, 2*time.Hour
			},
		},
		"zero turns an opt-in off again": {annotations: map[string]string{AnnotationCrashLoopReplaceAfter: "0"}, want: func(*Policy) {}},
		"bad values are named, good ones still apply": {
			annotations: map[string]string{
				AnnotationNodeLostGrace: "30s", AnnotationNotReadyReplaceAfter: "-5", AnnotationCrashLoopReplaceAfter: "120",
				AnnotationHeadReplacement: "yes", AnnotationReplacementCap: "-1", AnnotationStuckTerminatingGrace: "99999999"},
			want: func(p *Policy) { p.CrashLoopReplaceAfter = 2 * time.Minute },
			errs: []string{
				`annotation ray-ha.io/node-lost-grace-seconds: "30s" is not a whole number of seconds`,
				"annotation ray-ha.io/notready-replace-after-seconds: -5 seconds is outside 0..604800",
				`annotation ray-ha.io/head-replacement: "yes"`,
				"annotation ray-ha.io/replacement-cap: -1 is negative",
				"annotation ray-ha.io/stuck-terminating-grace-seconds: 99999999 seconds",
			},
		},
		"cap not a number": {annotations: map[string]string{AnnotationReplacementCap: "3.5"}, want: func(*Policy) {},
			errs: []string{`annotation ray-ha.io/replacement-cap: "3.5" is not a whole number`}},
		"base raised above the operator's max": {annotations: map[string]string{AnnotationBackoffBase: "600"},
			want: func(p *Policy) { p.BackoffBase, p.BackoffMax = 10*time.Minute, 10*time.Minute },
			errs: []string{"backoff max 5m0s is below the base 10m0s"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := DefaultPolicy().ApplyAnnotations(tc.annotations)
			assertErrFragments(t, err, tc.errs)
			want := DefaultPolicy()
			tc.want(&want)
			if got != want {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
			if verr := got.Validate(); verr != nil {
				t.Errorf("the returned policy must always be valid: %v", verr)
			}
		})
	}
}

// assertErrFragments fails unless err contains every fragment, or is nil when
// there are none.
func assertErrFragments(t *testing.T, err error, fragments []string) {
	t.Helper()
	if len(fragments) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want one containing %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not contain %q", err, f)
		}
	}
}
