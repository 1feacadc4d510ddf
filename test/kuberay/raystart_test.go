package kuberay

import (
	"reflect"
	"testing"
)

func TestAnalyseScript(t *testing.T) {
	tests := map[string]struct {
		command, args []string
		want          startScript
		params        map[string]string
		head          bool
	}{
		"KubeRay's head command": {
			command: []string{"/bin/bash", "-c", "--"},
			args:    []string{"ulimit -n 65536; ray start --head  --block  --dashboard-host=0.0.0.0  --num-cpus=1 "},
			want:    startScript{Runs: runsAlways, OpenFiles: "65536"},
			params:  map[string]string{"block": "true", "dashboard-host": "0.0.0.0", "num-cpus": "1"},
			head:    true,
		},
		"KubeRay's command after a user command": {
			command: []string{"/bin/bash", "-c", "--"},
			args:    []string{" echo 123  456  && ulimit -n 65536; ray start  --address=h:6379 "},
			want:    startScript{Runs: runsAlways, OpenFiles: "65536", UserCommand: "echo 123 456"},
			params:  map[string]string{"address": "h:6379"},
		},
		"our command after a user command": {
			command: []string{"/bin/bash", "-c", "--"},
			args:    []string{` echo 123  456  && ulimit -n "${RAY_START_ULIMIT_OPEN_FILES:-65536}" 2>/dev/null || true; exec ray start --address=h:6379`},
			want:    startScript{Runs: runsAlways, OpenFiles: "65536", UserCommand: "echo 123 456", Exec: true},
			params:  map[string]string{"address": "h:6379"},
		},
		"a user's own ray start with space-separated values": {
			command: []string{"/bin/bash", "-lc", "--"},
			args:    []string{"pip install x && ray start --head --port 6380 --block"},
			want:    startScript{Runs: runsOnSuccess, UserCommand: "pip install x"},
			params:  map[string]string{"port": "6380", "block": "true"},
			head:    true,
		},
		"a kept command without ray start": {
			command: []string{"/bin/bash", "-c", "--"},
			args:    []string{"ulimit -n 65536; echo head; $KUBERAY_GEN_RAY_START_CMD"},
			want:    startScript{OpenFiles: "65536", UserCommand: "echo head ; ${KUBERAY_GEN_RAY_START_CMD}"},
		},
		"no shell: argv is the command": {
			command: []string{"ray", "start", "--head", "--num-cpus=2"},
			want:    startScript{Runs: runsAlways},
			params:  map[string]string{"num-cpus": "2"},
			head:    true,
		},
		"resources compared as JSON": {
			command: []string{"bash", "-c"},
			args:    []string{`ray start --resources='{"b": 2, "a": 1.0}'`},
			want:    startScript{Runs: runsAlways},
			params:  map[string]string{"resources": `{"a":1,"b":2}`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cmds, err := containerScript(tc.command, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			got := analyseScript(cmds)
			rs := got.RayStart
			got.RayStart = nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			if tc.params == nil {
				if rs != nil {
					t.Errorf("found a ray start that is not there: %+v", rs)
				}
				return
			}
			if rs == nil {
				t.Fatal("ray start not found")
			}
			if rs.Head != tc.head || !reflect.DeepEqual(rs.Params, tc.params) {
				t.Errorf("ray start: head=%v params=%v, want head=%v params=%v", rs.Head, rs.Params, tc.head, tc.params)
			}
		})
	}
}

func TestParseRayStartArgsKeepsStrayWords(t *testing.T) {
	// KubeRay pastes a value with a space unquoted: ray start sees an extra
	// argument, which it refuses. The comparison must see it too.
	cmds, err := splitScript("ray start --temp-dir=/tmp/ray dir --block")
	if err != nil {
		t.Fatal(err)
	}
	_, words := findRayStart(cmds)
	rs := parseRayStartArgs(words)
	if !reflect.DeepEqual(rs.Extra, []string{"dir"}) || rs.Params["temp-dir"] != "/tmp/ray" || rs.Params["block"] != "true" {
		t.Errorf("got %+v", rs)
	}
}

func TestParseGeneratedCommand(t *testing.T) {
	tests := map[string]struct {
		line   string
		head   bool
		params map[string]string
		none   bool
	}{
		"head":            {line: "ray start --head  --block  --memory=2147483648 ", head: true, params: map[string]string{"block": "true", "memory": "2147483648"}},
		"worker":          {line: "ray start --address=a:1", params: map[string]string{"address": "a:1"}},
		"a user's string": {line: "echo mine", none: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rs, err := parseGeneratedCommand(tc.line)
			if err != nil {
				t.Fatal(err)
			}
			if tc.none {
				if rs != nil {
					t.Errorf("found ray start in %q: %+v", tc.line, rs)
				}
				return
			}
			if rs == nil || rs.Head != tc.head || !reflect.DeepEqual(rs.Params, tc.params) {
				t.Errorf("got %+v, want head=%v params=%v", rs, tc.head, tc.params)
			}
		})
	}
}
