package redis

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/tlsutil"
)

// tlsServerName is a DNS SAN of the test server certificate besides 127.0.0.1.
const tlsServerName = "redis.gcs.test"

func TestClientOptions(t *testing.T) {
	caPEM := tlsutil.NewCA(t, "options-ca").CertPEM
	tests := map[string]struct {
		opts       Options
		wantAddr   string
		wantUser   string
		wantPass   string
		wantDB     int
		wantDial   time.Duration
		wantTLS    *tls.Config // compared on ServerName, InsecureSkipVerify, RootCAs != nil
		wantCAPool bool
		wantErr    string
	}{
		"plain host:port": {
			opts: Options{Address: "redis:6379"}, wantAddr: "redis:6379", wantDial: DefaultDialTimeout,
		},
		"credentials from the URL": {
			opts:     Options{Address: "redis://ray:url-pass@redis:6379/2", DialTimeout: time.Second},
			wantAddr: "redis:6379", wantUser: "ray", wantPass: "url-pass", wantDB: 2, wantDial: time.Second,
		},
		"options win over the URL": {
			opts:     Options{Address: "redis://ray:url-pass@redis:6379", Username: "admin", Password: "env-pass"},
			wantAddr: "redis:6379", wantUser: "admin", wantPass: "env-pass", wantDial: DefaultDialTimeout,
		},
		"password from options, user from the URL": {
			opts:     Options{Address: "redis://ray@redis:6379", Password: "env-pass"},
			wantAddr: "redis:6379", wantUser: "ray", wantPass: "env-pass", wantDial: DefaultDialTimeout,
		},
		"rediss without TLS settings: system roots, host as server name": {
			opts: Options{Address: "rediss://redis.example:6380"}, wantAddr: "redis.example:6380", wantDial: DefaultDialTimeout,
			wantTLS: &tls.Config{ServerName: "redis.example"},
		},
		"rediss with a CA and a server name": {
			opts:     Options{Address: "rediss://10.0.0.9:6380", TLS: &TLSConfig{CAPEM: caPEM, ServerName: "redis.example"}},
			wantAddr: "10.0.0.9:6380", wantDial: DefaultDialTimeout,
			wantTLS: &tls.Config{ServerName: "redis.example"}, wantCAPool: true,
		},
		"rediss with verification off": {
			opts:     Options{Address: "rediss://[::1]:6380", TLS: &TLSConfig{InsecureSkipVerify: true}},
			wantAddr: "[::1]:6380", wantDial: DefaultDialTimeout,
			wantTLS: &tls.Config{ServerName: "::1", InsecureSkipVerify: true},
		},
		"CA that is not PEM": {
			opts: Options{Address: "rediss://redis:6380", TLS: &TLSConfig{CAPEM: []byte("not a certificate")}}, wantErr: "holds no PEM certificate",
		},
		"TLS settings with a plain address": {
			opts: Options{Address: "redis://redis:6379", TLS: &TLSConfig{CAPEM: caPEM}}, wantErr: "does not use rediss://",
		},
		"bad address": {
			opts: Options{Address: "redis"}, wantErr: "missing port",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := clientOptions(tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Addr != tc.wantAddr || got.Username != tc.wantUser || got.Password != tc.wantPass ||
				got.DB != tc.wantDB || got.DialTimeout != tc.wantDial {
				t.Errorf("got addr=%q user=%q pass=%q db=%d dial=%v, want %q %q %q %d %v",
					got.Addr, got.Username, got.Password, got.DB, got.DialTimeout,
					tc.wantAddr, tc.wantUser, tc.wantPass, tc.wantDB, tc.wantDial)
			}
			if !got.ContextTimeoutEnabled {
				t.Error("ContextTimeoutEnabled is off: callers' deadlines would not bound commands")
			}
			checkTLS(t, got.TLSConfig, tc.wantTLS, tc.wantCAPool)
		})
	}
}

// TestOptionsNeverPrintCredentials covers the fmt verbs a caller might use
// when logging Options.
func TestOptionsNeverPrintCredentials(t *testing.T) {
	opts := Options{
		Address:  "rediss://url-user:url-secret@redis:6380",
		Username: "ray", Password: "option-secret",
		TLS: &TLSConfig{ServerName: "redis.example"},
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, opts)
		if strings.Contains(out, "secret") || strings.Contains(out, "url-user") {
			t.Errorf("fmt %s printed credentials: %s", verb, out)
		}
		if !strings.Contains(out, "rediss://redis:6380") || !strings.Contains(out, "[redacted]") {
			t.Errorf("fmt %s lost the useful part: %s", verb, out)
		}
	}
	if out := fmt.Sprintf("%v", &opts); strings.Contains(out, "secret") {
		t.Errorf("pointer printed credentials: %s", out)
	}
}

