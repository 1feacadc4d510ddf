package redis

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// DefaultDialTimeout bounds opening a connection when Options.DialTimeout is 0.
const DefaultDialTimeout = 5 * time.Second

// Options say how to reach the Redis that holds a cluster's GCS data.
type Options struct {
	// Address is RAY_REDIS_ADDRESS as the head gets it (see ParseAddress).
	Address string
	// Username and Password, when not empty, win over credentials in the
	// address URL, the way Ray's own cleanup lets REDIS_USERNAME and
	// REDIS_PASSWORD win.
	Username string
	Password string
	// TLS configures certificate checking for a rediss:// address; nil means
	// the system roots and the address's host as the server name.
	TLS *TLSConfig
	// DialTimeout bounds opening a connection; 0 means DefaultDialTimeout.
	DialTimeout time.Duration
}

// String describes the options without the password or URL credentials,
// so that logging Options by mistake leaks nothing (%v and %+v use it).
func (o Options) String() string {
	s := "address=" + safeAddress(o.Address)
	if o.Username != "" {
		s += " username=" + o.Username
	}
	if o.Password != "" {
		s += " password=[redacted]"
	}
	if o.TLS != nil {
		s += fmt.Sprintf(" tls={ca=%dB serverName=%q insecureSkipVerify=%v}", len(o.TLS.CAPEM), o.TLS.ServerName, o.TLS.InsecureSkipVerify)
	}
	return s
}

// GoString keeps %#v as safe as %v.
func (o Options) GoString() string { return "redis.Options{" + o.String() + "}" }

// TLSConfig is the certificate checking for a rediss:// address.
type TLSConfig struct {
	// CAPEM holds the PEM certificates that may sign the server's
	// certificate; empty means the system roots.
	CAPEM []byte
	// ServerName is the name the server certificate must carry; empty means
	// the address's host (a DNS name or an IP address).
	ServerName string
	// InsecureSkipVerify turns off all certificate checking. Only when asked:
	// it leaves the connection open to a man in the middle.
	InsecureSkipVerify bool
}

// NewClient returns a go-redis client for the options. It does not connect:
// the first command does. The caller closes the client.
func NewClient(opts Options) (*goredis.Client, error) {
	ro, err := clientOptions(opts)
	if err != nil {
		return nil, err
	}
	return goredis.NewClient(ro), nil
}

// clientOptions turns Options into go-redis options.
func clientOptions(opts Options) (*goredis.Options, error) {
	addr, err := ParseAddress(opts.Address)
	if err != nil {
		return nil, err
	}
	tlsConf, err := tlsClientConfig(addr, opts.TLS)
	if err != nil {
		return nil, err
	}
	dialTimeout := opts.DialTimeout
	if dialTimeout <= 0 {
		dialTimeout = DefaultDialTimeout
	}
	user, pass := addr.username, addr.password
	if opts.Username != "" {
		user = opts.Username
	}
	if opts.Password != "" {
		pass = opts.Password
	}
	return &goredis.Options{
		Addr:        addr.HostPort(),
		Username:    user,
		Password:    pass,
		DB:          addr.DB,
		TLSConfig:   tlsConf,
		DialTimeout: dialTimeout,
		// RESP2 works with every Redis and Redis-compatible service Ray
		// supports; nothing here needs RESP3 features.
		Protocol: 2,
		// Context deadlines must bound every command: callers rely on them to
		// keep a reconcile short when Redis hangs.
		ContextTimeoutEnabled: true,
		// Skip CLIENT SETINFO and maintenance-notification handshakes: extra
		// round trips that managed Redis services may reject.
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}, nil
}

// tlsClientConfig returns nil for a plain address and the checked TLS
// settings for rediss://. TLS settings without rediss:// are refused: Ray
// turns TLS on only by the scheme, so the operator would disagree with the
// head about how to talk to Redis.
func tlsClientConfig(addr Address, conf *TLSConfig) (*tls.Config, error) {
	if !addr.TLS {
		if conf != nil {
			return nil, errors.New("redis TLS settings are given but the address does not use rediss://")
		}
		return nil, nil
	}
	if conf == nil {
		conf = &TLSConfig{}
	}
	tc := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         addr.Host,
		InsecureSkipVerify: conf.InsecureSkipVerify, //nolint:gosec // only when the user asks for it
	}
	if conf.ServerName != "" {
		tc.ServerName = conf.ServerName
	}
	if len(conf.CAPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(conf.CAPEM) {
			return nil, fmt.Errorf("redis TLS: the CA bundle (%d bytes) holds no PEM certificate", len(conf.CAPEM))
		}
		tc.RootCAs = pool
	}
	return tc, nil
}
