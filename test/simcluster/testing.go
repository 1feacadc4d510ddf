package simcluster

import (
	"context"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// quietGlobalLogger gives controller-runtime's global logger a sink once per
// test process. Without one, controller-runtime prints a warning with a
// stack trace into the test output 30 s after a client was made. Operators
// in tests get their own logger through the manager's options.
var quietGlobalLogger sync.Once

// startTimeout bounds Start in tests; a cold start takes seconds.
const startTimeout = 3 * time.Minute

// StartForTest starts a cluster for a test and stops it in t.Cleanup. Its
// work folder is a t.TempDir unless opts.Dir is set. When the start or the
// test fails, the end of every component's log is written to the test log.
// Skipped with -short. Progress goes to t.Logf unless opts.Log is set.
func StartForTest(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("simulated cluster tier: skipped with -short")
	}
	quietGlobalLogger.Do(func() { ctrllog.SetLogger(logr.Discard()) })
	if opts.Log == nil {
		opts.Log = t.Logf
	}
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	c, err := Start(ctx, opts)
	if err != nil {
		dumpLogs(t, opts.Dir)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			dumpLogs(t, c.dir)
		}
		c.Stop()
	})
	return c
}

// dumpLogs writes the last lines of each component log to the test log.
func dumpLogs(t testing.TB, dir string) {
	logs, err := filepath.Glob(filepath.Join(dir, "logs", "*.log"))
	if err != nil || len(logs) == 0 {
		t.Logf("simcluster: no component logs in %s", dir)
		return
	}
	sort.Strings(logs)
	for _, path := range logs {
		t.Logf("simcluster: ---- last lines of %s ----\n%s", filepath.Base(path), tailFile(path, 30))
	}
}
