package redis

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	tests := map[string]struct {
		in                 string
		want               Address
		wantUser, wantPass string
		wantString         string
		wantErr            string
	}{
		"host:port": {
			in: "redis:6379", want: Address{Host: "redis", Port: 6379}, wantString: "redis://redis:6379",
		},
		"fully qualified service name": {
			in:         "redis-master.redis.svc.cluster.local:6380",
			want:       Address{Host: "redis-master.redis.svc.cluster.local", Port: 6380},
			wantString: "redis://redis-master.redis.svc.cluster.local:6380",
		},
		"IPv4": {
			in: "10.0.0.7:6379", want: Address{Host: "10.0.0.7", Port: 6379}, wantString: "redis://10.0.0.7:6379",
		},
		"IPv6 in brackets": {
			in: "[::1]:6379", want: Address{Host: "::1", Port: 6379}, wantString: "redis://[::1]:6379",
		},
		"IPv6 URL over TLS": {
			in: "rediss://[fd00::5]:6380", want: Address{Host: "fd00::5", Port: 6380, TLS: true}, wantString: "rediss://[fd00::5]:6380",
		},
		"redis URL": {
			in: "redis://redis:6379", want: Address{Host: "redis", Port: 6379}, wantString: "redis://redis:6379",
		},
		"scheme is case-insensitive": {
			in: "REDISS://redis:6379", want: Address{Host: "redis", Port: 6379, TLS: true}, wantString: "rediss://redis:6379",
		},
		"user and password": {
			in: "redis://ray:s3cret@redis:6379", want: Address{Host: "redis", Port: 6379},
			wantUser: "ray", wantPass: "s3cret", wantString: "redis://redis:6379",
		},
		"password only": {
			in: "rediss://:s3cret@redis:6379", want: Address{Host: "redis", Port: 6379, TLS: true},
			wantPass: "s3cret", wantString: "rediss://redis:6379",
		},
		"percent-encoded password": {
			in: "redis://ray:p%40ss%2Fw%3Ard@redis:6379", want: Address{Host: "redis", Port: 6379},
			wantUser: "ray", wantPass: "p@ss/w:rd", wantString: "redis://redis:6379",
		},
		"raw @ in password: the last @ ends the credentials": {
			in: "redis://ray:p@ss@redis:6379", want: Address{Host: "redis", Port: 6379},
			wantUser: "ray", wantPass: "p@ss", wantString: "redis://redis:6379",
		},
		"credentials without a scheme": {
			in: "ray:s3cret@redis:6379", want: Address{Host: "redis", Port: 6379},
			wantUser: "ray", wantPass: "s3cret", wantString: "redis://redis:6379",
		},
		"database path": {
			in: "redis://redis:6379/3", want: Address{Host: "redis", Port: 6379, DB: 3}, wantString: "redis://redis:6379/3",
		},
		"empty path": {
			in: "redis://redis:6379/", want: Address{Host: "redis", Port: 6379}, wantString: "redis://redis:6379",
		},
		"list: first entry wins": {
			in: "redis-a:6379,redis-b:6379", want: Address{Host: "redis-a", Port: 6379}, wantString: "redis://redis-a:6379",
		},
		"list with spaces and URLs": {
			in: " rediss://redis-a:6380 , redis://redis-b:6379", want: Address{Host: "redis-a", Port: 6380, TLS: true},
			wantString: "rediss://redis-a:6380",
		},
		"empty":                      {in: "", wantErr: "empty"},
		"blank first entry":          {in: " ,redis:6379", wantErr: "empty"},
		"no port":                    {in: "redis", wantErr: "missing port"},
		"URL without port":           {in: "redis://redis", wantErr: "missing port"},
		"port not a number":          {in: "redis:abc", wantErr: "port must be a number"},
		"port with sign":             {in: "redis:+6379", wantErr: "port must be a number"},
		"port zero":                  {in: "redis:0", wantErr: "port must be a number"},
		"port too big":               {in: "redis:65536", wantErr: "port must be a number"},
		"no host":                    {in: ":6379", wantErr: "missing host"},
		"nothing after scheme":       {in: "redis://", wantErr: "missing host and port"},
		"unknown scheme":             {in: "http://redis:6379", wantErr: `unsupported scheme "http"`},
		"unix socket":                {in: "unix:///tmp/redis.sock", wantErr: `unsupported scheme "unix"`},
		"IPv6 without brackets":      {in: "::1:6379", wantErr: "must be in brackets"},
		"unclosed bracket":           {in: "[::1:6379", wantErr: "missing ']'"},
		"IPv4 in brackets":           {in: "[10.0.0.1]:6379", wantErr: "not an IPv6 address"},
		"IPv6 without port":          {in: "[::1]", wantErr: "missing port after the IPv6 host"},
		"space in host":              {in: "red is:6379", wantErr: "character not allowed"},
		"path not a number":          {in: "redis://redis:6379/abc", wantErr: "database number"},
		"query":                      {in: "redis://redis:6379?dial_timeout=3s", wantErr: "query parameters"},
		"bad percent-encoding, user": {in: "redis://r%zz:pw@redis:6379", wantErr: "user name is not valid percent-encoding"},
		"bad percent-encoding, pass": {in: "redis://ray:p%zz@redis:6379", wantErr: "password is not valid percent-encoding"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseAddress(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseAddress(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAddress(%q): %v", tc.in, err)
			}
			if got.Host != tc.want.Host || got.Port != tc.want.Port || got.TLS != tc.want.TLS || got.DB != tc.want.DB {
				t.Errorf("ParseAddress(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if got.username != tc.wantUser || got.password != tc.wantPass {
				t.Errorf("credentials = %q/%q, want %q/%q", got.username, got.password, tc.wantUser, tc.wantPass)
			}
			if got.HasCredentials() != (tc.wantUser != "" || tc.wantPass != "") {
				t.Errorf("HasCredentials() = %v", got.HasCredentials())
			}
			if s := got.String(); s != tc.wantString {
				t.Errorf("String() = %q, want %q", s, tc.wantString)
			}
		})
	}
}

// TestAddressNeverPrintsCredentials covers every fmt verb a caller might use
// when logging an Address or putting it into an event.
func TestAddressNeverPrintsCredentials(t *testing.T) {
	a, err := ParseAddress("rediss://admin:hunter2-secret@redis:6379/1")
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(verb, a)
		if strings.Contains(out, "hunter2") || strings.Contains(out, "admin") {
			t.Errorf("fmt %s printed credentials: %s", verb, out)
		}
	}
}

// TestParseAddressErrorsHideInput checks that malformed addresses whose
// password lands in an unexpected place (here: unescaped '/' and '?') do not
// echo any of it back.
func TestParseAddressErrorsHideInput(t *testing.T) {
	tests := map[string]string{
		"slash in password":    "redis://ray:top/secretpw@redis:6379",
		"question in password": "redis://ray:top?secretpw@redis:6379",
		"password as port":     "redis://ray:secretpw",
		"hash in password":     "redis://:top#secretpw@redis:6379",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseAddress(in)
			if err == nil {
				t.Fatalf("ParseAddress(%q) succeeded; want an error", in)
			}
			if strings.Contains(err.Error(), "secretpw") || strings.Contains(err.Error(), "top") {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
}
