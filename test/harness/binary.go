/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/ray-ha-operator/ray-ha-operator/test/operatorproc"
)

// Binaries starts the operator binary built from main.go (operatorproc,
// built once per test process), each process with its own numbered log
// under a temporary directory. When the test fails it logs, for the last
// two processes (a leader and its standby, or a crashed operator and the
// one that replaced it), their error lines and the end of their logs.
type Binaries struct {
	t          testing.TB
	bin        string
	kubeconfig string
	dir        string
	// args are the flags of every process.
	args []string
	// Env is added to every process's environment (WATCH_NAMESPACE, say);
	// set it before Start.
	Env []string

	mu      sync.Mutex
	started []*operatorproc.Process
}

// NewBinaries builds (or reuses) the operator binary for processes against
// the cluster of kubeconfig, with args on every process.
func NewBinaries(t testing.TB, kubeconfig string, args ...string) *Binaries {
	t.Helper()
	b := &Binaries{t: t, bin: operatorproc.Shared(t), kubeconfig: kubeconfig, dir: t.TempDir(), args: args}
	t.Cleanup(func() {
		if t.Failed() {
			b.logLast(2)
		}
	})
	return b
}

// Start starts one more process with the common flags and extra ones
// (later flags win); it is stopped with SIGTERM when the test ends.
func (b *Binaries) Start(extra ...string) *operatorproc.Process {
	b.t.Helper()
	b.mu.Lock()
	n := len(b.started) + 1
	b.mu.Unlock()
	p := operatorproc.Start(b.t, operatorproc.Options{
		Bin: b.bin, Kubeconfig: b.kubeconfig,
		LogPath: filepath.Join(b.dir, fmt.Sprintf("operator-%03d.log", n)),
		Args:    append(append([]string(nil), b.args...), extra...),
		Env:     b.Env,
	})
	b.mu.Lock()
	b.started = append(b.started, p)
	b.mu.Unlock()
	return p
}

// Started are the processes in start order.
func (b *Binaries) Started() []*operatorproc.Process {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*operatorproc.Process(nil), b.started...)
}

func (b *Binaries) logLast(n int) {
	started := b.Started()
	last := started[max(0, len(started)-n):]
	for i, p := range last {
		k := len(started) - len(last) + i + 1
		b.t.Logf("errors in operator log %d of %d (pid %d):\n%s", k, len(started), p.Pid(), ErrorLines(p.Log(), 40))
		b.t.Logf("operator log %d of %d (end):\n%s", k, len(started), p.Tail(6000))
	}
}

// ErrorLines returns the last n lines of an operator log at error level,
// the ones that explain a failed convergence (each cut at 600 bytes).
func ErrorLines(log string, n int) string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, `"level":"error"`) {
			if len(line) > 600 {
				line = line[:600]
			}
			out = append(out, line)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return strings.Join(out, "\n")
}

// WriteKubeconfig writes a kubeconfig for cfg (an envtest API server, say)
// into dir and returns its path, for operator processes.
func WriteKubeconfig(t testing.TB, cfg *rest.Config, dir string) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "admin"}
	kc.CurrentContext = "test"
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatalf("writing a kubeconfig: %v", err)
	}
	return path
}
