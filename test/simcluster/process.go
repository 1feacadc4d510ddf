package simcluster

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// process is one running component. Each runs in its own process group so
// Stop can kill it together with anything it spawned.
type process struct {
	name    string
	bin     string
	args    []string
	env     []string
	logPath string

	cmd  *exec.Cmd
	done chan struct{}
	err  error // exit status, valid once done is closed
}

func newProcess(name, bin, logPath string, args, env []string) *process {
	return &process{name: name, bin: bin, args: args, env: env, logPath: logPath}
}

// start launches the process with stdout and stderr appended to its log.
func (p *process) start() error {
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening log of %s: %w", p.name, err)
	}
	cmd := exec.Command(p.bin, p.args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), p.env...)
	// Pdeathsig: the kernel kills the child when the test binary dies, even
	// by SIGKILL, so no component outlives its cluster.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("starting %s: %w", p.name, err)
	}
	p.cmd = cmd
	p.done = make(chan struct{})
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return nil
}

// pid is the process id, which is also its process group id.
func (p *process) pid() int {
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// exited reports whether the process has ended (and been reaped).
func (p *process) exited() bool {
	if p.done == nil {
		return true
	}
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL to the whole process group and waits for the leader to
// be reaped. Killing an ended process is a no-op.
func (p *process) kill() {
	if p.exited() {
		return
	}
	if err := syscall.Kill(-p.pid(), syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// exitError describes an unexpected exit with the end of the log, so a
// failed start says why without opening files.
func (p *process) exitError() error {
	return fmt.Errorf("%s exited (%v); last log lines:\n%s", p.name, p.err, tailFile(p.logPath, 20))
}

// tailFile returns the last n lines of a file, or a note why it cannot.
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
