package redis

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/tlsutil"
)

// Secrets used by the probe tests; each must never show in a message.
const (
	probePassword = "probe-default-secret"
	probeACLPass  = "probe-acl-secret"
	probeTLSPass  = "probe-tls-secret"
)

// probeBound is how long any probe in these tests may take: the probe's
// deadline plus slack for a loaded machine.
const probeBound = 3 * time.Second

func TestProbe(t *testing.T) {
	plain := redisserver.Start(t, redisserver.Options{Password: probePassword, ACLUser: "ray", ACLPassword: probeACLPass})
	secure, ca := startTLSRedis(t, redisserver.Options{Password: probeTLSPass})
	untrusted := tlsutil.NewCA(t, "untrusted-ca")
	tlsAddr := "rediss://" + secure.Addr()

	tests := map[string]struct {
		opts Options
		want Reason
	}{
		"password":                 {opts: Options{Address: plain.Addr(), Password: probePassword}, want: ReasonOK},
		"password in the URL":      {opts: Options{Address: "redis://:" + probePassword + "@" + plain.Addr()}, want: ReasonOK},
		"wrong password":           {opts: Options{Address: plain.Addr(), Password: "not-" + probePassword}, want: ReasonAuthFailed},
		"no password":              {opts: Options{Address: plain.Addr()}, want: ReasonAuthFailed},
		"ACL user":                 {opts: Options{Address: plain.Addr(), Username: "ray", Password: probeACLPass}, want: ReasonOK},
		"ACL user, wrong password": {opts: Options{Address: plain.Addr(), Username: "ray", Password: probeACLPass + "x"}, want: ReasonAuthFailed},
		"unknown ACL user":         {opts: Options{Address: plain.Addr(), Username: "nobody", Password: probeACLPass}, want: ReasonAuthFailed},
		"TLS with the CA":          {opts: Options{Address: tlsAddr, Password: probeTLSPass, TLS: &TLSConfig{CAPEM: ca.CertPEM}}, want: ReasonOK},
		"TLS, DNS server name":     {opts: Options{Address: tlsAddr, Password: probeTLSPass, TLS: &TLSConfig{CAPEM: ca.CertPEM, ServerName: tlsServerName}}, want: ReasonOK},
		"TLS, wrong server name":   {opts: Options{Address: tlsAddr, Password: probeTLSPass, TLS: &TLSConfig{CAPEM: ca.CertPEM, ServerName: "wrong.test"}}, want: ReasonTLSFailed},
		"TLS, untrusted CA":        {opts: Options{Address: tlsAddr, Password: probeTLSPass, TLS: &TLSConfig{CAPEM: untrusted.CertPEM}}, want: ReasonTLSFailed},
		"TLS, verification off":    {opts: Options{Address: tlsAddr, Password: probeTLSPass, TLS: &TLSConfig{InsecureSkipVerify: true}}, want: ReasonOK},
		"TLS, wrong password":      {opts: Options{Address: tlsAddr, Password: probePassword, TLS: &TLSConfig{CAPEM: ca.CertPEM}}, want: ReasonAuthFailed},
		"TLS client, plain port":   {opts: Options{Address: "rediss://" + plain.Addr(), Password: probePassword, TLS: &TLSConfig{InsecureSkipVerify: true}, DialTimeout: 500 * time.Millisecond}, want: ReasonTLSFailed},
		"nothing listening":        {opts: Options{Address: closedPortAddr(t), Password: probePassword}, want: ReasonUnreachable},
		"malformed address":        {opts: Options{Address: "redis://:" + probePassword + "@", Password: probePassword}, want: ReasonInvalidOptions},
		"TLS settings, plain URL":  {opts: Options{Address: plain.Addr(), Password: probePassword, TLS: &TLSConfig{}}, want: ReasonInvalidOptions},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			got := Probe(context.Background(), tc.opts)
			elapsed := time.Since(start)
			if got.Reason != tc.want || got.Reachable != (tc.want == ReasonOK) {
				t.Fatalf("Probe = %+v, want reason %s", got, tc.want)
			}
			if got.Message == "" {
				t.Error("empty message")
			}
			t.Logf("message: %s", got.Message)
			assertNoSecret(t, got.Message)
			if elapsed > probeBound {
				t.Errorf("probe took %v, want under %v", elapsed, probeBound)
			}
		})
	}
}

// TestProbeServerStopped is a Redis outage: the probe must say so quickly,
// without retrying, and recover when Redis is back.
func TestProbeServerStopped(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{Password: probePassword})
	// A long deadline: a refused connection must not wait it out. The bound
	// below is far under it and far over the real time (milliseconds), so a
	// loaded machine cannot fail the test.
	opts := Options{Address: srv.Addr(), Password: probePassword, DialTimeout: time.Minute}
	if got := Probe(context.Background(), opts); got.Reason != ReasonOK {
		t.Fatalf("before the outage: %+v", got)
	}
	srv.Stop()
	start := time.Now()
	got := Probe(context.Background(), opts)
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("probe of a stopped server took %v, want under 10s of its 1m deadline (a refused connection needs no waiting)", elapsed)
	}
	if got.Reason != ReasonUnreachable || got.Reachable {
		t.Fatalf("after Stop: %+v, want Unreachable", got)
	}
	assertNoSecret(t, got.Message)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if got := Probe(context.Background(), opts); got.Reason != ReasonOK {
		t.Fatalf("after Restart: %+v", got)
	}
}

// TestProbeTimeout uses a TCP server that accepts connections and never
// answers (a hung Redis or a black-holing proxy): the probe must give up at
// its deadline, or at the caller's when that is sooner.
func TestProbeTimeout(t *testing.T) {
	addr := silentServer(t)
	tests := map[string]struct {
		dialTimeout time.Duration
		ctxTimeout  time.Duration
		wantMax     time.Duration
	}{
		// wantMax is far from the longer deadline (a minute), so a loaded
		// machine cannot fail it while a probe that ignored the shorter one would.
		"probe deadline":            {dialTimeout: 300 * time.Millisecond, ctxTimeout: time.Minute, wantMax: 15 * time.Second},
		"caller deadline is sooner": {dialTimeout: time.Minute, ctxTimeout: 300 * time.Millisecond, wantMax: 15 * time.Second},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tc.ctxTimeout)
			defer cancel()
			start := time.Now()
			got := Probe(ctx, Options{Address: addr, Password: probePassword, DialTimeout: tc.dialTimeout})
			elapsed := time.Since(start)
			if got.Reason != ReasonTimeout || got.Reachable {
				t.Fatalf("Probe = %+v, want Timeout", got)
			}
			if elapsed > tc.wantMax {
				t.Errorf("probe took %v, want under %v", elapsed, tc.wantMax)
			}
			assertNoSecret(t, got.Message)
		})
	}
}

func assertNoSecret(t *testing.T, msg string) {
	t.Helper()
	for _, s := range []string{probePassword, probeACLPass, probeTLSPass} {
		if strings.Contains(msg, s) {
			t.Fatalf("message shows a password: %q", msg)
		}
	}
}

// closedPortAddr returns a loopback address where nothing listens.
func closedPortAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// silentServer accepts TCP connections, reads nothing and writes nothing.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range conns {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}
