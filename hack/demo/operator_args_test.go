package main

import (
	"slices"
	"testing"
)

func TestParseFlagNames(t *testing.T) {
	tests := map[string]struct {
		help string
		want []string
	}{
		"go flag package": {
			help: "Usage of ./bin/manager:\n  -head-node-lost-grace duration\n    \tHow long ... (default 30s)\n  -leader-elect\n    \tElect a leader.\n",
			want: []string{"head-node-lost-grace", "leader-elect"},
		},
		"pflag style": {
			help: "Flags:\n  -h, --help   help for manager\n      --metrics-secure   serve over HTTPS\n      --zap-devel=false\n",
			want: []string{"help", "metrics-secure", "zap-devel"},
		},
		"description lines do not count": {
			help: "  -watches-file string\n    \tPath of the watches file, - for stdin.\n",
			want: []string{"watches-file"},
		},
		"a placeholder binary prints no flags": {
			help: "ray-ha-operator: the manager is not wired yet\n",
			want: nil,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := parseFlagNames(tc.help)
			var names []string
			for n := range got {
				names = append(names, n)
			}
			slices.Sort(names)
			if !slices.Equal(names, tc.want) {
				t.Errorf("parseFlagNames() = %v, want %v", names, tc.want)
			}
		})
	}
}

func TestOperatorArgs(t *testing.T) {
	b := defaultBounds()
	tests := map[string]struct {
		known     map[string]bool
		wantArgs  []string
		wantShown []string
	}{
		"an operator with head-health flags and secure metrics": {
			known: map[string]bool{"head-node-lost-grace": true, "head-stuck-terminating-grace": true, "metrics-secure": true, "redis-cleanup-timeout": true},
			wantArgs: []string{"--metrics-bind-address=127.0.0.1:1", "--health-probe-bind-address=127.0.0.1:2", "--leader-elect=false",
				"--watches-file=watches.yaml", "--metrics-secure=false", "--head-node-lost-grace=10s", "--head-stuck-terminating-grace=10s",
				"--redis-cleanup-timeout=1m0s"},
			wantShown: []string{"--head-node-lost-grace=10s", "--head-stuck-terminating-grace=10s", "--redis-cleanup-timeout=1m0s"},
		},
		"an operator without them gets the base flags only": {
			known: map[string]bool{"leader-elect": true},
			wantArgs: []string{"--metrics-bind-address=127.0.0.1:1", "--health-probe-bind-address=127.0.0.1:2", "--leader-elect=false",
				"--watches-file=watches.yaml"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			args, shown := operatorArgs(tc.known, "127.0.0.1:1", "127.0.0.1:2", b)
			if !slices.Equal(args, tc.wantArgs) {
				t.Errorf("args = %v, want %v", args, tc.wantArgs)
			}
			if !slices.Equal(shown, tc.wantShown) {
				t.Errorf("shown = %v, want %v", shown, tc.wantShown)
			}
		})
	}
}
