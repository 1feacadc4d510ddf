package chart

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// TestQuantityValue checks the chart's quantity arithmetic against
// Kubernetes' own resource.Quantity: --num-cpus and --memory must be
// Quantity.Value() of the limit (rounded up), for every notation a
// manifest may use.
func TestQuantityValue(t *testing.T) {
	quantities := []string{
		"1", "2", "0.5", "2.5", "500m", "1500m", "1001m", "100m", "1m", "0.001",
		"4Gi", "1.5Gi", "0.5Gi", "512Mi", "1Ki", "3Ti", "1Pi", "1Ei",
		"1G", "500M", "2.5G", "1.2G", "1k", "1e9", "1E9", "1.5e9", "2e-3", "12e+2", "1e18",
		"0.000000001Gi", "123456789012", "007", "7.000", ".5", "5.",
	}
	for _, q := range quantities {
		t.Run(q, func(t *testing.T) {
			quantity := resource.MustParse(q)
			want := quantity.Value()
			r := renderValues(t, fmt.Sprintf(`
headGroupSpec:
  template:
    spec:
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          resources: {limits: {cpu: %q, memory: %q}}
`, q, q))
			params := rayStartParams(t, rayScript(t, r.headContainer()))
			wantEqual(t, "num-cpus", params["num-cpus"], fmt.Sprint(want))
			wantEqual(t, "memory", params["memory"], fmt.Sprint(want))
		})
	}
}

// TestRayResourcesFromKubernetes covers how ray start's resource flags come
// from the group's `resources` field and the Ray container's resources, as
// KubeRay v1.5 derives them.
func TestRayResourcesFromKubernetes(t *testing.T) {
	tests := map[string]struct {
		worker string // the Ray container's fields
		params string // the group's rayStartParams
		group  string // more fields of the group
		want   map[string]string
		absent []string
	}{
		"limits give cpus and memory": {
			worker: `resources: {limits: {cpu: "2", memory: 4Gi}, requests: {cpu: "1", memory: 1Gi}}`,
			want:   map[string]string{"num-cpus": "2", "memory": "4294967296"},
			absent: []string{"num-gpus", "resources"},
		},
		"requests only: cpus from the request, no memory": {
			worker: `resources: {requests: {cpu: 1500m, memory: 1Gi}}`,
			want:   map[string]string{"num-cpus": "2"},
			absent: []string{"memory"},
		},
		"a zero CPU limit falls back to the request": {
			worker: `resources: {limits: {cpu: "0"}, requests: {cpu: "3"}}`,
			want:   map[string]string{"num-cpus": "3"},
		},
		"rayStartParams win over resources": {
			worker: `resources: {limits: {cpu: "4", memory: 8Gi, nvidia.com/gpu: "1"}}`,
			params: `{num-cpus: "0", memory: "1000", num-gpus: "0"}`,
			want:   map[string]string{"num-cpus": "0", "memory": "1000", "num-gpus": "0"},
		},
		"first GPU limit by name": {
			worker: `resources: {limits: {nvidia.com/gpu: "2", amd.com/gpu: "1"}}`,
			want:   map[string]string{"num-gpus": "1"},
		},
		"MIG slice counts as a GPU": {
			worker: `resources: {limits: {nvidia.com/mig-1g.5gb: "1"}}`,
			want:   map[string]string{"num-gpus": "1"},
		},
		"TPU becomes a custom resource": {
			worker: `resources: {limits: {google.com/tpu: "4"}}`,
			want:   map[string]string{"resources": `{"TPU":4}`},
		},
		"Neuron cores join the user's custom resources": {
			worker: `resources: {limits: {aws.amazon.com/neuroncore: "2"}}`,
			params: `{resources: '{"custom": 1}'}`,
			want:   map[string]string{"resources": `{"custom":1,"neuron_cores":2}`},
		},
		// KubeRay reads the parameter with its outer quotes trimmed; an
		// escaped JSON string is then no JSON object, and it adds no
		// accelerator and no GPU from the limits.
		"resources that are no JSON object stop the accelerator step": {
			worker: `resources: {limits: {aws.amazon.com/neuroncore: "2", nvidia.com/gpu: "1"}}`,
			params: `{resources: '"{\"custom\": 1}"'}`,
			want:   map[string]string{"resources": `{"custom": 1}`},
			absent: []string{"num-gpus"},
		},
		"a TPU already in rayStartParams is not added again": {
			worker: `resources: {limits: {google.com/tpu: "4", aws.amazon.com/neuroncore: "2"}}`,
			params: `{resources: '{"TPU": 1}'}`,
			want:   map[string]string{"resources": `{"TPU": 1}`},
		},
		"group resources override the container's": {
			worker: `resources: {limits: {cpu: "8", memory: 8Gi}}`,
			group:  `resources: {CPU: "3", memory: 2Gi, nvidia.com/gpu: "1", accel: 500m}`,
			want:   map[string]string{"num-cpus": "3", "memory": "2147483648", "num-gpus": "1", "resources": `{"accel":0.5}`},
		},
		"group labels become ray start labels": {
			group: `labels: {zone: a, ray.io/market-type: spot}`,
			want:  map[string]string{"labels": "ray.io/market-type=spot,zone=a"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			params := tc.params
			if params == "" {
				params = "{}"
			}
			r := renderValues(t, fmt.Sprintf(`
workerGroupSpecs:
  - groupName: w
    rayStartParams: %s
    %s
    template:
      spec:
        containers:
          - name: ray-worker
            image: rayproject/ray:2.60.0
            %s
`, params, tc.group, tc.worker))
			got := rayStartParams(t, rayScript(t, r.worker(t, "w").Spec.Template.Spec.Containers[0]))
			for k, v := range tc.want {
				wantEqual(t, "--"+k, got[k], v)
			}
			for _, k := range tc.absent {
				if v, ok := got[k]; ok {
					t.Errorf("--%s=%s, want none", k, v)
				}
			}
		})
	}
}

