package shellquote

import (
	"errors"
	"testing"
)

func TestUnquoted(t *testing.T) {
	tests := map[string]struct {
		script, want string
		err          error
	}{
		"plain":                      {script: "ray start", want: "ray start"},
		"single quotes masked":       {script: "echo '$(x)'", want: "echo  ____ "},
		"backslash inside quotes":    {script: `echo 'a\'`, want: "echo  __ "},
		"escaped quote outside":      {script: `echo \'$x`, want: "echo  _$x"},
		"escaped backslash":          {script: `a\\'b'`, want: "a _ _ "},
		"unbalanced":                 {script: "echo 'oops", err: ErrUnbalanced},
		"double quotes do not count": {script: `echo "$(x)"`, want: `echo "$(x)"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Unquoted(tc.script)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if got != tc.want {
				t.Errorf("Unquoted(%q) = %q, want %q", tc.script, got, tc.want)
			}
		})
	}
}

func TestOnlyQuoted(t *testing.T) {
	for script, want := range map[string]bool{
		"ray start --node-name='; rm -rf /'": true,
		"ray start --node-name=; rm -rf /":   false,
		`ray start --x=\; rm -rf /`:          false, // only the ';' is escaped
	} {
		got, err := OnlyQuoted(script, "rm -rf")
		if err != nil || got != want {
			t.Errorf("OnlyQuoted(%q) = %v, %v; want %v", script, got, err, want)
		}
	}
}
