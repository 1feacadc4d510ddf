package prockubelet

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// saMountPath is where the kubelet projects a pod's ServiceAccount token,
// CA certificate and namespace; in-cluster clients (Ray's autoscaler among
// them) read these fixed paths.
const saMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"

// tokenSeconds is the projected token's lifetime, the kubelet's default.
const tokenSeconds = 3600

// serviceAccount is what a pod's containers get of its ServiceAccount: the
// folder holding token, ca.crt and namespace, and the API server's address
// as the kubelet's service env vars.
type serviceAccount struct {
	dir string
	env []string
}

// mountsServiceAccount says whether the pod's containers get its
// ServiceAccount's credentials: only on a node that projects them
// (Config.ServiceAccountTokens) and unless the pod opts out.
func (w *podWorker) mountsServiceAccount() bool {
	auto := w.pod.Spec.AutomountServiceAccountToken
	return w.k.cfg.ServiceAccountTokens && (auto == nil || *auto)
}

// mountServiceAccount projects the ServiceAccount, retrying after a back-off
// (the account may not exist yet: the pod stays ContainerCreating, as with
// the kubelet); false when the pod ended first.
func (w *podWorker) mountServiceAccount() bool {
	for attempt := 1; ; attempt++ {
		sa, err := w.projectServiceAccount(w.ctx)
		if err == nil {
			w.sa = sa
			return true
		}
		w.logf("pod %s: %v", w.pod.Name, err)
		if !w.sleep(backoff(attempt)) {
			return false
		}
	}
}

// projectServiceAccount asks the API server for a token of the pod's
// ServiceAccount bound to the pod (the TokenRequest API, as the kubelet's
// projected volume does) and writes the files a pod finds at saMountPath.
func (w *podWorker) projectServiceAccount(ctx context.Context) (*serviceAccount, error) {
	name := w.pod.Spec.ServiceAccountName
	if name == "" {
		name = "default"
	}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: ptr.To[int64](tokenSeconds),
		BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: w.pod.Name, UID: w.pod.UID},
	}}
	tok, err := w.k.cs.CoreV1().ServiceAccounts(w.pod.Namespace).CreateToken(ctx, name, req, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("requesting a token for ServiceAccount %s/%s: %w", w.pod.Namespace, name, err)
	}
	ca, err := w.k.caPEM()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(w.dir, "serviceaccount")
	files := map[string][]byte{"token": []byte(tok.Status.Token), "ca.crt": ca, "namespace": []byte(w.pod.Namespace)}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the ServiceAccount folder: %w", err)
	}
	for f, b := range files {
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			return nil, fmt.Errorf("writing the ServiceAccount's %s: %w", f, err)
		}
	}
	env, err := w.k.serviceEnv()
	if err != nil {
		return nil, err
	}
	return &serviceAccount{dir: dir, env: env}, nil
}

// caPEM is the CA certificate the API server's serving certificate chains to.
func (k *Kubelet) caPEM() ([]byte, error) {
	tls := k.cfg.RESTConfig.TLSClientConfig
	if len(tls.CAData) > 0 {
		return tls.CAData, nil
	}
	if tls.CAFile != "" {
		b, err := os.ReadFile(tls.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading the API server's CA: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("the RESTConfig names no CA for the API server")
}

// serviceEnv is the env the kubelet gives every container for the
// `kubernetes` Service: here the API server's own address, as there is no
// Service network.
func (k *Kubelet) serviceEnv() ([]string, error) {
	u, err := url.Parse(k.cfg.RESTConfig.Host)
	if err != nil {
		return nil, fmt.Errorf("parsing the API server address %q: %w", k.cfg.RESTConfig.Host, err)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return nil, fmt.Errorf("API server address %q has no port: %w", k.cfg.RESTConfig.Host, err)
	}
	return []string{"KUBERNETES_SERVICE_HOST=" + host, "KUBERNETES_SERVICE_PORT=" + port,
		"KUBERNETES_SERVICE_PORT_HTTPS=" + port}, nil
}
