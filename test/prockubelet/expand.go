package prockubelet

import "strings"

// expand replaces $(NAME) by the value of NAME as the kubelet does in
// command, args and env values: an undefined NAME is left as written, and
// $$ is an escaped $ (so $$(NAME) stays literal). Shell syntax such as $NAME
// or ${NAME} is not touched; the shell in the container expands that.
func expand(s string, vars map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := vars[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// expandEnv expands $(NAME) in each env value from the variables defined
// before it, in order, as the kubelet does.
func expandEnv(env []string) []string {
	vars := map[string]string{}
	out := make([]string, len(env))
	for i, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		value = expand(value, vars)
		vars[name] = value
		out[i] = name + "=" + value
	}
	return out
}

// envMap is NAME=value pairs as a map; later entries win.
func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		m[name] = value
	}
	return m
}
