package bundle

import (
	"bufio"
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// dockerfileFacts is what the final stage of the Dockerfile declares.
type dockerfileFacts struct {
	base   string
	user   string
	labels map[string]bool
	copies map[string]string // destination -> source
}

var labelKeyRe = regexp.MustCompile(`(?:^|\s)([a-z][a-z0-9._-]*)=`)

// parseFinalStage reads the last FROM stage, joining continued lines.
func parseFinalStage(data []byte) dockerfileFacts {
	var lines []string
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	var f dockerfileFacts
	for _, line := range lines {
		instr, rest, _ := strings.Cut(line, " ")
		switch strings.ToUpper(instr) {
		case "FROM":
			f = dockerfileFacts{base: strings.Fields(rest)[0], labels: map[string]bool{}, copies: map[string]string{}}
		case "USER":
			f.user = strings.TrimSpace(rest)
		case "LABEL":
			for _, m := range labelKeyRe.FindAllStringSubmatch(rest, -1) {
				f.labels[m[1]] = true
			}
		case "COPY":
			fields := strings.Fields(rest)
			var args []string
			for _, a := range fields {
				if !strings.HasPrefix(a, "--") {
					args = append(args, a)
				}
			}
			if len(args) == 2 {
				f.copies[strings.TrimSuffix(args[1], "/")] = args[0]
			}
		}
	}
	return f
}

// TestOperatorImage checks the Dockerfile against what the manager
// Deployment and OpenShift's container checks expect: a numeric non-root
// user, the license under /licenses, the required labels, and the binary,
// watches.yaml and chart where the Deployment's command and arguments look
// for them.
func TestOperatorImage(t *testing.T) {
	l := mustLayout(t)
	f := parseFinalStage(mustRead(t, filepath.Join(l.Root, "Dockerfile")))
	uid, _, _ := strings.Cut(f.user, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("USER %q is not a numeric non-root user", f.user)
	}
	for _, label := range []string{"name", "vendor", "version", "release", "summary", "description", "maintainer"} {
		if !f.labels[label] {
			t.Errorf("label %s missing from the final stage", label)
		}
	}
	if f.copies["/licenses/LICENSE"] != "LICENSE" {
		t.Errorf("LICENSE is not copied to /licenses: %v", f.copies)
	}
	dep := managerDeployment(t, l)
	c := dep.Spec.Template.Spec.Containers[0]
	if len(c.Command) == 0 || f.copies[c.Command[0]] == "" {
		t.Errorf("the Deployment runs %v, which the image does not contain (copies %v)", c.Command, f.copies)
	}
	watches := ""
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--watches-file="); ok {
			watches = v
		}
	}
	if f.copies[watches] != "watches.yaml" {
		t.Errorf("--watches-file=%s is not where the image puts watches.yaml (copies %v)", watches, f.copies)
	}
	var entries []struct {
		Chart string `json:"chart"`
	}
	if err := yaml.Unmarshal(mustRead(t, filepath.Join(l.Root, "watches.yaml")), &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		// Relative chart paths are resolved against the watches file.
		inImage := filepath.Join(filepath.Dir(watches), e.Chart)
		if strings.TrimSuffix(f.copies[inImage], "/") != e.Chart {
			t.Errorf("chart %s is not copied to %s (copies %v)", e.Chart, inImage, f.copies)
		}
	}
}