func TestGroupLabelsLabelPods(t *testing.T) {
	r := renderValues(t, `
workerGroupSpecs:
  - groupName: w
    labels: {zone: a, ray.io/group: other}
    template:
      metadata: {labels: {zone: b, team: x, ray.io/identifier: mine}}
      spec: {containers: [{name: ray-worker, image: "rayproject/ray:2.60.0"}]}
`)
	labels := r.worker(t, "w").Spec.Template.Labels
	// The group's labels win over the template's; ray.io/group stays the chart's.
	wantSubset(t, "pod labels", labels, map[string]string{"zone": "a", "team": "x", "ray.io/group": "w", "ray.io/identifier": "mine"})
}

func TestSharedMemory(t *testing.T) {
	tests := map[string]struct {
		container string
		wantLimit string // "" for no size limit
		wantOurs  bool   // the chart's shared-mem volume and mount
	}{
		"sized by the memory limit": {container: `resources: {limits: {memory: 4Gi}, requests: {memory: 1Gi}}`, wantLimit: "4Gi", wantOurs: true},
		"else by the request":       {container: `resources: {requests: {memory: 1Gi}}`, wantLimit: "1Gi", wantOurs: true},
		"unsized without memory":    {wantOurs: true},
		"a user mount wins": {
			container: `volumeMounts: [{name: mine, mountPath: /dev/shm}]`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := renderValues(t, fmt.Sprintf(`
headGroupSpec:
  template:
    spec:
      volumes: [{name: mine, emptyDir: {}}]
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          %s
`, tc.container))
			var found bool
			for _, v := range r.head.Spec.Template.Spec.Volumes {
				if v.Name != "shared-mem" {
					continue
				}
				found = true
				if v.EmptyDir == nil || v.EmptyDir.Medium != "Memory" {
					t.Fatalf("shared-mem volume = %+v, want a memory emptyDir", v)
				}
				got := ""
				if v.EmptyDir.SizeLimit != nil {
					got = v.EmptyDir.SizeLimit.String()
				}
				wantEqual(t, "size limit", got, tc.wantLimit)
			}
			wantEqual(t, "chart's shared-mem volume", found, tc.wantOurs)
			var mounts []string
			for _, m := range r.headContainer().VolumeMounts {
				if m.MountPath == "/dev/shm" {
					mounts = append(mounts, m.Name)
				}
			}
			want := []string{"mine"}
			if tc.wantOurs {
				want = []string{"shared-mem"}
			}
			wantEqual(t, "mounts at /dev/shm", mounts, want)
		})
	}
}

