/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// EnvKubeRay names KubeRay's real operator binary (`make kuberay` builds it
// from hack/kuberay); the Makefile sets it. Without it the tests use
// bin/kuberay-operator-<KubeRayVersion> at the module root.
const EnvKubeRay = "KUBERAY_OPERATOR"

// KubeRayVersion is the KubeRay release hack/kuberay pins; keep it equal
// to the Makefile's KUBERAY_VERSION.
const KubeRayVersion = "v1.5.0"

// kubeRayModule is the module KubeRay's operator and CRDs come from.
const kubeRayModule = "github.com/ray-project/kuberay/ray-operator"

// KubeRayBinary returns the path of KubeRay's operator binary. Without it
// the test is skipped, saying how to build it; in CI (CI=true) it fails
// instead, since there the test must run.
func KubeRayBinary(t testing.TB) string {
	t.Helper()
	bin, err := FindKubeRay()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("KubeRay test cannot run in CI: %v (make test builds it with make kuberay)", err)
		}
		t.Skipf("KubeRay test skipped: %v", err)
	}
	return bin
}

// FindKubeRay locates KubeRay's operator binary: $KUBERAY_OPERATOR, else
// bin/kuberay-operator-<version> of the source tree.
func FindKubeRay() (string, error) {
	bin := os.Getenv(EnvKubeRay)
	if bin == "" {
		root, err := testbin.ModuleRoot()
		if err != nil {
			return "", err
		}
		bin = filepath.Join(root, "bin", "kuberay-operator-"+KubeRayVersion)
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("no KubeRay operator at %s (run `make kuberay`): %w", bin, err)
	}
	return bin, nil
}

// KubeRayCRDDir returns the folder of KubeRay's CRDs (RayCluster, RayJob,
// RayService) in the module cache, where building hack/kuberay put the
// module: the tests read them from there rather than keep a copy.
func KubeRayCRDDir(t testing.TB) string {
	t.Helper()
	dir, err := FindKubeRayCRDs()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// FindKubeRayCRDs locates KubeRay's CRDs in the module cache through
// `go list -m` in hack/kuberay.
func FindKubeRayCRDs() (string, error) {
	root, err := testbin.ModuleRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", kubeRayModule)
	cmd.Dir = filepath.Join(root, "hack", "kuberay")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locating %s in the module cache (go list -m in hack/kuberay; run `make kuberay`): %w", kubeRayModule, err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "config", "crd", "bases")
	if _, err := os.Stat(filepath.Join(dir, "ray.io_rayclusters.yaml")); err != nil {
		return "", fmt.Errorf("KubeRay's CRDs not found: %w", err)
	}
	return dir, nil
}

// KubeRay is a running KubeRay operator process.
type KubeRay struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error
}

// KubeRayOptions shape a KubeRay process.
type KubeRayOptions struct {
	// Kubeconfig is the cluster it runs against.
	Kubeconfig string
	// Namespace is where it would run in a cluster: its leader-election
	// Lease goes there (out of a cluster it cannot find its own).
	Namespace string
	// Args are more flags.
	Args []string
}

// StartKubeRay runs KubeRay's operator as its Deployment does (leader
// election on, its default), without metrics or probe endpoints, so that
// parallel tests do not clash on ports. It is stopped with SIGTERM when
// the test ends.
func StartKubeRay(t testing.TB, o KubeRayOptions) *KubeRay {
	t.Helper()
	bin := KubeRayBinary(t)
	k := &KubeRay{logPath: filepath.Join(t.TempDir(), "kuberay-operator.log"), done: make(chan struct{})}
	log, err := os.Create(k.logPath)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--metrics-addr=0", "--health-probe-bind-address=0",
		"--leader-election-namespace=" + o.Namespace}, o.Args...)
	k.cmd = exec.Command(bin, args...)
	k.cmd.Env = append(os.Environ(), "KUBECONFIG="+o.Kubeconfig)
	k.cmd.Stdout, k.cmd.Stderr = log, log
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := k.cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("starting KubeRay's operator: %v", err)
	}
	go func() {
		k.err = k.cmd.Wait()
		log.Close()
		close(k.done)
	}()
	t.Cleanup(func() {
		k.Stop()
		if t.Failed() {
			t.Logf("KubeRay operator log (end):\n%s", k.Tail(6000))
		}
	})
	return k
}

// Stop sends SIGTERM, as the kubelet does when its Deployment is scaled to
// zero, and waits until the process has exited (SIGKILL after 30 s, the
// kubelet's default grace).
func (k *KubeRay) Stop() {
	select {
	case <-k.done:
		return
	default:
	}
	if err := k.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		_ = k.cmd.Process.Kill()
	}
	select {
	case <-k.done:
	case <-time.After(30 * time.Second):
		_ = k.cmd.Process.Kill()
		<-k.done
	}
}

// Exited says whether the process has ended, and with what.
func (k *KubeRay) Exited() (bool, error) {
	select {
	case <-k.done:
		return true, k.err
	default:
		return false, nil
	}
}

// While ends a wait with an error when KubeRay has exited: a crashed
// operator will not make the awaited change.
func (k *KubeRay) While(cond Condition) Condition {
	return func(ctx context.Context) (bool, string, error) {
		if done, err := k.Exited(); done {
			return false, "", fmt.Errorf("KubeRay's operator exited (%v):\n%s", err, k.Tail(3000))
		}
		return cond(ctx)
	}
}

// Tail is the end of its log, at most n bytes.
func (k *KubeRay) Tail(n int) string {
	b, err := os.ReadFile(k.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