func checkTLS(t *testing.T, got, want *tls.Config, wantPool bool) {
	t.Helper()
	if (got == nil) != (want == nil) {
		t.Fatalf("TLS config = %v, want %v", got, want)
	}
	if got == nil {
		return
	}
	if got.ServerName != want.ServerName || got.InsecureSkipVerify != want.InsecureSkipVerify ||
		(got.RootCAs != nil) != wantPool || got.MinVersion < tls.VersionTLS12 {
		t.Errorf("TLS config: server name %q, skip verify %v, own CA pool %v, min version %x; want %q, %v, %v",
			got.ServerName, got.InsecureSkipVerify, got.RootCAs != nil, got.MinVersion,
			want.ServerName, want.InsecureSkipVerify, wantPool)
	}
}

// TestNewClientCredentials connects to a real redis-server that has a
// password for the default user and an ACL user.
func TestNewClientCredentials(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{Password: "default-pass", ACLUser: "ray", ACLPassword: "ray-pass"})
	tests := map[string]struct {
		opts     Options
		wantUser string
		wantErr  string
	}{
		"default user, password option": {
			opts: Options{Address: srv.Addr(), Password: "default-pass"}, wantUser: "default",
		},
		"ACL user from the URL": {
			opts: Options{Address: "redis://ray:ray-pass@" + srv.Addr()}, wantUser: "ray",
		},
		"options win over wrong URL credentials": {
			opts: Options{Address: "redis://ray:stale@" + srv.Addr(), Username: "ray", Password: "ray-pass"}, wantUser: "ray",
		},
		"wrong ACL password": {
			opts: Options{Address: srv.Addr(), Username: "ray", Password: "wrong"}, wantErr: "WRONGPASS",
		},
		"no password": {
			opts: Options{Address: srv.Addr()}, wantErr: "NOAUTH",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			who, err := whoAmI(t, tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || who != tc.wantUser {
				t.Fatalf("ACL WHOAMI = %q, %v; want %q", who, err, tc.wantUser)
			}
		})
	}
}

// TestNewClientTLS talks to a TLS-only redis-server whose certificate comes
// from a CA made in the test.
func TestNewClientTLS(t *testing.T) {
	srv, ca := startTLSRedis(t, redisserver.Options{Password: "tls-pass"})
	other := tlsutil.NewCA(t, "unrelated-ca")
	tls := "rediss://" + srv.Addr()
	tests := map[string]struct {
		opts    Options
		wantErr string
		// anyErr: the server drops a plain-text client, and whether the
		// client sees EOF or a reset depends on timing.
		anyErr bool
	}{
		"CA, IP SAN":             {opts: Options{Address: tls, TLS: &TLSConfig{CAPEM: ca.CertPEM}}},
		"CA, DNS SAN":            {opts: Options{Address: tls, TLS: &TLSConfig{CAPEM: ca.CertPEM, ServerName: tlsServerName}}},
		"wrong server name":      {opts: Options{Address: tls, TLS: &TLSConfig{CAPEM: ca.CertPEM, ServerName: "elsewhere.test"}}, wantErr: "certificate is valid for"},
		"untrusted CA":           {opts: Options{Address: tls, TLS: &TLSConfig{CAPEM: other.CertPEM}}, wantErr: "unknown authority"},
		"system roots":           {opts: Options{Address: tls}, wantErr: "unknown authority"},
		"verification off":       {opts: Options{Address: tls, TLS: &TLSConfig{InsecureSkipVerify: true}}},
		"plain client, TLS port": {opts: Options{Address: srv.Addr(), DialTimeout: time.Second}, anyErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.opts.Password = "tls-pass"
			who, err := whoAmI(t, tc.opts)
			if tc.anyErr {
				if err == nil {
					t.Fatal("want an error, got none")
				}
				return
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || who != "default" {
				t.Fatalf("ACL WHOAMI over TLS = %q, %v", who, err)
			}
		})
	}
}

// whoAmI builds a client and asks Redis which user it authenticated as.
func whoAmI(t *testing.T, opts Options) (string, error) {
	t.Helper()
	client, err := NewClient(opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return client.Do(ctx, "ACL", "WHOAMI").Text()
}

// startTLSRedis runs a TLS-only redis-server with a certificate for
// 127.0.0.1 and tlsServerName, signed by a fresh test CA.
func startTLSRedis(t *testing.T, opts redisserver.Options) (*redisserver.Server, *tlsutil.CA) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs redis-server: skipped with -short")
	}
	ca := tlsutil.NewCA(t, "redis-test-ca")
	files := ca.WriteServerFiles(t, t.TempDir(), "127.0.0.1", tlsServerName)
	opts.TLS = &redisserver.TLSFiles{CertFile: files.CertFile, KeyFile: files.KeyFile, CAFile: files.CAFile}
	return redisserver.Start(t, opts), ca
}

// newTestClient is NewClient that fails the test on error and closes the
// client at the end.
func newTestClient(t *testing.T, opts Options) *goredis.Client {
	t.Helper()
	client, err := NewClient(opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}
