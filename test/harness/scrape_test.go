/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// metricsText is a histogram with two reasons and a counter, as the
// operator's /metrics serves them.
const metricsText = `# HELP rayha_head_recovery_seconds Recovery time.
# TYPE rayha_head_recovery_seconds histogram
rayha_head_recovery_seconds_bucket{reason="PodDeleted",le="+Inf"} 2
rayha_head_recovery_seconds_sum{reason="PodDeleted"} 3.5
rayha_head_recovery_seconds_count{reason="PodDeleted"} 2
rayha_head_recovery_seconds_bucket{reason="NodeLost",le="+Inf"} 1
rayha_head_recovery_seconds_sum{reason="NodeLost"} 12.25
rayha_head_recovery_seconds_count{reason="NodeLost"} 1
# TYPE other_total counter
other_total 7
`

func TestScrapeMetrics(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer good" {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, metricsText)
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "https://")

	tests := map[string]struct {
		token   string
		want    map[string]Observations
		wantErr string
	}{
		"authorized": {token: "good", want: map[string]Observations{
			"PodDeleted": {Count: 2, Sum: 3.5}, "NodeLost": {Count: 1, Sum: 12.25}}},
		"wrong token": {token: "bad", wantErr: "HTTP 401"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			families, err := ScrapeMetrics(context.Background(), addr, tc.token)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ScrapeMetrics() error = %v, want one with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := HistogramByLabel(families, "rayha_head_recovery_seconds", "reason")
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("HistogramByLabel() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestObservationsMinus(t *testing.T) {
	got := Observations{Count: 3, Sum: 5.5}.Minus(Observations{Count: 1, Sum: 1.5})
	if got != (Observations{Count: 2, Sum: 4}) {
		t.Errorf("Minus() = %+v, want {2 4}", got)
	}
}
