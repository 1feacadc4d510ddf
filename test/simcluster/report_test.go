package simcluster

import (
	"strings"
	"testing"
)

func TestErrorLinesKeepsTheLastErrors(t *testing.T) {
	log := strings.Join([]string{
		`{"level":"INFO","msg":"Syncing lease"}`,
		`{"level":"ERROR","msg":"first"}`,
		`{"level":"WARN","msg":"second"}`,
		`{"level":"INFO","msg":"Syncing lease"}`,
		`{"level":"ERROR","msg":"third"}`,
		`panic: runtime error`,
	}, "\n")
	tests := []struct {
		name string
		n    int
		want []string
	}{
		{"all errors when fewer than n", 10, []string{"first", "second", "third", "panic"}},
		{"only the last n", 2, []string{"third", "panic"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Split(errorLines(log, tt.n), "\n")
			if len(got) != len(tt.want) {
				t.Fatalf("got %d lines %q, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("line %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
	if got := errorLines(`{"level":"INFO","msg":"Syncing lease"}`, 5); got != "" {
		t.Errorf("a log without errors gave %q, want nothing", got)
	}
}
