package kuberay

import (
	"encoding/json"
	"path"
	"strings"
)

// rayStart is a parsed `ray start` command line.
type rayStart struct {
	Head   bool
	Params map[string]string // flag name (without --) -> value; a bare flag is "true"
	// Extra are words that are no flag's value (ray start refuses them):
	// what an unquoted value with a space turns into.
	Extra []string
}

// startScript is what a Ray container's command does, in Ray's terms.
type startScript struct {
	// RayStart is the first `ray start` of the script; nil when the script
	// has none (a command kept as written that runs, say,
	// $KUBERAY_GEN_RAY_START_CMD).
	RayStart *rayStart
	// Exec tells whether ray start replaces the shell (exec ray start).
	Exec bool
	// Runs says when ray start runs relative to the command before it.
	Runs string
	// OpenFiles is the `ulimit -n` value set before ray start, "" if none.
	OpenFiles string
	// UserCommand is what runs before ray start (or the whole script when
	// there is no ray start), the ulimit excluded; "" if nothing.
	UserCommand string
}

// Values of startScript.Runs.
const (
	runsAlways       = "always"
	runsOnSuccess    = "only when the command before succeeds"
	runsOnFailure    = "only when the command before fails"
	runsInBackground = "after the command before is sent to the background"
)

// containerScript returns the shell commands a container runs: the -c
// script when the container runs a shell with -c, else its argv as one
// command.
func containerScript(command, args []string) ([]shellCommand, error) {
	argv := append(append([]string{}, command...), args...)
	if len(argv) == 0 {
		return nil, nil
	}
	if sh := path.Base(argv[0]); sh == "bash" || sh == "sh" {
		hasC, i := false, 1
		for ; i < len(argv) && strings.HasPrefix(argv[i], "-"); i++ {
			if argv[i] == "--" {
				i++
				break
			}
			if !strings.HasPrefix(argv[i], "--") && strings.Contains(argv[i], "c") {
				hasC = true
			}
		}
		if hasC && i < len(argv) {
			return splitScript(argv[i])
		}
	}
	return []shellCommand{{Words: argv}}, nil
}

// analyseScript finds ray start, the ulimit before it and the user's own
// commands in a container script.
func analyseScript(cmds []shellCommand) startScript {
	var s startScript
	start, words := findRayStart(cmds)
	before := cmds
	if start >= 0 {
		before = cmds[:start]
	}
	var user []shellCommand
	for i := 0; i < len(before); i++ {
		w := commandWords(before[i].Words)
		if len(w) == 0 || w[0] != "ulimit" || s.OpenFiles != "" {
			user = append(user, before[i])
			continue
		}
		s.OpenFiles = openFilesLimit(w[1:])
		sep := before[i].Sep
		// `ulimit ... || true` only guards the ulimit: it is part of it.
		if sep == "||" && i+1 < len(before) && strings.Join(before[i+1].Words, " ") == "true" {
			i++
			sep = before[i].Sep
		}
		if n := len(user); n > 0 {
			user[n-1].Sep = sep
		}
	}
	s.UserCommand = joinCommands(user)
	if start < 0 {
		return s
	}
	s.RayStart = parseRayStartArgs(words)
	s.Exec = hasWordBefore(cmds[start].Words, "exec")
	s.Runs = runsAlways
	if start > 0 {
		switch cmds[start-1].Sep {
		case "&&":
			s.Runs = runsOnSuccess
		case "||":
			s.Runs = runsOnFailure
		case "&":
			s.Runs = runsInBackground
		}
	}
	return s
}

// findRayStart returns the index of the first command that runs
// `ray start` and the words after "ray start".
func findRayStart(cmds []shellCommand) (int, []string) {
	for i, c := range cmds {
		for k := 0; k+1 < len(c.Words); k++ {
			if c.Words[k] == "ray" && c.Words[k+1] == "start" {
				return i, c.Words[k+2:]
			}
		}
	}
	return -1, nil
}

// commandWords drops leading variable assignments and `exec`.
func commandWords(words []string) []string {
	for len(words) > 0 && (isAssignment(words[0]) || words[0] == "exec") {
		words = words[1:]
	}
	return words
}

func isAssignment(w string) bool {
	eq := strings.IndexByte(w, '=')
	if eq <= 0 {
		return false
	}
	for i, r := range w[:eq] {
		if !isNameChar(r) || (i == 0 && !isNameStart(r)) {
			return false
		}
	}
	return true
}

func hasWordBefore(words []string, want string) bool {
	for _, w := range words {
		if w == "ray" {
			return false
		}
		if w == want {
			return true
		}
	}
	return false
}

// openFilesLimit reads ulimit's -n value, resolving ${VAR:-default} to its
// default (the variable is not set in a Ray container unless the user sets
// it, which the env comparison shows).
func openFilesLimit(args []string) string {
	for i, a := range args {
		if a == "-n" && i+1 < len(args) {
			return resolveDefault(args[i+1])
		}
		if strings.HasPrefix(a, "-n") && len(a) > 2 {
			return resolveDefault(a[2:])
		}
	}
	return strings.Join(args, " ")
}

func resolveDefault(v string) string {
	if strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}") {
		if i := strings.Index(v, ":-"); i > 0 {
			return v[i+2 : len(v)-1]
		}
	}
	return v
}

// joinCommands prints commands as one normalised line: words separated by
// one space, the operators between commands kept, the last one dropped.
func joinCommands(cmds []shellCommand) string {
	var b strings.Builder
	for i, c := range cmds {
		if i > 0 {
			b.WriteString(" " + cmds[i-1].Sep + " ")
		}
		b.WriteString(strings.Join(c.Words, " "))
	}
	return b.String()
}

// parseRayStartArgs reads ray start's flags: --key=value, --key value, or a
// bare --key (true). --head sets the mode.
func parseRayStartArgs(words []string) *rayStart {
	rs := &rayStart{Params: map[string]string{}}
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !strings.HasPrefix(w, "--") {
			rs.Extra = append(rs.Extra, w)
			continue
		}
		key, val, hasVal := strings.Cut(w[2:], "=")
		if !hasVal {
			val = "true"
			if key != "head" && key != "block" && i+1 < len(words) && !strings.HasPrefix(words[i+1], "-") {
				val = words[i+1]
				i++
			}
		}
		if key == "head" {
			rs.Head = true
			continue
		}
		rs.Params[key] = normaliseParam(key, val)
	}
	return rs
}

// normaliseParam puts a parameter's value in a form where equal meaning
// means equal text: `resources` is JSON, compared as parsed JSON.
func normaliseParam(key, val string) string {
	if key != "resources" {
		return val
	}
	trimmed := strings.Trim(val, "'\"` ")
	var parsed any
	if err := json.Unmarshal([]byte(trimmed), &parsed); err != nil {
		return val
	}
	b, err := json.Marshal(parsed) // map keys come out sorted
	if err != nil {
		return val
	}
	return string(b)
}

// parseGeneratedCommand reads KUBERAY_GEN_RAY_START_CMD: a `ray start`
// line, without a shell around it.
func parseGeneratedCommand(line string) (*rayStart, error) {
	cmds, err := splitScript(line)
	if err != nil {
		return nil, err
	}
	_, words := findRayStart(cmds)
	if words == nil && !strings.Contains(line, "ray start") {
		return nil, nil
	}
	return parseRayStartArgs(words), nil
}
