package operator

import (
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// MetricsServing is how the operator serves /metrics. By default over HTTPS,
// and only to callers the API server authenticates (a bearer token, checked
// with a TokenReview) and authorizes for `get` on the non-resource URL
// /metrics (a SubjectAccessReview): the metrics name every RayCluster's
// head state, which is not for every pod in the cluster to read.
type MetricsServing struct {
	// BindAddress is host:port; "0" turns the endpoint off.
	BindAddress string
	// Secure serves HTTPS with authentication and authorization; off, plain
	// HTTP open to anyone who reaches the port.
	Secure bool
	// CertPath is the folder of a serving certificate (CertName, KeyName);
	// empty: a self-signed certificate made at start.
	CertPath, CertName, KeyName string
	// EnableHTTP2 allows HTTP/2, off by default: HTTP/2 Rapid Reset and
	// Stream Cancellation (CVE-2023-44487, CVE-2023-39325) hit servers that
	// accept it, and Prometheus scrapes fine over HTTP/1.1.
	EnableHTTP2 bool
}

// DefaultMetricsServing is HTTPS on :8443 with a self-signed certificate.
func DefaultMetricsServing() MetricsServing {
	return MetricsServing{BindAddress: ":8443", Secure: true, CertName: "tls.crt", KeyName: "tls.key"}
}

// BindFlags registers the metrics flags, named as kubebuilder's scaffold
// names them so that the usual overlays and docs apply.
func (m *MetricsServing) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&m.BindAddress, "metrics-bind-address", m.BindAddress,
		"Address the metrics endpoint binds to, e.g. :8443 for HTTPS or :8080 with --metrics-secure=false; 0 disables it.")
	fs.BoolVar(&m.Secure, "metrics-secure", m.Secure,
		"Serve metrics over HTTPS to authenticated and authorized callers only (TokenReview and SubjectAccessReview for GET /metrics); false serves plain HTTP to anyone.")
	fs.StringVar(&m.CertPath, "metrics-cert-path", m.CertPath,
		"Folder holding the metrics serving certificate and key (e.g. a mounted cert-manager or service-ca Secret); empty: a self-signed certificate.")
	fs.StringVar(&m.CertName, "metrics-cert-name", m.CertName, "File name of the metrics serving certificate in --metrics-cert-path.")
	fs.StringVar(&m.KeyName, "metrics-cert-key", m.KeyName, "File name of the metrics serving key in --metrics-cert-path.")
	fs.BoolVar(&m.EnableHTTP2, "enable-http2", m.EnableHTTP2,
		"Allow HTTP/2 on the metrics server (off: HTTP/1.1 only, against the HTTP/2 Rapid Reset and Stream Cancellation attacks).")
}

// Validate refuses a certificate folder without the certificate or key:
// controller-runtime would fall back to a self-signed certificate without a
// word, and scrapes that verify the server would fail for no visible reason.
func (m MetricsServing) Validate() error {
	if !m.Secure || m.CertPath == "" {
		return nil
	}
	for _, name := range []string{m.CertName, m.KeyName} {
		if _, err := os.Stat(filepath.Join(m.CertPath, name)); err != nil {
			return fmt.Errorf("metrics serving certificate: --metrics-cert-path %s: %w", m.CertPath, err)
		}
	}
	return nil
}

// ServerOptions are the controller-runtime metrics server options.
func (m MetricsServing) ServerOptions() metricsserver.Options {
	opts := metricsserver.Options{BindAddress: m.BindAddress, SecureServing: m.Secure}
	if !m.EnableHTTP2 {
		opts.TLSOpts = append(opts.TLSOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	if !m.Secure {
		return opts
	}
	opts.FilterProvider = filters.WithAuthenticationAndAuthorization
	if m.CertPath != "" {
		opts.CertDir = filepath.Clean(m.CertPath)
		opts.CertName = m.CertName
		opts.KeyName = m.KeyName
	}
	return opts
}
