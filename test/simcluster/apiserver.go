package simcluster

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/rest"

	"github.com/ray-ha-operator/ray-ha-operator/test/freeport"
)

const (
	serviceClusterIPRange = "10.96.0.0/16"
	serviceClusterIP      = "10.96.0.1" // the kubernetes Service, first of the range
	serviceAccountIssuer  = "https://kubernetes.default.svc.cluster.local"
)

// startAPIServer runs kube-apiserver on a free loopback port with RBAC,
// static tokens and ServiceAccount token signing, and waits for /readyz.
func (c *Cluster) startAPIServer(ctx context.Context) error {
	port, err := freeport.Get()
	if err != nil {
		return err
	}
	c.server = fmt.Sprintf("https://127.0.0.1:%d", port)
	c.restConfig = restConfig(c.server, c.pki.caCertPEM, c.creds.tokens[AdminUser])
	return c.runAPIServer(ctx, port)
}

// runAPIServer starts kube-apiserver on port and waits until it is ready.
func (c *Cluster) runAPIServer(ctx context.Context, port int) error {
	args := []string{
		"--etcd-servers=" + c.etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + c.pki.servingCert,
		"--tls-private-key-file=" + c.pki.servingKey,
		"--client-ca-file=" + c.pki.caCertFile,
		"--token-auth-file=" + c.creds.tokenFile,
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=" + serviceClusterIPRange,
		"--service-account-issuer=" + serviceAccountIssuer,
		"--service-account-key-file=" + c.pki.serviceAcctKey,
		"--service-account-signing-key-file=" + c.pki.serviceAcctKey,
		// The default lease reconciler publishes the advertise address in
		// the kubernetes Endpoints and refuses loopback addresses.
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--default-not-ready-toleration-seconds=" + strconv.Itoa(c.opts.NotReadyTolerationSeconds),
		"--default-unreachable-toleration-seconds=" + strconv.Itoa(c.opts.UnreachableTolerationSeconds),
		"--cert-dir=" + filepath.Join(c.dir, "apiserver-certs"),
	}
	audit, err := c.auditArgs()
	if err != nil {
		return err
	}
	p, err := c.startComponent("kube-apiserver", "kube-apiserver", append(args, audit...), nil)
	if err != nil {
		return err
	}
	httpClient, err := rest.HTTPClientFor(c.restConfig)
	if err != nil {
		return fmt.Errorf("building API client: %w", err)
	}
	defer httpClient.CloseIdleConnections()
	return waitFor(ctx, "kube-apiserver ready", 60*time.Second, p, func(ctx context.Context) (bool, error) {
		return apiServerReady(ctx, httpClient, c.server)
	})
}

// apiServerReady asks /readyz, which passes once the RBAC bootstrap roles,
// the system namespaces and the priority classes exist.
func apiServerReady(ctx context.Context, httpClient *http.Client, server string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, server+"/readyz", nil)
	if err != nil {
		return false, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return false, nil // not serving yet
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}

// RestartAPIServer SIGKILLs kube-apiserver and starts it again on the same
// address with the same etcd, so every client (the controllers, kwok, an
// operator under test) sees the API go away and come back with its data;
// it returns once the new server is ready. down is how long the API stays
// away before the new process starts.
func (c *Cluster) RestartAPIServer(ctx context.Context, down time.Duration) error {
	old := c.component("kube-apiserver")
	if old == nil {
		return fmt.Errorf("restarting kube-apiserver: it was never started")
	}
	old.kill()
	c.opts.Log("simcluster: kube-apiserver killed (pid %d)", old.pid())
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(down):
	}
	u, err := url.Parse(c.server)
	if err != nil {
		return fmt.Errorf("restarting kube-apiserver: parsing %s: %w", c.server, err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return fmt.Errorf("restarting kube-apiserver: port of %s: %w", c.server, err)
	}
	began := time.Now()
	if err := c.runAPIServer(ctx, port); err != nil {
		return fmt.Errorf("restarting kube-apiserver: %w", err)
	}
	c.opts.Log("simcluster: kube-apiserver ready again after %s", time.Since(began).Round(time.Millisecond))
	return nil
}
