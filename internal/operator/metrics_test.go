/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"crypto/tls"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMetricsServingOptions(t *testing.T) {
	certs := t.TempDir()
	for _, f := range []string{"tls.crt", "tls.key"} {
		if err := os.WriteFile(filepath.Join(certs, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := map[string]struct {
		args                       []string
		wantSecure, wantFilter     bool
		wantCertDir, wantNextProto string
		wantErr                    string
	}{
		"defaults: HTTPS, authorized, HTTP/1.1": {wantSecure: true, wantFilter: true, wantNextProto: "http/1.1"},
		"plain HTTP":                            {args: []string{"--metrics-secure=false", "--metrics-bind-address=:8080"}, wantNextProto: "http/1.1"},
		"HTTP/2 allowed":                        {args: []string{"--enable-http2"}, wantSecure: true, wantFilter: true},
		"mounted certificate": {
			args:       []string{"--metrics-cert-path=" + certs},
			wantSecure: true, wantFilter: true, wantCertDir: certs, wantNextProto: "http/1.1",
		},
		"certificate folder without the key": {
			args:    []string{"--metrics-cert-path=" + certs, "--metrics-cert-key=other.key"},
			wantErr: "other.key",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fs := flag.NewFlagSet(name, flag.ContinueOnError)
			m := DefaultMetricsServing()
			m.BindFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := m.Validate()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Validate() = %v, want an error naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate() = %v", err)
			}
			o := m.ServerOptions()
			if o.SecureServing != tc.wantSecure || (o.FilterProvider != nil) != tc.wantFilter || o.CertDir != tc.wantCertDir {
				t.Fatalf("options: secure %v filter %v certDir %q; want %v %v %q",
					o.SecureServing, o.FilterProvider != nil, o.CertDir, tc.wantSecure, tc.wantFilter, tc.wantCertDir)
			}
			cfg := &tls.Config{NextProtos: []string{"h2"}}
			for _, opt := range o.TLSOpts {
				opt(cfg)
			}
			if got := strings.Join(cfg.NextProtos, ","); tc.wantNextProto != "" && got != tc.wantNextProto {
				t.Fatalf("ALPN %q, want %q", got, tc.wantNextProto)
			}
			if tc.wantNextProto == "" && len(o.TLSOpts) != 0 {
				t.Fatalf("HTTP/2 allowed but %d TLS options restrict it", len(o.TLSOpts))
			}
		})
	}
}
