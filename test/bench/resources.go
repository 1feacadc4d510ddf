/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is the process's CPU time and allocation counters at one moment.
type usage struct {
	cpu         time.Duration
	mallocs     uint64
	allocBytes  uint64
	heapInuse   uint64
	rssBytes    uint64
	goroutineNo int
}

func readUsage() usage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return usage{
		cpu:         time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		mallocs:     ms.Mallocs,
		allocBytes:  ms.TotalAlloc,
		heapInuse:   ms.HeapInuse,
		rssBytes:    procStatusBytes("/proc/self/status", "VmRSS:"),
		goroutineNo: runtime.NumGoroutine(),
	}
}

// procStatusBytes reads a "kB" field of a /proc status file; 0 when absent
// (not Linux).
func procStatusBytes(path, field string) uint64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, field) {
			continue
		}
		parts := strings.Fields(strings.TrimPrefix(line, field))
		if len(parts) == 0 {
			return 0
		}
		kb, err := strconv.ParseUint(parts[0], 10, 64)
		if err != nil {
			return 0
		}
		return kb * 1024
	}
	return 0
}

// peakSampler keeps the highest heap in use and resident set seen while it
// runs; both are sampled, so a spike shorter than the period can be missed.
type peakSampler struct {
	stopc          chan struct{}
	done           chan struct{}
	peakHeap, peak uint64
}

func startPeakSampler(every time.Duration) *peakSampler {
	s := &peakSampler{stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			u := readUsage()
			s.peakHeap = max(s.peakHeap, u.heapInuse)
			s.peak = max(s.peak, u.rssBytes)
			select {
			case <-s.stopc:
				return
			case <-time.After(every):
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peaks (heap in use, RSS).
func (s *peakSampler) stop() (heap, rss uint64) {
	close(s.stopc)
	<-s.done
	return s.peakHeap, s.peak
}
