/*
Copyright 2026 The ray-ha-operator Authors.
*/

package simcluster

import (
	"os"
	"testing"
	"time"
)

func TestParseControllerManagerDefaults(t *testing.T) {
	tests := map[string]struct {
		help    string
		want    ControllerManagerTimings
		wantErr bool
	}{
		"one line each": {
			help: "      --node-monitor-grace-period duration     Amount of time (default 50s)\n" +
				"      --node-monitor-period duration           The period (default 5s)\n",
			want: ControllerManagerTimings{NodeMonitorGracePeriod: 50 * time.Second, NodeMonitorPeriod: 5 * time.Second},
		},
		"description over two lines, other version's values": {
			help: "      --node-monitor-grace-period duration     Amount of time which we allow\n" +
				"                                               running Node to be unresponsive (default 40s)\n" +
				"      --node-monitor-period duration           The period (default 5s)\n",
			want: ControllerManagerTimings{NodeMonitorGracePeriod: 40 * time.Second, NodeMonitorPeriod: 5 * time.Second},
		},
		"a default of the next flag is not taken": {
			help: "      --node-monitor-grace-period duration     Amount of time\n" +
				"      --node-monitor-period duration           The period (default 5s)\n",
			wantErr: true,
		},
		"flag missing": {help: "      --node-monitor-period duration   (default 5s)\n", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseControllerManagerDefaults(tc.help)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error: %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestProductionProfile reads the built kube-controller-manager's defaults
// (Kubernetes 1.3x: 50 s grace, 5 s period) and checks the profile is one
// Start accepts.
func TestProductionProfile(t *testing.T) {
	o, err := ProductionProfile(Options{})
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("no kube-controller-manager to read the defaults from: %v", err)
	}
	t.Logf("production profile: node-monitor grace %s, period %s, lease %s, tolerations %d s",
		o.NodeMonitorGracePeriod, o.NodeMonitorPeriod, o.NodeLeaseDuration, o.UnreachableTolerationSeconds)
	if o.NodeMonitorGracePeriod < 40*time.Second || o.NodeMonitorPeriod != 5*time.Second {
		t.Errorf("defaults %s/%s: not Kubernetes' (40-50 s grace, 5 s period)", o.NodeMonitorGracePeriod, o.NodeMonitorPeriod)
	}
	if _, err := o.withDefaults(); err != nil {
		t.Errorf("the profile is not valid: %v", err)
	}
}
