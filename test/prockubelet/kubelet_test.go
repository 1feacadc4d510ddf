package prockubelet_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/prockubelet"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// TestKubeletRunsPods runs plain shell pods on a process-kubelet node of a
// simulated cluster: scheduled by the real scheduler, started with their
// env and $(VAR) references resolved, Ready from their probe, restarted
// when they exit, removed when deleted; then the node is lost and goes
// NotReady with no process left.
func TestKubeletRunsPods(t *testing.T) {
	sim := simcluster.StartForTest(t, simcluster.Options{Nodes: 1})
	dir := t.TempDir()
	k, err := prockubelet.Start(context.Background(), prockubelet.Config{
		RESTConfig: sim.RESTConfig(), NodeName: "proc-1", Labels: map[string]string{"role": "proc"},
		Dir: dir, BaseEnv: []string{"PATH=/usr/bin:/bin"}, Log: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Kill() })
	cl := sim.Client()
	ctx := context.Background()

	// $$$$ reaches the shell as $$: the kubelet unescapes $$.
	create(t, cl, shellPod("runner", `echo "$(MY_POD_IP)" > "$HOME/ip"; echo $$$$ > "$HOME/pid"; touch "$HOME/ready"; exec sleep 300`))
	create(t, cl, shellPod("crasher", `sleep 0.5; exit 3`))
	runner := waitPod(t, cl, "runner", "Running and Ready", func(p *corev1.Pod) bool { return harness.PodRunningReady(p) })
	if want := prockubelet.PodIP(runner.UID); runner.Status.PodIP != want || runner.Status.HostIP != prockubelet.NodeIP("proc-1") {
		t.Errorf("runner podIP %s hostIP %s, want %s and %s", runner.Status.PodIP, runner.Status.HostIP, want, prockubelet.NodeIP("proc-1"))
	}
	if ip := readPodFile(t, dir, "ip"); ip != runner.Status.PodIP {
		t.Errorf("$(MY_POD_IP) in args became %q, want %s", ip, runner.Status.PodIP)
	}
	crasher := waitPod(t, cl, "crasher", "restarted", func(p *corev1.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].RestartCount >= 1 && cs[0].LastTerminationState.Terminated != nil
	})
	if code := crasher.Status.ContainerStatuses[0].LastTerminationState.Terminated.ExitCode; code != 3 {
		t.Errorf("crasher's last exit code %d, want 3", code)
	}

	// A graceful delete is finished by the kubelet long before the grace.
	if err := cl.Delete(ctx, crasher, client.GracePeriodSeconds(60)); err != nil {
		t.Fatal(err)
	}
	waitGone(t, cl, "crasher", 15*time.Second)

	pid := readPodFile(t, dir, "pid")
	lost := time.Now()
	if err := k.Kill(); err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.Atoi(pid); n <= 0 || syscall.Kill(n, 0) == nil {
		t.Errorf("runner's process %q still alive after Kill", pid)
	}
	waitNotReady(t, cl, "proc-1")
	t.Logf("node NotReady %.1f s after Kill", time.Since(lost).Seconds())
}

func shellPod(name, script string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{
			NodeSelector:                  map[string]string{"role": "proc"},
			TerminationGracePeriodSeconds: ptr.To[int64](60),
			Containers: []corev1.Container{{
				Name: "main", Image: "busybox", Command: []string{"/bin/sh", "-c"}, Args: []string{script},
				Env: []corev1.EnvVar{{Name: "MY_POD_IP", ValueFrom: &corev1.EnvVarSource{
					FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}},
				ReadinessProbe: &corev1.Probe{PeriodSeconds: 1, ProbeHandler: corev1.ProbeHandler{
					Exec: &corev1.ExecAction{Command: []string{"/bin/sh", "-c", `test -f "$HOME/ready"`}}}},
			}},
		},
	}
}

func create(t *testing.T, cl client.Client, p *corev1.Pod) {
	t.Helper()
	if err := cl.Create(context.Background(), p); err != nil {
		t.Fatalf("creating pod %s: %v", p.Name, err)
	}
}

// readPodFile reads a file a pod wrote to its HOME (the one pod folder
// holding it).
func readPodFile(t *testing.T, dir, name string) string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*", "home", name))
	if len(paths) != 1 {
		t.Fatalf("%d pod files named %s", len(paths), name)
	}
	b, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func waitPod(t *testing.T, cl client.Client, name, what string, ok func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	var p corev1.Pod
	harness.Eventually(t, 60*time.Second, "pod "+name+" "+what, func(context.Context) (bool, string, error) {
		if err := cl.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: name}, &p); err != nil {
			return false, err.Error(), nil
		}
		return ok(&p), fmt.Sprintf("status %+v", p.Status), nil
	})
	return &p
}

func waitGone(t *testing.T, cl client.Client, name string, timeout time.Duration) {
	t.Helper()
	harness.Eventually(t, timeout, "pod "+name+" removed", func(context.Context) (bool, string, error) {
		err := cl.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: name}, &corev1.Pod{})
		return apierrors.IsNotFound(err), fmt.Sprint(err), nil
	})
}

func waitNotReady(t *testing.T, cl client.Client, node string) {
	t.Helper()
	harness.Eventually(t, 30*time.Second, "node "+node+" NotReady", func(context.Context) (bool, string, error) {
		var n corev1.Node
		if err := cl.Get(context.Background(), client.ObjectKey{Name: node}, &n); err != nil {
			return false, err.Error(), nil
		}
		return !simcluster.NodeReady(&n), "Ready", nil
	})
}
