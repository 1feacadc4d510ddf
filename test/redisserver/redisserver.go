// Package redisserver starts a real redis-server for tests on a free
// loopback port, optionally with a password, an ACL user and TLS, and stops
// it when the test ends.
package redisserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/freeport"
)

// Options configures a server.
type Options struct {
	// Password is required from the default user (requirepass) when set.
	Password string
	// ACLUser and ACLPassword add a user with full access.
	ACLUser     string
	ACLPassword string
	// TLS serves TLS only (no plain port) with these files when set.
	TLS *TLSFiles
	// ExtraConfig lines are appended to redis.conf as they are, for tests
	// that need a server set up unusually (e.g. a renamed command).
	ExtraConfig []string
}

// TLSFiles are PEM files for a TLS server.
type TLSFiles struct {
	CertFile, KeyFile, CAFile string
}

// Server is a running redis-server.
type Server struct {
	Host string
	Port int
	opts Options
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Start runs redis-server for the test; it is killed in t.Cleanup.
// Skipped with -short.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("needs redis-server: skipped with -short")
	}
	s, err := StartProcess(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// StartProcess runs redis-server with its files in dir; the caller stops it.
func StartProcess(dir string, opts Options) (*Server, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, errors.New("redis-server not found on PATH: run `make redis-server-check` or install Debian's redis-server")
	}
	port, err := freeport.Get()
	if err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", Port: port, opts: opts, dir: dir}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) config() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bind 127.0.0.1\nprotected-mode no\ndir %s\nsave \"\"\nappendonly no\n", s.dir)
	if s.opts.TLS != nil {
		fmt.Fprintf(&b, "port 0\ntls-port %d\ntls-cert-file %s\ntls-key-file %s\ntls-ca-cert-file %s\ntls-auth-clients no\n",
			s.Port, s.opts.TLS.CertFile, s.opts.TLS.KeyFile, s.opts.TLS.CAFile)
	} else {
		fmt.Fprintf(&b, "port %d\n", s.Port)
	}
	if s.opts.Password != "" {
		fmt.Fprintf(&b, "requirepass %s\n", s.opts.Password)
	}
	if s.opts.ACLUser != "" {
		fmt.Fprintf(&b, "user %s on >%s ~* &* +@all\n", s.opts.ACLUser, s.opts.ACLPassword)
	}
	for _, line := range s.opts.ExtraConfig {
		b.WriteString(line + "\n")
	}
	return b.String()
}

func (s *Server) start() error {
	conf := filepath.Join(s.dir, "redis.conf")
	if err := os.WriteFile(conf, []byte(s.config()), 0o600); err != nil {
		return fmt.Errorf("writing redis.conf: %w", err)
	}
	logFile, err := os.OpenFile(filepath.Join(s.dir, "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command("redis-server", conf)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Die with the test process, even on SIGKILL of the test binary.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("starting redis-server: %w", err)
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func() { _ = cmd.Wait(); logFile.Close(); close(s.done) }()
	return s.waitListening(10 * time.Second)
}

func (s *Server) waitListening(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("redis-server exited at start; log:\n%s", s.Log())
		default:
		}
		conn, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("redis-server not listening on %s after %s", s.Addr(), timeout)
}

// Log returns the server's log so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	return string(b)
}

// Stop kills the server (an outage, from a client's point of view) and waits
// for it to exit. Calling it twice is fine.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Restart starts the server again on the same port (data is not persisted).
func (s *Server) Restart() error {
	s.Stop()
	return s.start()
}

// Running reports whether the process is alive.
func (s *Server) Running() bool {
	select {
	case <-s.done:
		return false
	default:
		return s.cmd != nil
	}
}

// Ping sends a raw PING (with AUTH when a password is set) over plain TCP and
// returns the reply line; it needs no client library. Not for TLS servers.
func (s *Server) Ping(ctx context.Context) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr())
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	r := bufio.NewReader(conn)
	if s.opts.Password != "" {
		if _, err := fmt.Fprintf(conn, "AUTH %s\r\n", s.opts.Password); err != nil {
			return "", err
		}
		if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "+OK") {
			return strings.TrimSpace(line), fmt.Errorf("AUTH failed: %q %v", strings.TrimSpace(line), err)
		}
	}
	if _, err := fmt.Fprint(conn, "PING\r\n"); err != nil {
		return "", err
	}
	line, err := r.ReadString('\n')
	return strings.TrimSpace(line), err
}
