package simcluster

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// startTimeout bounds Start in tests; a cold start takes seconds.
const startTimeout = 3 * time.Minute

// StartForTest starts a cluster for a test and stops it in t.Cleanup. When
// the test failed, the end of every component's log is written to the test
// log first. Skipped with -short. Progress goes to t.Logf unless opts.Log
// is set.
func StartForTest(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("simulated cluster tier: skipped with -short")
	}
	if opts.Log == nil {
		opts.Log = t.Logf
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	c, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			c.dumpLogs(t)
		}
		c.Stop()
	})
	return c
}

// dumpLogs writes the last lines of each component log to the test log.
func (c *Cluster) dumpLogs(t testing.TB) {
	logs, err := filepath.Glob(filepath.Join(c.dir, "logs", "*.log"))
	if err != nil || len(logs) == 0 {
		t.Logf("simcluster: no component logs in %s", c.dir)
		return
	}
	sort.Strings(logs)
	for _, path := range logs {
		if _, err := os.Stat(path); err == nil {
			t.Logf("simcluster: ---- last lines of %s ----\n%s", filepath.Base(path), tailFile(path, 30))
		}
	}
}
