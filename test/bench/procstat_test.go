/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"os"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := map[string]struct {
		stat    string
		want    time.Duration
		wantErr bool
	}{
		"plain name": {
			stat: "1234 (kuberay-operat) S 1 1234 1234 0 -1 4194560 5000 0 0 0 250 37 0 0 20 0 12 0 100 0 0",
			want: 2870 * time.Millisecond,
		},
		"name with spaces and parentheses": {
			stat: "42 (a b) (c)) R 1 42 42 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 5 0 0",
			want: 100 * time.Millisecond,
		},
		"no name":       {stat: "42 R 1", wantErr: true},
		"too short":     {stat: "42 (x) R 1 2 3", wantErr: true},
		"not a number":  {stat: "42 (x) R 1 42 42 0 -1 0 0 0 0 0 x 3 0", wantErr: true},
		"zero CPU time": {stat: "7 (idle) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0", want: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseStatCPU(tc.stat)
			if (err != nil) != tc.wantErr {
				t.Fatalf("parseStatCPU error = %v, want error %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("parseStatCPU = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestParseStatusKiB(t *testing.T) {
	const status = "Name:\tkuberay\nVmPeak:\t 1300000 kB\nVmHWM:\t   70120 kB\nVmRSS:\t   68000 kB\nThreads:\t12\n"
	tests := map[string]struct {
		keys []string
		want map[string]int64
	}{
		"both":    {keys: []string{"VmRSS", "VmHWM"}, want: map[string]int64{"VmRSS": 68000, "VmHWM": 70120}},
		"one":     {keys: []string{"VmHWM"}, want: map[string]int64{"VmHWM": 70120}},
		"missing": {keys: []string{"VmSwap"}, want: map[string]int64{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := parseStatusKiB(status, tc.keys...)
			if len(got) != len(tc.want) {
				t.Fatalf("parseStatusKiB = %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %d, want %d", k, got[k], v)
				}
			}
		})
	}
}

// TestProcCPUOfThisProcess reads the test's own /proc entry: the parser
// must accept what the kernel writes.
func TestProcCPUOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	if _, err := procCPU(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	m, err := procStatusKiB(os.Getpid(), "VmRSS", "VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	if m["VmRSS"] <= 0 || m["VmHWM"] < m["VmRSS"] {
		t.Errorf("VmRSS %d KiB, VmHWM %d KiB: want 0 < VmRSS <= VmHWM", m["VmRSS"], m["VmHWM"])
	}
}
