package ray

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Observer is a long-running driver (workload/observe.py) talked to over
// stdin and stdout.
type Observer struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	results chan map[string]any
	LogPath string
}

// StartObserver runs the observer in a pod's environment with extra env.
func (c *Cluster) StartObserver(ctx context.Context, in podSpec, extraEnv ...string) (*Observer, error) {
	script := filepath.Join(workloadDir(), "driver.py")
	n := c.seq.Add(1)
	logPath := filepath.Join(c.Dir, fmt.Sprintf("%02d-driver-observe.log", n))
	stderr, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, c.Venv.Python(), "-B", script, "--node-ip", in.ip, "observe")
	cmd.Env = append(append(append([]string{}, in.env...), extraEnv...), markerVar+"="+c.marker+strconv.Itoa(int(n)))
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the observer: %w", err)
	}
	o := &Observer{cmd: cmd, stdin: stdin, results: make(chan map[string]any, 8), LogPath: logPath}
	go func() {
		defer close(o.results)
		defer func() { _ = stderr.Close() }()
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line, ok := strings.CutPrefix(sc.Text(), "RESULT ")
			if !ok {
				continue
			}
			m := map[string]any{}
			if json.Unmarshal([]byte(line), &m) == nil {
				o.results <- m
			}
		}
		_ = cmd.Wait()
	}()
	return o, nil
}

// Send writes one command line.
func (o *Observer) Send(line string) error {
	_, err := io.WriteString(o.stdin, line+"\n")
	return err
}

// Next waits for the next result.
func (o *Observer) Next(timeout time.Duration) (map[string]any, error) {
	select {
	case m, ok := <-o.results:
		if !ok {
			return nil, fmt.Errorf("observer exited (log %s)", o.LogPath)
		}
		return m, nil
	case <-time.After(timeout):
		return nil, fmt.Errorf("no observer result in %s (log %s)", timeout, o.LogPath)
	}
}
