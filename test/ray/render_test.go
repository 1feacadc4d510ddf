package ray

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// The pods the tests run are the chart's pods: this checks, without Ray,
// that the head's command and env carry the GCS FT wiring with the password
// resolved from the Secret and never on the command line, and that the
// worker reaches the head at the loopback address that replaces the FQDN.
func TestRenderedPodsResolve(t *testing.T) {
	spec := Spec{Name: "ft", Namespace: "ray", StorageNamespace: "ns-a", RedisAddress: "127.0.0.1:6390",
		RedisPassword: "s3cret pw", Dir: "/tmp/x", Worker: true,
		Ports: Ports{GCS: 26379, Dashboard: 28265, Client: 20001, HeadAgent: 22365, HeadMetrics: 28080, WorkerAgent: 22366, WorkerMetrics: 28081}}
	rc, err := spec.Render()
	if err != nil {
		t.Fatal(err)
	}
	if rc.HeadFQDN != "ft-head-svc.ray.svc.cluster.local" {
		t.Fatalf("head FQDN = %q", rc.HeadFQDN)
	}
	c := &Cluster{Venv: Venv{Dir: "/venv"}, Rendered: rc, Objects: spec.Objects(), Dir: "/tmp/x"}
	head, err := c.HeadSpec()
	if err != nil {
		t.Fatal(err)
	}
	worker, err := c.WorkerSpec("small")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		got, want []string
		absent    []string
	}{
		"head env": {got: head.env, want: []string{
			"REDIS_PASSWORD=s3cret pw", "RAY_REDIS_ADDRESS=127.0.0.1:6390",
			"RAY_external_storage_namespace=ns-a", "RAY_CLOUD_INSTANCE_ID=ft-head-0",
			"RAY_NODE_TYPE_NAME=headgroup", "RAY_ADDRESS=127.0.0.1:26379", "RAY_USAGE_STATS_ENABLED=0"}},
		"worker env": {got: worker.env, want: []string{
			"RAY_gcs_rpc_server_reconnect_timeout_s=600", "FQ_RAY_IP=127.0.0.2", "RAY_ADDRESS=127.0.0.2:26379",
			"RAY_CLOUD_INSTANCE_ID=ft-small-worker-test-0"}},
		"head command": {got: head.argv, want: []string{"/bin/bash", "-c", "--"}, absent: []string{"s3cret"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			for _, w := range tc.want {
				if !slices.Contains(tc.got, w) {
					t.Errorf("missing %q in %q", w, tc.got)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(strings.Join(tc.got, " "), a) {
					t.Errorf("%q must not appear in %q", a, tc.got)
				}
			}
		})
	}
	script := head.argv[len(head.argv)-1]
	for _, w := range []string{"ray start --head", `--redis-password="$REDIS_PASSWORD"`, "--port=26379", "--block"} {
		if !strings.Contains(script, w) {
			t.Errorf("head script lacks %q: %s", w, script)
		}
	}
	if ws := worker.argv[len(worker.argv)-1]; !strings.Contains(ws, "--address=127.0.0.2:26379") {
		t.Errorf("worker script does not point at the substituted head address: %s", ws)
	}
}

func TestLogLineTime(t *testing.T) {
	path := t.TempDir() + "/raylet.out"
	content := "[2026-11-25 23:24:18,183 I 1 1] node_manager.cc:1: other\n" +
		"[2026-11-25 23:24:19,250 I 1 1] node_manager.cc:2: The GCS has restarted. Resubscribing.\n" +
		"no timestamp The GCS has restarted\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		substr string
		want   string
		found  bool
	}{
		"found":   {gcsRestartedLog, "2026-11-25 23:24:19.25", true},
		"missing": {"nothing like this", "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			at, ok := LogLineTime(path, tc.substr)
			if ok != tc.found {
				t.Fatalf("found = %v, want %v", ok, tc.found)
			}
			if ok && at.Format("2006-01-02 15:04:05.999") != tc.want {
				t.Errorf("time = %s, want %s", at.Format("2006-01-02 15:04:05.999"), tc.want)
			}
		})
	}
}
