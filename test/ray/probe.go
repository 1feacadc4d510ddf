package ray

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// ProbeResult is one probe run.
type ProbeResult struct {
	OK     bool
	Detail string
	Took   time.Duration
}

// RunProbe runs one probe handler the way the kubelet does: an HTTP GET to
// the pod IP that succeeds on 200-399, an exec command (run with the
// container's env) that succeeds on exit 0, or a TCP connect; each bounded by
// the probe's timeoutSeconds.
func RunProbe(ctx context.Context, p *corev1.Probe, podIP string, env []string) ProbeResult {
	timeout := time.Duration(p.TimeoutSeconds) * time.Second
	if timeout == 0 {
		timeout = time.Second // the API default
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	var r ProbeResult
	switch {
	case p.HTTPGet != nil:
		r = httpProbe(ctx, p.HTTPGet, podIP)
	case p.Exec != nil:
		r = execProbe(ctx, p.Exec.Command, env)
	case p.TCPSocket != nil:
		r = tcpProbe(ctx, net.JoinHostPort(podIP, p.TCPSocket.Port.String()))
	default:
		r = ProbeResult{Detail: "probe has no handler"}
	}
	r.Took = time.Since(start)
	return r
}

func httpProbe(ctx context.Context, g *corev1.HTTPGetAction, podIP string) ProbeResult {
	host := g.Host
	if host == "" {
		host = podIP
	}
	scheme := "http"
	if g.Scheme == corev1.URISchemeHTTPS {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(host, strconv.Itoa(g.Port.IntValue())), g.Path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return ProbeResult{Detail: err.Error()}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ProbeResult{Detail: err.Error()}
	}
	defer func() { _ = resp.Body.Close() }()
	ok := resp.StatusCode >= 200 && resp.StatusCode < 400
	return ProbeResult{OK: ok, Detail: fmt.Sprintf("GET %s: %s", url, resp.Status)}
}

func execProbe(ctx context.Context, argv, env []string) ProbeResult {
	if len(argv) == 0 {
		return ProbeResult{Detail: "empty exec probe"}
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return ProbeResult{Detail: fmt.Sprintf("exec: %v: %s", err, out)}
	}
	return ProbeResult{OK: true, Detail: fmt.Sprintf("exec: exit 0: %s", out)}
}

func tcpProbe(ctx context.Context, addr string) ProbeResult {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return ProbeResult{Detail: err.Error()}
	}
	_ = c.Close()
	return ProbeResult{OK: true, Detail: "connected to " + addr}
}
