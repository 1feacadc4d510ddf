package chart

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWaitGcsReadyScriptInBash runs the workers' init container script in a
// real bash with a stand-in `ray` whose health check fails twice, then
// passes (and a `sleep` that returns at once): the script must retry, ask
// the right address, stay quiet, and exit 0.
func TestWaitGcsReadyScriptInBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	r := renderValues(t, "")
	init := initContainer(r.worker(t, "workergroup").Spec.Template.Spec, "wait-gcs-ready")
	if init == nil {
		t.Fatal("no wait-gcs-ready init container")
	}
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	fakeRay := "#!" + bash + "\necho \"$*\" >> " + calls + "\n[ $(wc -l < " + calls + ") -ge 3 ]\n"
	for name, body := range map[string]string{"ray": fakeRay, "sleep": "#!" + bash + "\nexit 0\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bash, append(init.Command[1:], init.Args...)...)
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("init script failed: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	b, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	wantEqual(t, "health checks", len(lines), 3)
	wantEqual(t, "health check arguments", lines[0], "health-check --address demo-head-svc.ray.svc.cluster.local:6379")
	wantEqual(t, "output", strings.TrimSpace(stdout.String()), "GCS at demo-head-svc.ray.svc.cluster.local:6379 is ready")
}
