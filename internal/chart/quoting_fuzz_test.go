package chart

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRayStartParamInBash renders a head and a worker whose rayStartParams
// carry a fuzzed value and runs each rendered container script in a real
// bash with a stand-in `ray`. Whatever the value holds, the render either
// fails with an error that names rayStartParams, or the value reaches ray
// start as one argument and nothing in it runs (runWithFakeRay fails when a
// value created the marker file). Seeds are in
// testdata/fuzz/FuzzRayStartParamInBash.
func FuzzRayStartParamInBash(f *testing.F) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		f.Skip("bash not installed")
	}
	f.Fuzz(func(t *testing.T, value string) {
		if strings.ContainsRune(value, 0) {
			t.Skip("a NUL cannot be part of a process argument at all")
		}
		for _, group := range []string{"head", "worker"} {
			vals := parseValues(t, "")
			params := map[string]any{"hostile": value}
			if group == "head" {
				vals["headGroupSpec"] = map[string]any{"rayStartParams": params, "template": defaultTemplate("ray-head")}
			} else {
				vals["workerGroupSpecs"] = []any{map[string]any{"groupName": "g", "rayStartParams": params, "template": defaultTemplate("ray-worker")}}
			}
			objs, err := Render(testChart(t), testRelease, testNamespace, vals)
			if err != nil {
				if !strings.Contains(err.Error(), "rayStartParams") {
					t.Fatalf("%s: render error does not name rayStartParams: %v", group, err)
				}
				continue
			}
			r := typed(t, objs)
			c := r.headContainer()
			if group == "worker" {
				c = r.worker(t, "g").Spec.Template.Spec.Containers[0]
			}
			args, _ := runWithFakeRay(t, bash, c.Command, c.Args)
			quotingCheckArgs(t, group, value, args)
		}
	})
}

// quotingCheckArgs checks that value arrived as at most one argument and,
// when the chart has no rule that rewrites it, byte for byte.
func quotingCheckArgs(t *testing.T, group, value string, args []string) {
	t.Helper()
	var got []string
	for _, a := range args {
		if a == "--hostile" || strings.HasPrefix(a, "--hostile=") {
			got = append(got, a)
		}
	}
	if len(got) > 1 {
		t.Fatalf("%s: value %q became %d ray start flags: %q", group, value, len(got), got)
	}
	if !quotingVerbatim(value) || !utf8.ValidString(value) {
		return
	}
	if len(got) != 1 || got[0] != "--hostile="+value {
		t.Fatalf("%s: value %q reached ray start as %q, want one argument %q", group, value, got, "--hostile="+value)
	}
}

// quotingVerbatim reports whether the chart passes value through unchanged:
// not a boolean (a bare flag), not one with variable references (expanded),
// not wrapped in shell quotes (unwrapped, as KubeRay users write JSON).
func quotingVerbatim(value string) bool {
	switch strings.ToLower(value) {
	case "true", "false", "$redis_password", "${redis_password}", "$redis_username", "${redis_username}":
		return false
	}
	if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
		return false
	}
	// Environment variable references expand, as in KubeRay's unquoted command.
	return !envReference.MatchString(value)
}

// envReference is a $NAME or ${NAME} reference, which the chart lets bash expand.
var envReference = regexp.MustCompile(`\$([A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})`)
