package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// stage is what the last stage of a Dockerfile says about the image it
// builds. Only instructions that need no container to run are understood;
// anything else (RUN, say) is an error, because building it takes an engine.
type stage struct {
	labels     map[string]string
	labelOrder []string
	copies     []copyStep
	user       string
	workdir    string
	entrypoint []string
	env        []string
}

// copyStep is one COPY: sources relative to the build context, or paths in
// an earlier stage when from is set.
type copyStep struct {
	from    string
	sources []string
	dest    string
	line    string
}

// parseDockerfile reads the Dockerfile's last stage, substituting ARG values
// (buildArgs override the defaults) as the engine would.
func parseDockerfile(path string, buildArgs map[string]string) (*stage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	lines := logicalLines(string(data))
	last := -1
	for i, l := range lines {
		if strings.EqualFold(keyword(l), "FROM") {
			last = i
		}
	}
	if last < 0 {
		return nil, fmt.Errorf("%s has no FROM", path)
	}
	if from := strings.Fields(lines[last]); len(from) < 2 || from[1] != "scratch" {
		return nil, fmt.Errorf("%s: the last stage must start FROM scratch to be built without an engine, got %q", path, lines[last])
	}
	st := &stage{labels: map[string]string{}}
	args := map[string]string{}
	for _, l := range lines[last+1:] {
		if err := st.apply(l, args, buildArgs); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return st, nil
}

func (st *stage) apply(line string, args, buildArgs map[string]string) error {
	kw := strings.ToUpper(keyword(line))
	rest := strings.TrimSpace(line[len(kw):])
	expand := func(s string) string { return expandArgs(s, args) }
	switch kw {
	case "ARG":
		name, def, _ := strings.Cut(rest, "=")
		if v, ok := buildArgs[name]; ok {
			def = v
		}
		args[name] = unquote(def)
	case "LABEL":
		pairs, err := keyValues(rest)
		if err != nil {
			return fmt.Errorf("LABEL %s: %w", rest, err)
		}
		for _, kv := range pairs {
			if _, seen := st.labels[kv[0]]; !seen {
				st.labelOrder = append(st.labelOrder, kv[0])
			}
			st.labels[kv[0]] = expand(kv[1])
		}
	case "ENV":
		pairs, err := keyValues(rest)
		if err != nil {
			return fmt.Errorf("ENV %s: %w", rest, err)
		}
		for _, kv := range pairs {
			st.env = append(st.env, kv[0]+"="+expand(kv[1]))
		}
	case "COPY":
		step := copyStep{line: line}
		fields := strings.Fields(expand(rest))
		for len(fields) > 0 && strings.HasPrefix(fields[0], "--") {
			flag, value, _ := strings.Cut(strings.TrimPrefix(fields[0], "--"), "=")
			if flag != "from" {
				return fmt.Errorf("COPY --%s is not supported without an engine", flag)
			}
			step.from = value
			fields = fields[1:]
		}
		if len(fields) < 2 {
			return fmt.Errorf("COPY needs a source and a destination: %q", line)
		}
		step.sources, step.dest = fields[:len(fields)-1], fields[len(fields)-1]
		st.copies = append(st.copies, step)
	case "USER":
		st.user = expand(rest)
	case "WORKDIR":
		st.workdir = expand(rest)
	case "ENTRYPOINT":
		if err := json.Unmarshal([]byte(rest), &st.entrypoint); err != nil {
			return fmt.Errorf("ENTRYPOINT must be in exec (JSON) form: %w", err)
		}
	default:
		return fmt.Errorf("%s cannot be built without a container engine: %q", kw, line)
	}
	return nil
}

// logicalLines joins continuation lines and drops comments and blank lines.
func logicalLines(text string) []string {
	var out []string
	var cur strings.Builder
	for _, raw := range strings.Split(text, "\n") {
		l := strings.TrimSpace(raw)
		if strings.HasPrefix(l, "#") || (l == "" && cur.Len() == 0) {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cur.WriteString(strings.TrimSuffix(l, "\\") + " ")
			continue
		}
		cur.WriteString(l)
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	return out
}

func keyword(line string) string {
	kw, _, _ := strings.Cut(line, " ")
	return kw
}

// keyValuesRe matches key=value with a double-quoted or bare value.
var keyValuesRe = regexp.MustCompile(`([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)`)

func keyValues(s string) ([][2]string, error) {
	var out [][2]string
	rest := strings.TrimSpace(s)
	for rest != "" {
		loc := keyValuesRe.FindStringSubmatchIndex(rest)
		if loc == nil || loc[0] != 0 {
			return nil, fmt.Errorf("expected key=value at %q", rest)
		}
		out = append(out, [2]string{rest[loc[2]:loc[3]], unquote(rest[loc[4]:loc[5]])})
		rest = strings.TrimSpace(rest[loc[1]:])
	}
	return out, nil
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		var v string
		if err := json.Unmarshal([]byte(s), &v); err == nil {
			return v
		}
		return s[1 : len(s)-1]
	}
	return s
}

var argRefRe = regexp.MustCompile(`\$\{(\w+)\}|\$(\w+)`)

func expandArgs(s string, args map[string]string) string {
	return argRefRe.ReplaceAllStringFunc(s, func(ref string) string {
		m := argRefRe.FindStringSubmatch(ref)
		name := m[1] + m[2]
		return args[name]
	})
}
