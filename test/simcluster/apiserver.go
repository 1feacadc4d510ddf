package simcluster

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/rest"
)

const (
	serviceClusterIPRange = "10.96.0.0/16"
	serviceClusterIP      = "10.96.0.1" // the kubernetes Service, first of the range
	serviceAccountIssuer  = "https://kubernetes.default.svc.cluster.local"
)

// startAPIServer runs kube-apiserver on a free loopback port with RBAC,
// static tokens and ServiceAccount token signing, and waits for /readyz.
func (c *Cluster) startAPIServer(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	c.server = fmt.Sprintf("https://127.0.0.1:%d", port)
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
	p, err := c.startComponent("kube-apiserver", "kube-apiserver", args, nil)
	if err != nil {
		return err
	}
	c.restConfig = restConfig(c.server, c.pki.caCertPEM, c.creds.tokens[AdminUser])
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
