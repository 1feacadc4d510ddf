package redis

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Schemes Ray accepts in RAY_REDIS_ADDRESS; rediss means TLS.
const (
	schemePlain = "redis"
	schemeTLS   = "rediss"
)

// Address is one parsed entry of RAY_REDIS_ADDRESS.
//
// Credentials taken from the URL are kept in unexported fields so that
// printing an Address (%v, %+v, %#v) or its String() never shows them.
type Address struct {
	// Host is a DNS name, an IPv4 address or an IPv6 address without brackets.
	Host string
	// Port is the TCP port, 1-65535. Ray needs it spelled out, so there is no default.
	Port int
	// TLS is true for the rediss:// scheme.
	TLS bool
	// DB is the database number from a /<db> path, 0 when absent. Ray's GCS
	// itself never selects a database, so anything but 0 is only useful to
	// callers that want to refuse it.
	DB int

	username string
	password string
}

// ParseAddress reads RAY_REDIS_ADDRESS as Ray does: a comma-separated list of
// which only the first entry is used, each entry either host:port or a URL
// redis://[user[:password]@]host:port[/db] or rediss://... for TLS. IPv6 hosts
// go in brackets: [::1]:6379.
//
// Error messages name the problem but never repeat the input, because a
// malformed address may carry a password in an unexpected place.
func ParseAddress(raw string) (Address, error) {
	first, _, _ := strings.Cut(raw, ",")
	first = strings.TrimSpace(first)
	if first == "" {
		return Address{}, errors.New("redis address is empty")
	}
	var a Address
	rest, err := a.parseScheme(first)
	if err != nil {
		return Address{}, err
	}
	authority, tail := splitAuthority(rest)
	hostPort, err := a.parseUserinfo(authority)
	if err != nil {
		return Address{}, err
	}
	if a.Host, a.Port, err = parseHostPort(hostPort); err != nil {
		return Address{}, err
	}
	if a.DB, err = parseDB(tail); err != nil {
		return Address{}, err
	}
	return a, nil
}

// parseScheme sets TLS from an optional scheme and returns what follows it.
func (a *Address) parseScheme(s string) (string, error) {
	scheme, rest, found := strings.Cut(s, "://")
	if !found {
		return s, nil
	}
	switch strings.ToLower(scheme) {
	case schemePlain:
	case schemeTLS:
		a.TLS = true
	default:
		if isSchemeToken(scheme) {
			return "", fmt.Errorf("redis address: unsupported scheme %q (want redis:// or rediss://)", scheme)
		}
		return "", errors.New("redis address: malformed scheme (want redis:// or rediss://)")
	}
	return rest, nil
}

// isSchemeToken reports whether s looks like a URL scheme, so that it is safe
// to quote in an error (it cannot be part of a password).
func isSchemeToken(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for i, r := range s {
		letter := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		other := (r >= '0' && r <= '9') || r == '+' || r == '-' || r == '.'
		if !letter && (i == 0 || !other) {
			return false
		}
	}
	return true
}

// splitAuthority splits "userinfo@host:port/path" where the authority ends at
// the first '/', '?' or '#', as URL parsers (and so Ray's cleanup) do.
func splitAuthority(s string) (authority, tail string) {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// parseUserinfo takes "[user[:password]@]host:port", stores the decoded
// credentials and returns host:port. The last '@' separates them, so a raw
// '@' inside a password still works.
func (a *Address) parseUserinfo(authority string) (string, error) {
	i := strings.LastIndex(authority, "@")
	if i < 0 {
		return authority, nil
	}
	user, pass, _ := strings.Cut(authority[:i], ":")
	var err error
	if a.username, err = url.PathUnescape(user); err != nil {
		return "", errors.New("redis address: the user name is not valid percent-encoding")
	}
	if a.password, err = url.PathUnescape(pass); err != nil {
		return "", errors.New("redis address: the password is not valid percent-encoding")
	}
	return authority[i+1:], nil
}

// parseHostPort splits host:port or [ipv6]:port and checks both parts.
func parseHostPort(s string) (string, int, error) {
	if s == "" {
		return "", 0, errors.New("redis address: missing host and port (want host:port)")
	}
	host, portText, err := splitHostPort(s)
	if err != nil {
		return "", 0, err
	}
	port, ok := parseDigits(portText)
	if !ok || port < 1 || port > 65535 {
		return "", 0, errors.New("redis address: the port must be a number from 1 to 65535")
	}
	return host, port, nil
}

func splitHostPort(s string) (host, port string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return "", "", errors.New("redis address: missing ']' after an IPv6 host")
		}
		host = s[1:end]
		if _, perr := netip.ParseAddr(host); perr != nil || !strings.Contains(host, ":") {
			return "", "", errors.New("redis address: the host in brackets is not an IPv6 address")
		}
		after := s[end+1:]
		if !strings.HasPrefix(after, ":") {
			return "", "", errors.New("redis address: missing port after the IPv6 host (want [host]:port)")
		}
		return host, after[1:], nil
	}
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return "", "", errors.New("redis address: missing port (want host:port)")
	}
	host, port = s[:i], s[i+1:]
	if strings.Contains(host, ":") {
		return "", "", errors.New("redis address: an IPv6 host must be in brackets, as in [::1]:6379")
	}
	if err := checkHostName(host); err != nil {
		return "", "", err
	}
	return host, port, nil
}

// checkHostName accepts DNS names and IPv4 addresses; '_' is allowed because
// some service discovery systems use it.
func checkHostName(host string) error {
	if host == "" {
		return errors.New("redis address: missing host")
	}
	if len(host) > 253 {
		return errors.New("redis address: the host name is longer than 253 characters")
	}
	for _, r := range host {
		ok := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') ||
			r == '-' || r == '.' || r == '_'
		if !ok {
			return errors.New("redis address: the host contains a character not allowed in a host name")
		}
	}
	return nil
}

// parseDB reads an optional "/<db>" path; queries and fragments are refused
// because Ray ignores them and a silent drop would surprise.
func parseDB(tail string) (int, error) {
	if tail == "" || tail == "/" {
		return 0, nil
	}
	if tail[0] != '/' {
		return 0, errors.New("redis address: query parameters and fragments are not supported")
	}
	db, ok := parseDigits(tail[1:])
	if !ok {
		return 0, errors.New("redis address: the path must be a database number, as in /0")
	}
	return db, nil
}

// parseDigits reads a short unsigned decimal number; strconv.Atoi alone
// would also take a sign.
func parseDigits(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// HostPort is host:port, with brackets around an IPv6 host.
func (a Address) HostPort() string {
	return net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
}

// HasCredentials reports whether the URL carried a user name or a password.
func (a Address) HasCredentials() bool { return a.username != "" || a.password != "" }

// String is the address as a URL without credentials, safe for logs,
// events and status.
func (a Address) String() string {
	scheme := schemePlain
	if a.TLS {
		scheme = schemeTLS
	}
	s := scheme + "://" + a.HostPort()
	if a.DB != 0 {
		s += "/" + strconv.Itoa(a.DB)
	}
	return s
}

// GoString keeps %#v from printing the credential fields.
func (a Address) GoString() string { return "redis.Address(" + strconv.Quote(a.String()) + ")" }
