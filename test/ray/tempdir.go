package ray

import (
	"os"
	"testing"
)

// ShortTempDir is a temp dir with a short path: Ray puts unix sockets under
// its temp dir and a socket path must stay under 108 bytes. It is removed
// when the test passes and kept, with a note in the test log, when it fails.
func ShortTempDir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Ray logs kept in %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	return dir
}
