/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/freeport"
	"github.com/ray-ha-operator/ray-ha-operator/test/operatorproc"
)

// OperatorProcess is the operator binary run by a program that is not a
// test (the demo; tests use Binaries), with its metrics (HTTPS, the
// operator's default) and probe endpoints on free loopback ports.
type OperatorProcess struct {
	*operatorproc.Process
	// MetricsAddr serves /metrics; read it with ScrapeMetrics.
	MetricsAddr string
	// ProbeAddr serves /healthz and /readyz.
	ProbeAddr string
	// LogPath is the process's log.
	LogPath string
}

// StartOperatorProcess starts the binary (operatorproc.StartProcess, home
// its private HOME) with the endpoints added to o.Args and waits, up to
// timeout, until /readyz answers 200. The caller stops it.
func StartOperatorProcess(ctx context.Context, home string, o operatorproc.Options, timeout time.Duration) (*OperatorProcess, error) {
	return StartOperatorProcessWith(ctx, home, o, EndpointFlags{Metrics: "--metrics-bind-address", Probe: "--health-probe-bind-address"}, timeout)
}

// EndpointFlags name the flags that set an operator's metrics and probe
// addresses: this operator's, or another's (KubeRay's --metrics-addr).
type EndpointFlags struct {
	Metrics, Probe string
}

// StartOperatorProcessWith is StartOperatorProcess for a binary whose
// endpoint flags are named otherwise (with o.OnlyArgs for one that has
// none of this operator's other flags).
func StartOperatorProcessWith(ctx context.Context, home string, o operatorproc.Options, flags EndpointFlags, timeout time.Duration) (*OperatorProcess, error) {
	metrics, err := loopbackAddr()
	if err != nil {
		return nil, err
	}
	probe, err := loopbackAddr()
	if err != nil {
		return nil, err
	}
	o.Args = append([]string{flags.Metrics + "=" + metrics, flags.Probe + "=" + probe}, o.Args...)
	proc, err := operatorproc.StartProcess(home, o)
	if err != nil {
		return nil, err
	}
	p := &OperatorProcess{Process: proc, MetricsAddr: metrics, ProbeAddr: probe, LogPath: o.LogPath}
	if _, err := Wait(ctx, timeout, "the operator ready on http://"+probe+"/readyz", p.While(p.ready)); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// Running is nil while the process runs; afterwards it says how it ended,
// with the end of its log.
func (p *OperatorProcess) Running() error {
	if !p.Exited() {
		return nil
	}
	return fmt.Errorf("the operator exited (%v); end of %s:\n%s", p.ExitError(), p.LogPath, p.Tail(2000))
}

// While is cond that ends the wait at once when the operator has exited:
// what only the operator does will not happen any more.
func (p *OperatorProcess) While(cond Condition) Condition {
	return func(ctx context.Context) (bool, string, error) {
		if err := p.Running(); err != nil {
			return false, "", err
		}
		return cond(ctx)
	}
}

func (p *OperatorProcess) ready(ctx context.Context) (bool, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.ProbeAddr+"/readyz", nil)
	if err != nil {
		return false, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err.Error(), nil
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK, "HTTP " + strconv.Itoa(resp.StatusCode), nil
}

func loopbackAddr() (string, error) {
	port, err := freeport.Get()
	if err != nil {
		return "", err
	}
	return "127.0.0.1:" + strconv.Itoa(port), nil
}
