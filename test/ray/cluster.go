package ray

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Node IPs of the two Ray nodes. Linux routes all of 127.0.0.0/8 to
// loopback, so each node gets its own address without any setup. Not
// 127.0.0.1: `ray start` replaces that address (and "localhost") by the
// machine's outward IP.
const (
	HeadIP   = "127.0.0.2"
	WorkerIP = "127.0.0.3"
)

// Cluster runs the pods of one rendered RayCluster as local processes.
type Cluster struct {
	Venv     Venv
	Rendered *RenderedCluster
	Objects  Objects
	// Dir holds the pods' temp dirs and logs.
	Dir string
	// GCSPort is the head's GCS port (rayStartParams.port).
	GCSPort int
	// HeadTempDir and WorkerTempDir are the nodes' --temp-dir.
	HeadTempDir, WorkerTempDir string

	marker string
	seq    atomic.Int32
	mu     sync.Mutex
	pods   []*PodProcess
}

// NewCluster prepares a cluster; every process it starts is killed when the
// test ends, pass or fail.
func NewCluster(t testing.TB, venv Venv, rc *RenderedCluster, objs Objects, dir string, gcsPort int) *Cluster {
	t.Helper()
	c := &Cluster{Venv: venv, Rendered: rc, Objects: objs, Dir: dir, GCSPort: gcsPort,
		marker: fmt.Sprintf("raytest-%d-%s/", os.Getpid(), filepath.Base(dir))}
	t.Cleanup(func() {
		if err := c.KillAll(); err != nil {
			t.Errorf("cleaning up Ray processes: %v", err)
		}
	})
	return c
}

// podSpec is a container ready to run: argv and resolved env.
type podSpec struct {
	name string
	ip   string
	argv []string
	env  []string
	c    corev1.Container
}

// container resolves one container of a rendered pod template.
func (c *Cluster) container(tmpl corev1.PodTemplateSpec, ip string, ctr corev1.Container) (podSpec, error) {
	facts := PodFacts{Name: tmpl.Name, Namespace: c.Rendered.Namespace, IP: ip,
		Labels: tmpl.Labels, Annotations: tmpl.Annotations}
	env, err := ResolveEnv(ctr.Env, facts, c.Objects)
	if err != nil {
		return podSpec{}, err
	}
	argv := append(append([]string{}, ctr.Command...), ctr.Args...)
	if fqdn := c.Rendered.HeadFQDN; fqdn != "" {
		// The one deviation from the rendered pod: no cluster DNS here.
		env = ReplaceInEnv(env, fqdn, HeadIP)
		for i := range argv {
			argv[i] = strings.ReplaceAll(argv[i], fqdn, HeadIP)
		}
	}
	return podSpec{name: tmpl.Name + "/" + ctr.Name, ip: ip, argv: argv, env: append(c.baseEnv(), env...), c: ctr}, nil
}

// baseEnv is what the Ray image provides before the pod's env: PATH with
// Ray's virtualenv first and a HOME of its own.
func (c *Cluster) baseEnv() []string {
	return []string{
		"PATH=" + c.Venv.BinDir() + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + filepath.Join(c.Dir, "home"),
		"LANG=C.UTF-8",
	}
}

// HeadSpec is the head's Ray container.
func (c *Cluster) HeadSpec() (podSpec, error) {
	return c.container(c.Rendered.Head, HeadIP, c.Rendered.Head.Spec.Containers[0])
}

// WorkerSpec is the Ray container of a worker group.
func (c *Cluster) WorkerSpec(group string) (podSpec, error) {
	tmpl, ok := c.Rendered.Workers[group]
	if !ok {
		return podSpec{}, fmt.Errorf("no worker group %q rendered", group)
	}
	return c.container(tmpl, WorkerIP, tmpl.Spec.Containers[0])
}

// InitSpec is a named init container of a worker group.
func (c *Cluster) InitSpec(group, name string) (podSpec, error) {
	tmpl := c.Rendered.Workers[group]
	for _, ic := range tmpl.Spec.InitContainers {
		if ic.Name == name {
			return c.container(tmpl, WorkerIP, ic)
		}
	}
	return podSpec{}, fmt.Errorf("worker group %q has no init container %q", group, name)
}

