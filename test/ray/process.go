package ray

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// markerVar is set in every pod process's environment. Ray's children
// (gcs_server, raylet, dashboard, agents, workers) inherit it, so the
// processes of one pod can be found and killed together even when they left
// the process group, as a container runtime kills a whole container. It is
// not enough alone: Ray's agents set their process title over the memory
// that /proc/<pid>/environ shows, which can erase the marker, so killing
// also goes by process group and by open files (see KillUnder).
const markerVar = "RAY_TEST_POD"

// PodProcess is one rendered container run as a local process group.
type PodProcess struct {
	Name    string
	LogPath string
	Started time.Time

	marker string
	cmd    *exec.Cmd
	done   chan struct{}

	mu     sync.Mutex
	exited time.Time
	err    error
}

// StartPod runs argv with env (NAME=value pairs, after the base env) in a new
// process group; output goes to logPath. marker must be unique per pod.
func StartPod(name, marker string, argv, env []string, logPath string) (*PodProcess, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("pod %s: empty command", name)
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("pod %s: creating log: %w", name, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	// Later entries win in exec.Cmd.Env, so the marker cannot be overridden.
	cmd.Env = append(append([]string{}, env...), markerVar+"="+marker)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &PodProcess{Name: name, LogPath: logPath, marker: marker, cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("pod %s: starting %s: %w", name, argv[0], err)
	}
	p.Started = time.Now()
	go func() {
		err := cmd.Wait()
		_ = logFile.Close()
		p.mu.Lock()
		p.exited, p.err = time.Now(), err
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// Done is closed when the pod's main process has exited.
func (p *PodProcess) Done() <-chan struct{} { return p.done }

// Exited reports when the main process exited and how; zero time while it runs.
func (p *PodProcess) Exited() (time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exited, p.err
}

// Running reports whether the main process is still running.
func (p *PodProcess) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Kill SIGKILLs the process group and every process carrying the pod's
// marker, the way a container's processes all die with it, and waits until
// none is left (at most 10 s).
func (p *PodProcess) Kill() error {
	p.KillGroup()
	if err := KillMarked(p.marker, 10*time.Second); err != nil {
		return fmt.Errorf("pod %s: %w", p.Name, err)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		return fmt.Errorf("pod %s: main process %d not reaped after SIGKILL", p.Name, p.cmd.Process.Pid)
	}
	return nil
}

// KillGroup SIGKILLs the pod's process group, where Ray keeps its children.
func (p *PodProcess) KillGroup() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
}

// PidsByName returns the pod's processes whose command name is comm.
func (p *PodProcess) PidsByName(comm string) []int {
	var out []int
	for _, pid := range markedPids(p.marker, false) {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "comm"))
		if err == nil && string(bytes.TrimSpace(b)) == comm {
			out = append(out, pid)
		}
	}
	return out
}

// KillMarked SIGKILLs every process whose marker equals marker (or starts
// with it when it ends in "/"), until none is left or timeout passes.
func KillMarked(marker string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	prefix := len(marker) > 0 && marker[len(marker)-1] == '/'
	for {
		pids := markedPids(marker, prefix)
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v with %s=%s still alive after SIGKILL", pids, markerVar, marker)
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// KillUnder SIGKILLs every process that has a file open under dir (Ray
// processes keep their logs open in their temp dir), until none is left or
// timeout passes.
func KillUnder(dir string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		pids := pidsWithFilesUnder(dir)
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v with files under %s still alive after SIGKILL", pids, dir)
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func pidsWithFilesUnder(dir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	prefix := filepath.Clean(dir) + "/"
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() || isZombie(pid) {
			continue
		}
		fds, err := os.ReadDir(filepath.Join("/proc", e.Name(), "fd"))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join("/proc", e.Name(), "fd", fd.Name()))
			if err == nil && strings.HasPrefix(target, prefix) {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

// markedPids scans /proc for live (not zombie) processes carrying the marker.
func markedPids(marker string, prefix bool) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	want := []byte(markerVar + "=" + marker)
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !hasMarker(env, want, prefix) || isZombie(pid) {
			continue
		}
		out = append(out, pid)
	}
	return out
}

func hasMarker(environ, want []byte, prefix bool) bool {
	for _, kv := range bytes.Split(environ, []byte{0}) {
		if bytes.Equal(kv, want) || prefix && bytes.HasPrefix(kv, want) {
			return true
		}
	}
	return false
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true
	}
	// The state follows the parenthesised command name, which may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] == 'Z'
}

// ErrNotRunning is returned by checks on a pod whose main process exited.
var ErrNotRunning = errors.New("pod process not running")
