package main

import (
	"io"
	"slices"
	"testing"
	"time"
)

func TestParseScenarios(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    []string
		wantErr bool
	}{
		"all":                     {in: "all", want: allScenarios},
		"one":                     {in: "node-lost", want: []string{scenarioNodeLost}},
		"kept in run order":       {in: "delete,head-deleted", want: []string{scenarioHeadDeleted, scenarioDelete}},
		"spaces and duplicates":   {in: " delete , delete", want: []string{scenarioDelete}},
		"unknown":                 {in: "head-deleted,reboot", wantErr: true},
		"empty entry is unknown":  {in: "head-deleted,", wantErr: true},
		"all mixed with a name":   {in: "all,delete", wantErr: true},
		"empty string is unknown": {in: "", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseScenarios(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("parseScenarios(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("parseScenarios(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseOptions(t *testing.T) {
	tests := map[string]struct {
		args    []string
		check   func(t *testing.T, o options)
		wantErr bool
	}{
		"defaults": {
			args: nil,
			check: func(t *testing.T, o options) {
				if !slices.Equal(o.scenarios, allScenarios) || o.keep || o.timeout != 15*time.Minute || o.bounds != defaultBounds() {
					t.Errorf("defaults = %+v", o)
				}
			},
		},
		"keep, one scenario, grace rounded to seconds": {
			args: []string{"--keep", "--scenario", "node-lost", "--node-lost-grace", "7400ms"},
			check: func(t *testing.T, o options) {
				if !o.keep || !slices.Equal(o.scenarios, []string{scenarioNodeLost}) || o.bounds.nodeLostGrace != 7*time.Second {
					t.Errorf("options = %+v", o)
				}
			},
		},
		"operator binary": {
			args: []string{"--operator-bin", "/opt/manager"},
			check: func(t *testing.T, o options) {
				if o.operatorBin != "/opt/manager" {
					t.Errorf("operatorBin = %q", o.operatorBin)
				}
			},
		},
		"zero timeout":       {args: []string{"--timeout", "0s"}, wantErr: true},
		"sub-second grace":   {args: []string{"--node-lost-grace", "500ms"}, wantErr: true},
		"stray argument":     {args: []string{"now"}, wantErr: true},
		"unknown flag":       {args: []string{"--fast"}, wantErr: true},
		"unknown scenario":   {args: []string{"--scenario", "crash"}, wantErr: true},
		"malformed duration": {args: []string{"--timeout", "soon"}, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o, err := parseOptions(tc.args, io.Discard)
			if (err != nil) != tc.wantErr {
				t.Fatalf("parseOptions(%v) error = %v, wantErr %v", tc.args, err, tc.wantErr)
			}
			if tc.check != nil {
				tc.check(t, o)
			}
		})
	}
}
