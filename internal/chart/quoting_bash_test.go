package chart

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRayStartScriptInBash runs the rendered container script in a real
// bash, with a stand-in `ray` that records its arguments. Each hostile
// value must arrive as exactly one argument, byte for byte but for its
// $MARKER references, which expand as KubeRay's unquoted values do, and
// nothing in it may run: the values try to create the marker file.
func TestRayStartScriptInBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	tests := map[string]string{
		"command separator":     "; touch $MARKER",
		"command substitution":  "$(touch $MARKER)",
		"backticks":             "`touch $MARKER`",
		"single quote breakout": "x'; touch $MARKER; echo '",
		"double quotes":         `"; touch $MARKER; "`,
		"newline":               "a\ntouch $MARKER",
		"glob":                  "/*",
		"json":                  `{"CPU": 1, "x y": [1, 2]}`,
	}
	for name, value := range tests {
		t.Run(name, func(t *testing.T) {
			vals := parseValues(t, "")
			vals["headGroupSpec"] = map[string]any{
				"rayStartParams": map[string]any{"hostile": value},
				"template":       defaultTemplate("ray-head"),
			}
			objs, err := Render(testChart(t), testRelease, testNamespace, vals)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			c := typed(t, objs).headContainer()
			args, marker := runWithFakeRay(t, bash, c.Command, c.Args)
			wantArg := "--hostile=" + strings.ReplaceAll(value, "$MARKER", marker)
			if strings.HasPrefix(value, `"`) && strings.HasSuffix(value, `"`) {
				// A fully double-quoted value is KubeRay-style shell quoting;
				// its wrapper is removed (see TestRayStartParamsQuoting).
				wantArg = "--hostile=" + strings.ReplaceAll(value[1:len(value)-1], "$MARKER", marker)
			}
			found := false
			for _, a := range args {
				if a == wantArg {
					found = true
				}
			}
			if !found {
				t.Errorf("ray received %q, want one argument %q", args, wantArg)
			}
			if args[0] != "start" || args[1] != "--head" {
				t.Errorf("ray received %q, want start --head first", args)
			}
		})
	}
}

// runWithFakeRay runs command+args with a `ray` on PATH that writes its
// arguments, NUL-separated, to a file; it fails the test when the marker
// file ($MARKER in the script's environment) exists afterwards.
func runWithFakeRay(t *testing.T, bash string, command, args []string) (rayArgs []string, marker string) {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "args")
	marker = filepath.Join(dir, "marker")
	fake := "#!" + bash + "\nprintf '%s\\0' \"$@\" > " + out + "\n"
	if err := os.WriteFile(filepath.Join(dir, "ray"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	argv := append(append([]string{}, command...), args...)
	if argv[0] == "/bin/bash" {
		argv[0] = bash
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin", "MARKER=" + marker}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("running the container script: %v\n%s", err, stderr.String())
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatalf("a rayStartParams value was executed by the shell: %q", args)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("fake ray did not run: %v\n%s", err, stderr.String())
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00"), marker
}
