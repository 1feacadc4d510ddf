// Package shellquote reads a bash script the way bash splits quoting, for
// tests that must prove a value reaches a command only inside single quotes
// (so no shell ever interprets it).
package shellquote

import (
	"errors"
	"strings"
)

// ErrUnbalanced is returned for a script whose single quotes do not close.
var ErrUnbalanced = errors.New("unbalanced single quotes")

// Unquoted returns script with everything bash would not interpret masked:
// text inside single quotes (where nothing is special, not even a
// backslash) and each character a backslash escapes outside them become
// '_', and the quotes and escaping backslashes become spaces. What is left
// readable is what bash interprets.
func Unquoted(script string) (string, error) {
	var out strings.Builder
	quoted, escaped := false, false
	for _, r := range script {
		switch {
		case quoted && r == '\'':
			quoted = false
			out.WriteRune(' ')
		case quoted, escaped:
			escaped = false
			out.WriteRune('_')
		case r == '\\':
			escaped = true
			out.WriteRune(' ')
		case r == '\'':
			quoted = true
			out.WriteRune(' ')
		default:
			out.WriteRune(r)
		}
	}
	if quoted {
		return "", ErrUnbalanced
	}
	return out.String(), nil
}

// OnlyQuoted tells whether needle occurs in script only where bash does not
// interpret it. An unbalanced script is an error.
func OnlyQuoted(script, needle string) (bool, error) {
	u, err := Unquoted(script)
	if err != nil {
		return false, err
	}
	return !strings.Contains(u, needle), nil
}
