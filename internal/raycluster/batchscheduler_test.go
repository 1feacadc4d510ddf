/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"strings"
	"testing"
)

func TestResolveBatchScheduler(t *testing.T) {
	tests := map[string]struct {
		flag, env string
		legacy    bool
		want      BatchScheduler
		err       string
	}{
		"nothing set: none":                  {want: NoBatchScheduler},
		"flag":                               {flag: "yunikorn", want: YuniKorn},
		"environment":                        {env: "kai-scheduler", want: KaiScheduler},
		"flag wins over the environment":     {flag: "volcano", env: "yunikorn", want: Volcano},
		"blank flag falls to the env":        {flag: " ", env: "scheduler-plugins", want: SchedulerPlugins},
		"surrounding spaces are dropped":     {env: " volcano ", want: Volcano},
		"legacy switch means volcano":        {legacy: true, want: Volcano},
		"legacy switch with a name":          {flag: "volcano", legacy: true, err: "both set"},
		"legacy switch with the environment": {env: "yunikorn", legacy: true, err: "both set"},
		"unknown name":                       {flag: "kueue", err: `"kueue" is not supported; use one of volcano, yunikorn, kai-scheduler, scheduler-plugins`},
		"KubeRay's names only, exact case":   {env: "Volcano", err: "not supported"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ResolveBatchScheduler(tc.flag, tc.env, tc.legacy)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("scheduler %q, want %q", got, tc.want)
			}
		})
	}
}
