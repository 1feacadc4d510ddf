package tlsutil_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"testing"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/tlsutil"
)

// TestHandshake proves the certificates work in a real TLS handshake: the
// client trusts only the test CA and checks the server name or IP.
func TestHandshake(t *testing.T) {
	ca := tlsutil.NewCA(t, "test-ca")
	files := ca.WriteServerFiles(t, t.TempDir(), "127.0.0.1", "redis.example.test")
	serverCert, err := tls.LoadX509KeyPair(files.CertFile, files.KeyFile)
	if err != nil {
		t.Fatalf("loading the written key pair: %v", err)
	}
	caPEM, err := os.ReadFile(files.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		serverName string
		wantErr    bool
	}{
		"IP SAN":          {serverName: "127.0.0.1"},
		"DNS SAN":         {serverName: "redis.example.test"},
		"name not in SAN": {serverName: "other.example.test", wantErr: true},
		"IP not in SAN":   {serverName: "10.0.0.1", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(caPEM) {
				t.Fatal("CA file holds no certificate")
			}
			err := handshake(t, &tls.Config{Certificates: []tls.Certificate{serverCert}},
				&tls.Config{RootCAs: pool, ServerName: tc.serverName})
			if (err != nil) != tc.wantErr {
				t.Fatalf("handshake error = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}

// TestUntrustedCA checks that a certificate from one test CA is not accepted
// with another's, so tests that rely on "wrong CA fails" are meaningful.
func TestUntrustedCA(t *testing.T) {
	kp := tlsutil.NewCA(t, "ca-one").IssueServer(t, "127.0.0.1")
	serverCert, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(tlsutil.NewCA(t, "ca-two").Cert)
	err = handshake(t, &tls.Config{Certificates: []tls.Certificate{serverCert}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err == nil {
		t.Fatal("handshake succeeded with a CA that did not sign the server certificate")
	}
}

// handshake runs a TLS handshake over loopback TCP (net.Pipe is unbuffered
// and deadlocks when both sides write at once on failure).
func handshake(t *testing.T, server, client *tls.Config) error {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", server)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		_ = conn.(*tls.Conn).Handshake()
		conn.Close()
	}()
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(dialer, "tcp", ln.Addr().String(), client)
	if err != nil {
		return err
	}
	return conn.Close()
}
