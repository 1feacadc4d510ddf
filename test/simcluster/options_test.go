package simcluster

import (
	"strings"
	"testing"
	"time"
)

func TestOptionsWithDefaults(t *testing.T) {
	tests := map[string]struct {
		in      Options
		wantErr string
		check   func(t *testing.T, o Options)
	}{
		"zero value gets the documented defaults": {
			check: func(t *testing.T, o Options) {
				if o.Nodes != 3 || o.NodeLeaseDuration != 4*time.Second || o.NodeMonitorGracePeriod != 5*time.Second ||
					o.NotReadyTolerationSeconds != 2 || o.UnreachableTolerationSeconds != 2 || o.NodeCapacity == nil || o.Log == nil {
					t.Errorf("defaults = %+v", o)
				}
			},
		},
		"explicit values are kept": {
			in: Options{Nodes: 5, NodeLeaseDuration: 8 * time.Second, NodeMonitorGracePeriod: 10 * time.Second, NotReadyTolerationSeconds: 1},
			check: func(t *testing.T, o Options) {
				if o.Nodes != 5 || o.NodeLeaseDuration != 8*time.Second || o.NodeMonitorGracePeriod != 10*time.Second || o.NotReadyTolerationSeconds != 1 {
					t.Errorf("options = %+v", o)
				}
			},
		},
		"negative node count": {in: Options{Nodes: -1}, wantErr: "Nodes=-1"},
		"too many nodes":      {in: Options{Nodes: maxNodes + 1}, wantErr: "Nodes="},
		"lease not whole seconds": {
			in: Options{NodeLeaseDuration: 1500 * time.Millisecond}, wantErr: "whole seconds",
		},
		"grace period shorter than a renewal plus a monitor period": {
			in: Options{NodeLeaseDuration: 8 * time.Second, NodeMonitorGracePeriod: 3 * time.Second}, wantErr: "too short",
		},
		"negative toleration": {in: Options{UnreachableTolerationSeconds: -1}, wantErr: "negative"},
		"negative modelled pull": {
			in: Options{ImagePulls: map[string]ImagePull{"ray": {ColdPull: -time.Second}}}, wantErr: "ImagePulls",
		},
		"prewarmed images without the model": {
			in: Options{PrewarmedImages: map[string][]string{"sim-node-1": {"ray"}}}, wantErr: "PrewarmedImages",
		},
		"image-pull model kept, off by default": {
			in: Options{ImagePulls: map[string]ImagePull{"ray": {ColdPull: time.Minute}}},
			check: func(t *testing.T, o Options) {
				if !o.imagePullModelOn() || (Options{}).imagePullModelOn() {
					t.Errorf("model on = %t, zero value's = %t", o.imagePullModelOn(), (Options{}).imagePullModelOn())
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := tc.in.withDefaults()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
		})
	}
}
