/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"reflect"
	"testing"
)

func TestRequestTotalsByVerb(t *testing.T) {
	tests := map[string]struct {
		text string
		want map[string]float64
	}{
		"empty": {text: "", want: map[string]float64{}},
		"summed by verb, other series ignored": {
			text: `# HELP apiserver_request_total Counter of apiserver requests
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",resource="pods",verb="LIST",version="v1"} 12
apiserver_request_total{code="200",component="apiserver",resource="nodes",verb="LIST",version="v1"} 3
apiserver_request_total{code="201",component="apiserver",resource="pods",verb="POST",version="v1"} 5
apiserver_request_duration_seconds_count{verb="LIST"} 99
`,
			want: map[string]float64{"list": 15, "post": 5},
		},
		"unparsable value skipped": {
			text: "apiserver_request_total{verb=\"GET\"} x\napiserver_request_total{verb=\"GET\"} 2\n",
			want: map[string]float64{"get": 2},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := requestTotalsByVerb(tc.text); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("requestTotalsByVerb = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestVerbDelta(t *testing.T) {
	got := verbDelta(map[string]float64{"list": 10, "get": 5}, map[string]float64{"list": 14, "get": 5, "post": 2})
	want := map[string]int64{"list": 4, "post": 2}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("verbDelta = %v, want %v", got, want)
	}
}
