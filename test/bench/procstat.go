/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The versus phase measures every process (both operators,
// kube-controller-manager, kube-apiserver) from outside, through /proc, so
// that each is measured the same way whatever language or framework it is.

// clockTicks is the unit of utime and stime in /proc/<pid>/stat: USER_HZ,
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// procCPU returns the CPU time (user + system) a process has used so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the CPU time of process %d: %w", pid, err)
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime and stime (fields 14 and 15) from a
// /proc/<pid>/stat line. The command name (field 2) is in parentheses and
// may hold spaces or parentheses itself, so fields are counted from the
// last ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, fmt.Errorf("parsing /proc stat %q: no command name", stat)
	}
	// After the name: state (field 3), ... utime is field 14, so index 11.
	fields := strings.Fields(stat[end+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("parsing /proc stat: %d fields after the name, want at least 13", len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parsing /proc stat CPU field %q: %w", f, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// procStatusKiB returns fields of /proc/<pid>/status in KiB (VmRSS,
// VmHWM): a missing field is 0.
func procStatusKiB(pid int, keys ...string) (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, fmt.Errorf("reading the memory of process %d: %w", pid, err)
	}
	return parseStatusKiB(string(b), keys...), nil
}

// parseStatusKiB reads "Key:   123 kB" lines.
func parseStatusKiB(status string, keys ...string) map[string]int64 {
	out := make(map[string]int64, len(keys))
	for _, line := range strings.Split(status, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || !contains(keys, k) {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			out[k] = n
		}
	}
	return out
}

// rssSampler samples a process's resident set every interval and keeps the
// largest; the kernel's own high-water mark (VmHWM) is read at the end.
type rssSampler struct {
	pid  int
	mu   sync.Mutex
	peak int64 // KiB
	stop chan struct{}
	done sync.WaitGroup
}

func startRSSSampler(pid int, every time.Duration) *rssSampler {
	s := &rssSampler{pid: pid, stop: make(chan struct{})}
	s.sample()
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.sample()
			}
		}
	}()
	return s
}

func (s *rssSampler) sample() {
	m, err := procStatusKiB(s.pid, "VmRSS")
	if err != nil {
		return
	}
	s.mu.Lock()
	s.peak = max(s.peak, m["VmRSS"])
	s.mu.Unlock()
}

// finish stops sampling and returns the sampled peak and the process's
// lifetime high-water mark, in MiB.
func (s *rssSampler) finish() (sampledMiB, hwmMiB float64) {
	s.sample()
	close(s.stop)
	s.done.Wait()
	m, _ := procStatusKiB(s.pid, "VmHWM")
	s.mu.Lock()
	defer s.mu.Unlock()
	return round3(float64(s.peak) / 1024), round3(float64(m["VmHWM"]) / 1024)
}
