package kuberay

import (
	"reflect"
	"testing"
)

func TestSplitScript(t *testing.T) {
	tests := map[string]struct {
		script string
		want   []shellCommand
	}{
		"KubeRay's generated line": {
			script: "ulimit -n 65536; ray start --head  --block  --num-cpus=1 ",
			want: []shellCommand{
				{Words: []string{"ulimit", "-n", "65536"}, Sep: ";"},
				{Words: []string{"ray", "start", "--head", "--block", "--num-cpus=1"}},
			},
		},
		"our line: quotes, redirection, || true, exec": {
			script: `ulimit -n "${RAY_START_ULIMIT_OPEN_FILES:-65536}" 2>/dev/null || true; exec ray start --resources='{"A": 1}'`,
			want: []shellCommand{
				{Words: []string{"ulimit", "-n", "${RAY_START_ULIMIT_OPEN_FILES:-65536}"}, Sep: "||"},
				{Words: []string{"true"}, Sep: ";"},
				{Words: []string{"exec", "ray", "start", `--resources={"A": 1}`}},
			},
		},
		"expansions in one canonical form, a literal $ marked": {
			script: `echo $A "${B}" "$C" '$D' \$E "\$F"`,
			want:   []shellCommand{{Words: []string{"echo", "${A}", "${B}", "${C}", `\$D`, `\$E`, `\$F`}}},
		},
		"escaped double quotes inside double quotes": {
			script: `x --resources="{\"GPU\": 1}"`,
			want:   []shellCommand{{Words: []string{"x", `--resources={"GPU": 1}`}}},
		},
		"comments, newlines and a continuation": {
			script: "# comment\nfoo \\\n  bar && baz # trailing\n\nqux",
			want: []shellCommand{
				{Words: []string{"foo", "bar"}, Sep: "&&"},
				{Words: []string{"baz"}, Sep: ";"},
				{Words: []string{"qux"}},
			},
		},
		"redirections with spaces and fds are dropped": {
			script: "ray health-check --address a:1 > /dev/null 2>&1; echo ok >&2",
			want: []shellCommand{
				{Words: []string{"ray", "health-check", "--address", "a:1"}, Sep: ";"},
				{Words: []string{"echo", "ok"}},
			},
		},
		"a newline after && keeps &&": {
			script: "a &&\n b",
			want:   []shellCommand{{Words: []string{"a"}, Sep: "&&"}, {Words: []string{"b"}}},
		},
		"command substitution kept whole": {
			script: `echo "$(hostname -i)" $((1+2))`,
			want:   []shellCommand{{Words: []string{"echo", "$(hostname -i)", "$((1+2))"}}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := splitScript(tc.script)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("splitScript(%q)\n got %#v\nwant %#v", tc.script, got, tc.want)
			}
		})
	}
}

func TestSplitScriptRefusesUnbalancedQuotes(t *testing.T) {
	for name, script := range map[string]string{
		"single":       "echo 'open",
		"double":       `echo "open`,
		"substitution": "echo $(open",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := splitScript(script); err == nil {
				t.Errorf("splitScript(%q) accepted an unterminated quote", script)
			}
		})
	}
}