func TestUserCommand(t *testing.T) {
	tests := map[string]struct {
		container    string
		annotations  string // the RayCluster's
		templateMeta string // the pod template's metadata
		wantCommand  []string
		wantArgs     []string // exact, or nil to check wantPrefix
		wantPrefix   string
	}{
		"command and args run first, then ray start": {
			container:   `command: ["echo 123"]` + "\n          args: [\"456\"]",
			wantCommand: []string{"/bin/bash", "-c", "--"},
			wantPrefix:  ` echo 123  456  && ulimit -n`,
		},
		"a command that runs ray start is kept": {
			container:   `command: ["/bin/bash", "-c"]` + "\n          args: [\"ray start --head --block\"]",
			wantCommand: []string{"/bin/bash", "-c"},
			wantArgs:    []string{"ray start --head --block"},
		},
		"overwrite annotation keeps the command": {
			annotations: `{ray.io/overwrite-container-cmd: "TRUE"}`,
			container:   `args: ["echo hi"]`,
			wantArgs:    []string{"echo hi"},
		},
		"overwrite annotation on the pod template keeps the command": {
			templateMeta: `{annotations: {ray.io/overwrite-container-cmd: "true"}}`,
			container:    `args: ["echo hi"]`,
			wantArgs:     []string{"echo hi"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			annotations, templateMeta := tc.annotations, tc.templateMeta
			if annotations == "" {
				annotations = "{}"
			}
			if templateMeta == "" {
				templateMeta = "{}"
			}
			r := renderValues(t, fmt.Sprintf(`
cluster: {annotations: %s}
headGroupSpec:
  template:
    metadata: %s
    spec:
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          %s
`, annotations, templateMeta, tc.container))
			c := r.headContainer()
			wantEqual(t, "command", c.Command, tc.wantCommand)
			if tc.wantArgs != nil {
				wantEqual(t, "args", c.Args, tc.wantArgs)
				return
			}
			if len(c.Args) != 1 || !strings.HasPrefix(c.Args[0], tc.wantPrefix) || !strings.Contains(c.Args[0], "exec ray start --head ") {
				t.Errorf("args = %q, want %q then ray start", c.Args, tc.wantPrefix)
			}
		})
	}
}

func TestBadGroupQuantityNamesTheField(t *testing.T) {
	_, err := Render(testChart(t), testRelease, testNamespace, parseValues(t, `
workerGroupSpecs:
  - groupName: w
    resources: {cpu: lots}
    template: {spec: {containers: [{name: ray-worker, image: "rayproject/ray:2.60.0"}]}}
`))
	if err == nil || !strings.Contains(err.Error(), "workerGroupSpecs[0].resources[cpu]") || !strings.Contains(err.Error(), "not a Kubernetes quantity") {
		t.Fatalf("render error = %v, want one naming workerGroupSpecs[0].resources[cpu]", err)
	}
}

// rayStartParams reads the flags of the `ray start` in a container script
// as bash would split them: --key=value and bare --flag (value "true").
func rayStartParams(t *testing.T, script string) map[string]string {
	t.Helper()
	i := strings.Index(script, "ray start")
	if i < 0 {
		t.Fatalf("no ray start in %q", script)
	}
	params := map[string]string{}
	for _, word := range shellWords(t, script[i+len("ray start"):]) {
		if !strings.HasPrefix(word, "--") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(word, "--"), "=")
		if !ok {
			v = "true"
		}
		params[k] = v
	}
	return params
}

// shellWords splits s into words with bash's quoting: single quotes,
// double quotes with backslash escapes, backslash outside quotes.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				t.Fatalf("unbalanced single quote in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\\"$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
