/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"slices"
	"testing"
)

func TestNamespaces(t *testing.T) {
	tests := map[string]struct {
		env  string
		want []string
	}{
		"empty is every namespace": {env: "", want: nil},
		"blank is every namespace": {env: "  ", want: nil},
		"one":                      {env: "ray", want: []string{"ray"}},
		"several with spaces":      {env: " a, b ,,c", want: []string{"a", "b", "c"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Namespaces(tc.env)
			var keys []string
			for ns := range got {
				keys = append(keys, ns)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, tc.want) {
				t.Errorf("Namespaces(%q) = %v, want %v", tc.env, keys, tc.want)
			}
		})
	}
}

func TestNewRejectsAMissingWatchesFile(t *testing.T) {
	_, err := New(nil, Options{WatchesFile: t.TempDir() + "/none.yaml"})
	if err == nil {
		t.Fatal("New with a missing watches file: no error")
	}
}

func TestNewRejectsAnUnknownBatchScheduler(t *testing.T) {
	_, err := New(nil, Options{BatchScheduler: "no-such-scheduler", WatchesFile: "../../watches.yaml"})
	if err == nil {
		t.Fatal("New with an unknown batch scheduler: no error")
	}
}