// NewHeadFilesystem moves the head's Ray temp dir aside, as a replacement
// head pod starts with a fresh filesystem. Without it `ray start --head`
// reads the old cluster's address file there, sees the worker's processes
// (which would be in other pods) still naming that GCS address, and refuses
// to start "a second cluster".
func (c *Cluster) NewHeadFilesystem() error {
	n := c.seq.Add(1)
	if err := os.Rename(c.HeadTempDir, fmt.Sprintf("%s.old-%02d", c.HeadTempDir, n)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("moving the old head's temp dir aside: %w", err)
	}
	return nil
}

// Start runs a container as a pod process.
func (c *Cluster) Start(s podSpec) (*PodProcess, error) {
	n := c.seq.Add(1)
	logPath := filepath.Join(c.Dir, fmt.Sprintf("%02d-%s.log", n, strings.ReplaceAll(s.name, "/", "_")))
	if err := os.MkdirAll(filepath.Join(c.Dir, "home"), 0o755); err != nil {
		return nil, err
	}
	p, err := StartPod(s.name, c.marker+strconv.Itoa(int(n)), s.argv, s.env, logPath)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.pods = append(c.pods, p)
	c.mu.Unlock()
	return p, nil
}

// Running returns the started pods of that name whose main process runs.
func (c *Cluster) Running(name string) []*PodProcess {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*PodProcess
	for _, p := range c.pods {
		if p.Name == name && p.Running() {
			out = append(out, p)
		}
	}
	return out
}

// KillAll kills every process the cluster started, drivers included: by
// process group, by marker, and by open files under the cluster's folder.
func (c *Cluster) KillAll() error {
	c.mu.Lock()
	pods := slices.Clone(c.pods)
	c.mu.Unlock()
	for _, p := range pods {
		p.KillGroup()
	}
	if err := KillMarked(c.marker, 15*time.Second); err != nil {
		return err
	}
	return KillUnder(c.Dir, 15*time.Second)
}

// WaitProbe runs a probe every interval until it succeeds, the pod's main
// process exits, or ctx ends; it returns when the first success came.
func (c *Cluster) WaitProbe(ctx context.Context, s podSpec, p *corev1.Probe, pod *PodProcess, interval time.Duration) (time.Time, error) {
	for {
		if r := RunProbe(ctx, p, s.ip, s.env); r.OK {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("probe of %s never succeeded: %w", s.name, ctx.Err())
		case <-pod.Done():
			return time.Time{}, fmt.Errorf("%s exited before its probe succeeded (log %s): %w", s.name, pod.LogPath, ErrNotRunning)
		case <-time.After(interval):
		}
	}
}

// WaitTCP waits until addr accepts connections or pod exits; it returns
// when addr did.
func WaitTCP(ctx context.Context, addr string, pod *PodProcess) (time.Time, error) {
	for {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = conn.Close()
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("waiting for %s: %w", addr, ctx.Err())
		case <-pod.Done():
			return time.Time{}, fmt.Errorf("%s exited before %s accepted connections (log %s): %w", pod.Name, addr, pod.LogPath, ErrNotRunning)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Driver runs the workload script in a pod's environment (as `kubectl exec`
// into it would) and returns its RESULT lines.
func (c *Cluster) Driver(ctx context.Context, in podSpec, args ...string) ([]map[string]any, error) {
	script := filepath.Join(workloadDir(), "driver.py")
	// -B: no __pycache__ in the source tree.
	argv := append([]string{c.Venv.Python(), "-B", script, "--node-ip", in.ip}, args...)
	n := c.seq.Add(1)
	logPath := filepath.Join(c.Dir, fmt.Sprintf("%02d-driver-%s.log", n, args[len(args)-1]))
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(append([]string{}, in.env...), markerVar+"="+c.marker+strconv.Itoa(int(n)))
	stderr, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer func() { _ = stderr.Close() }()
	cmd.Stderr = stderr
	out, err := cmd.Output()
	results := parseResults(string(out))
	if err != nil {
		return results, fmt.Errorf("driver %v: %w (stderr in %s)", args, err, logPath)
	}
	return results, nil
}

// parseResults reads the "RESULT <json>" lines of a driver's output.
func parseResults(out string) []map[string]any {
	var res []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "RESULT ")
		if !ok {
			continue
		}
		m := map[string]any{}
		if json.Unmarshal([]byte(line), &m) == nil {
			res = append(res, m)
		}
	}
	return res
}

// workloadDir is the folder of the Python workload scripts (go test runs in
// the package folder).
func workloadDir() string {
	wd, _ := os.Getwd()
	return filepath.Join(wd, "workload")
}

// UnixTime converts a driver's Unix seconds to a time.Time.
func UnixTime(v any) time.Time {
	f, _ := v.(float64)
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9))
}
