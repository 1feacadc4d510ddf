package redis

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Reason says why a probe failed, or OK. The values are UpperCamelCase so
// they can serve as condition reasons as they are.
type Reason string

const (
	// ReasonOK means Redis accepted the credentials and answered PING.
	ReasonOK Reason = "OK"
	// ReasonUnreachable means no connection: refused, no route, DNS failure,
	// or the server closed it.
	ReasonUnreachable Reason = "Unreachable"
	// ReasonAuthFailed means Redis refused the user name or password, or a
	// password is required and none was given.
	ReasonAuthFailed Reason = "AuthFailed"
	// ReasonTLSFailed means the TLS handshake failed: untrusted or mismatched
	// certificate, or TLS spoken to a plain port.
	ReasonTLSFailed Reason = "TLSFailed"
	// ReasonTimeout means Redis did not answer within the probe's deadline.
	ReasonTimeout Reason = "Timeout"
	// ReasonInvalidOptions means the address or TLS settings cannot be used;
	// retrying does not help until they change.
	ReasonInvalidOptions Reason = "InvalidOptions"
)

// DefaultProbeTimeout bounds a probe when Options.DialTimeout is 0: the
// operator probes often and must not stall a reconcile on a dead Redis.
const DefaultProbeTimeout = 2 * time.Second

// ProbeResult is what a probe found. Message is for humans and never holds a
// credential.
type ProbeResult struct {
	Reachable bool
	Reason    Reason
	Message   string
}

// Probe opens a fresh connection (TCP, TLS when asked, AUTH) and sends PING,
// all within Options.DialTimeout (DefaultProbeTimeout when 0) or ctx's
// deadline, whichever comes first. It does not retry: the caller probes again
// on its next reconcile.
func Probe(ctx context.Context, opts Options) ProbeResult {
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultProbeTimeout
	}
	ro, err := clientOptions(opts)
	if err != nil {
		return ProbeResult{Reason: ReasonInvalidOptions, Message: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	where := "Redis at " + safeAddress(opts.Address)

	// The probe dials before handing the connection to go-redis, so that it
	// knows which step failed: a TLS handshake that hangs (TLS spoken to a
	// plain port) is a TLS problem, not a slow Redis.
	conn, step, err := dialSteps(ctx, ro.Addr, ro.TLSConfig)
	if err != nil {
		reason := classifyDial(ctx, step, err)
		msg := string(reason) + ": " + where + ": " + step + ": " + err.Error()
		if step == stepTLS && isTimeout(ctx, err) {
			msg += " (no TLS reply in time: is the port serving TLS?)"
		}
		return ProbeResult{Reason: reason, Message: redact(msg, ro.Password)}
	}
	handOver := &singleConn{conn: conn}
	defer handOver.closeUnused()
	ro.Dialer = handOver.dial
	ro.MaxRetries = -1
	ro.DialerRetries = 1
	ro.PoolSize = 1
	ro.ReadTimeout = opts.DialTimeout
	ro.WriteTimeout = opts.DialTimeout
	client := goredis.NewClient(ro)
	defer client.Close()

	if err := client.Ping(ctx).Err(); err != nil {
		reason := classifyCommand(ctx, err)
		msg := string(reason) + ": " + where + ": " + stepAuthPing + ": " + err.Error()
		return ProbeResult{Reason: reason, Message: redact(msg, ro.Password)}
	}
	return ProbeResult{Reachable: true, Reason: ReasonOK, Message: where + " answered PING"}
}

// Steps of a probe, named in messages.
const (
	stepConnect  = "connecting"
	stepTLS      = "TLS handshake"
	stepAuthPing = "AUTH and PING"
)

// dialSteps connects over TCP, then does the TLS handshake when tlsConfig is
// set, and says which step failed.
func dialSteps(ctx context.Context, addr string, tlsConfig *tls.Config) (net.Conn, string, error) {
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, stepConnect, err
	}
	if tlsConfig == nil {
		return conn, "", nil
	}
	tc := tls.Client(conn, tlsConfig)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, stepTLS, err
	}
	return tc, "", nil
}

// singleConn gives go-redis the probe's connection once; a probe makes one
// connection only.
type singleConn struct {
	mu    sync.Mutex
	conn  net.Conn
	taken bool
}

func (s *singleConn) dial(context.Context, string, string) (net.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.taken {
		return nil, errors.New("the probe's connection is already in use")
	}
	s.taken = true
	return s.conn, nil
}

// closeUnused closes the connection when go-redis never took it (and so
// will not close it).
func (s *singleConn) closeUnused() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.taken {
		s.conn.Close()
	}
}

// classifyDial maps a failed connect or handshake to a Reason. A handshake
// that times out means the other side does not speak TLS, most likely.
func classifyDial(ctx context.Context, step string, err error) Reason {
	switch {
	case step == stepTLS:
		return ReasonTLSFailed
	case isTimeout(ctx, err):
		return ReasonTimeout
	default:
		return ReasonUnreachable
	}
}

// classifyCommand maps an AUTH or PING failure on an open connection to a Reason.
func classifyCommand(ctx context.Context, err error) Reason {
	switch {
	case isAuthError(err):
		return ReasonAuthFailed
	case isTimeout(ctx, err):
		return ReasonTimeout
	default:
		return ReasonUnreachable
	}
}

func isTimeout(ctx context.Context, err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		ctx.Err() != nil || isNetTimeout(err)
}

// isAuthError recognises Redis's replies to bad or missing credentials.
// Redis only tells them apart by the reply text.
func isAuthError(err error) bool {
	msg := err.Error()
	for _, marker := range []string{"WRONGPASS", "NOAUTH", "NOPERM", "invalid password", "invalid username-password", "called without any password configured"} {
		if strings.Contains(msg, marker) {
			return true
		}
	}
	return false
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// safeAddress is the address without credentials, or a placeholder when it
// does not parse (the raw text may hold a password).
func safeAddress(raw string) string {
	a, err := ParseAddress(raw)
	if err != nil {
		return "(invalid address)"
	}
	return a.String()
}

// redact removes secrets from a message built from library errors, as a
// second line of defence: go-redis does not put them there today.
func redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= 3 {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}
