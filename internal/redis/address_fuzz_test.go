package redis

import (
	"strings"
	"testing"
)

// FuzzParseAddress checks, for any input, that the parser does not panic
// and that whatever it accepts is a usable address whose String() parses
// back to the same address without credentials. Seeds are in
// testdata/fuzz/FuzzParseAddress.
func FuzzParseAddress(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ParseAddress(in)
		if err != nil {
			return
		}
		if a.Host == "" || a.Port < 1 || a.Port > 65535 || a.DB < 0 {
			t.Fatalf("ParseAddress(%q) accepted an unusable address %#v", in, a)
		}
		s := a.String()
		if strings.Contains(s, "@") {
			t.Fatalf("String() of %q has credentials: %q", in, s)
		}
		back, err := ParseAddress(s)
		if err != nil {
			t.Fatalf("String() of %q = %q does not parse: %v", in, s, err)
		}
		if back.Host != a.Host || back.Port != a.Port || back.TLS != a.TLS || back.DB != a.DB || back.HasCredentials() {
			t.Fatalf("round trip of %q: %#v -> %q -> %#v", in, a, s, back)
		}
	})
}

// FuzzParseAddressHidesPassword puts a marked password into an otherwise
// well-formed URL around fuzzed text and checks that neither an error nor
// String() ever shows the marker, however the fuzzed text breaks the URL.
func FuzzParseAddressHidesPassword(f *testing.F) {
	const marker = "PWMARK"
	f.Fuzz(func(t *testing.T, user, pass, host string) {
		if strings.Contains(strings.ToUpper(user+host), marker) {
			t.Skip("the marker must come only from the password")
		}
		in := "redis://" + user + ":" + marker + pass + "@" + host + ":6379"
		a, err := ParseAddress(in)
		if err != nil {
			if strings.Contains(strings.ToUpper(err.Error()), marker) {
				t.Fatalf("error for %q shows the password: %v", in, err)
			}
			return
		}
		if strings.Contains(strings.ToUpper(a.String()+a.GoString()), marker) {
			t.Fatalf("String() for %q shows the password: %q", in, a.String())
		}
	})
}
