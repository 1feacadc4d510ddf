package chart

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ray-ha-operator/ray-ha-operator/test/shellquote"
)

// TestRayStartParamsQuoting proves a rayStartParams value reaches ray start
// as one shell word in which the shell interprets nothing but environment
// variable references ($NAME, ${NAME}), which KubeRay manifests rely on.
func TestRayStartParamsQuoting(t *testing.T) {
	tests := map[string]struct {
		value string
		want  string // the flag as it must appear in the script
	}{
		"command separator":     {value: "; rm -rf /", want: `--hostile='; rm -rf /'`},
		"command substitution":  {value: "$(rm -rf /)", want: `--hostile='$(rm -rf /)'`},
		"backticks":             {value: "`rm -rf /`", want: "--hostile='`rm -rf /`'"},
		"single quote breakout": {value: "x'; rm -rf /; echo '", want: `--hostile='x'\''; rm -rf /; echo '\'''`},
		"variable expands, as KubeRay's unquoted values do": {value: "$MY_POD_IP", want: `--hostile="$MY_POD_IP"`},
		"only the variable expands":                         {value: "${HOME}/x $(id) `id` \\ \"", want: "--hostile=\"${HOME}/x \\$(id) \\`id\\` \\\\ \\\"\""},
		"newline":                                           {value: "a\nrm -rf /", want: "--hostile='a\nrm -rf /'"},
		"plain value stays plain":                           {value: "10.0.0.1:6379", want: "--hostile=10.0.0.1:6379"},
		"empty value":                                       {value: "", want: "--hostile=''"},
		"KubeRay-style quoted JSON is unwrapped then re-quoted": {
			value: `"{\"GPU\": 1, \"x\": \"$(rm -rf /)\"}"`,
			want:  `--hostile='{"GPU": 1, "x": "$(rm -rf /)"}'`,
		},
		"password variable expands": {value: "$REDIS_PASSWORD", want: `--hostile="$REDIS_PASSWORD"`},
		"true is a bare flag":       {value: "true", want: "--hostile"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			for _, group := range []string{"head", "worker"} {
				vals := parseValues(t, "")
				params := map[string]any{"hostile": tc.value}
				if group == "head" {
					vals["headGroupSpec"] = map[string]any{"rayStartParams": params, "template": defaultTemplate("ray-head")}
				} else {
					vals["workerGroupSpecs"] = []any{map[string]any{"groupName": "g", "rayStartParams": params, "template": defaultTemplate("ray-worker")}}
				}
				objs, err := Render(testChart(t), testRelease, testNamespace, vals)
				if err != nil {
					t.Fatalf("%s: render: %v", group, err)
				}
				r := typed(t, objs)
				c := r.headContainer()
				if group == "worker" {
					c = r.worker(t, "g").Spec.Template.Spec.Containers[0]
				}
				script := rayScript(t, c)
				if !strings.Contains(script, " "+tc.want) {
					t.Errorf("%s script lacks %q:\n%s", group, tc.want, script)
				}
				if strings.Contains(tc.value, "rm -rf") {
					wantOnlyQuoted(t, script, "rm -rf")
				}
			}
		})
	}
}

func TestFalseFlagIsDropped(t *testing.T) {
	r := renderValues(t, `
headGroupSpec:
  rayStartParams: {include-dashboard: "false", no-monitor: "false", log-color: "true"}
  template: {spec: {containers: [{name: ray-head, image: "rayproject/ray:2.60.0"}]}}
`)
	script := rayScript(t, r.headContainer())
	wantContains(t, "head script", script, "--include-dashboard=false", "--log-color=true")
	if strings.Contains(script, "no-monitor") {
		t.Errorf("a false boolean flag reached the command: %s", script)
	}
}

// wantOnlyQuoted fails when needle occurs outside single quotes in a bash
// script, where bash would interpret it.
func wantOnlyQuoted(t *testing.T, script, needle string) {
	t.Helper()
	ok, err := shellquote.OnlyQuoted(script, needle)
	if err != nil {
		t.Fatalf("%v in script:\n%s", err, script)
	}
	if !ok {
		t.Errorf("%q appears outside single quotes:\n%s", needle, script)
	}
}

func defaultTemplate(container string) map[string]any {
	return map[string]any{"spec": map[string]any{"containers": []any{
		map[string]any{"name": container, "image": fmt.Sprintf("rayproject/ray:%s", "2.60.0")},
	}}}
}
