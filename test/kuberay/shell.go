package kuberay

import (
	"errors"
	"fmt"
	"strings"
)

// shellCommand is one simple command of a bash script after quote removal:
// its words (redirections dropped) and the operator that ends it.
type shellCommand struct {
	Words []string
	// Sep is ";" (also for a newline), "&&", "||", "|", "&", or "" for the
	// script's last command.
	Sep string
}

// splitScript splits a bash script into simple commands the way bash reads
// them, for the subset of bash that pod commands use: quotes, backslashes,
// comments, the list operators, redirections. Parameter expansions are kept
// as text in one canonical form, ${NAME} (so $NAME, ${NAME} and "$NAME"
// compare equal), and are never expanded; a '$' that bash would not expand
// (single-quoted or escaped) comes out as \$, so a literal "$X" and an
// expanded ${X} never look alike. Compound commands (if,
// while) come out as commands whose first word is the keyword.
func splitScript(script string) ([]shellCommand, error) {
	s := &scriptScanner{src: []rune(script)}
	if err := s.scan(); err != nil {
		return nil, err
	}
	return s.cmds, nil
}

type scriptScanner struct {
	src      []rune
	i        int
	cmds     []shellCommand
	words    []string
	word     strings.Builder
	inWord   bool
	skipNext bool // the next word is a redirection's target
}

func (s *scriptScanner) scan() error {
	for s.i < len(s.src) {
		if err := s.step(); err != nil {
			return err
		}
	}
	s.endWord()
	s.endCommand("")
	return nil
}

func (s *scriptScanner) peek(off int) rune {
	if s.i+off < len(s.src) {
		return s.src[s.i+off]
	}
	return 0
}

// step consumes one token's worth of input.
func (s *scriptScanner) step() error {
	c := s.src[s.i]
	switch {
	case c == '\\':
		s.escape()
	case c == '\'':
		return s.singleQuoted()
	case c == '"':
		return s.doubleQuoted()
	case c == '$':
		s.inWord = true
		return s.expansion()
	case c == '#' && !s.inWord:
		for s.i < len(s.src) && s.src[s.i] != '\n' {
			s.i++
		}
	case c == ' ' || c == '\t':
		s.endWord()
		s.i++
	case c == '\n' || c == ';':
		s.endWord()
		s.endCommand(";")
		s.i++
	case c == '&' || c == '|':
		s.operator(c)
	case c == '>' || c == '<':
		s.redirection()
	case c == '(' || c == ')':
		s.endWord()
		s.words = append(s.words, string(c))
		s.i++
	default:
		s.word.WriteRune(c)
		s.inWord = true
		s.i++
	}
	return nil
}

func (s *scriptScanner) escape() {
	next := s.peek(1)
	s.i += 2
	if next == '\n' || next == 0 { // line continuation, or a trailing backslash
		return
	}
	s.writeLiteral(string(next))
	s.inWord = true
}

// writeLiteral adds text bash takes literally, marking a '$' as \$.
func (s *scriptScanner) writeLiteral(text string) {
	s.word.WriteString(strings.ReplaceAll(text, "$", `\$`))
}

func (s *scriptScanner) singleQuoted() error {
	end := indexRune(s.src, '\'', s.i+1)
	if end < 0 {
		return errors.New("unterminated single quote")
	}
	s.writeLiteral(string(s.src[s.i+1 : end]))
	s.inWord = true
	s.i = end + 1
	return nil
}

func (s *scriptScanner) doubleQuoted() error {
	s.inWord = true
	s.i++
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '"':
			s.i++
			return nil
		case c == '\\' && strings.ContainsRune("$`\"\\\n", s.peek(1)):
			if s.peek(1) != '\n' {
				s.writeLiteral(string(s.peek(1)))
			}
			s.i += 2
		case c == '$':
			if err := s.expansion(); err != nil {
				return err
			}
		default:
			s.word.WriteRune(c)
			s.i++
		}
	}
	return errors.New("unterminated double quote")
}

// expansion reads a '$' form at s.i and writes its canonical text.
func (s *scriptScanner) expansion() error {
	next := s.peek(1)
	switch {
	case next == '{' || next == '(':
		closer := map[rune]rune{'{': '}', '(': ')'}[next]
		end := matching(s.src, s.i+1, next, closer)
		if end < 0 {
			return fmt.Errorf("unterminated $%c", next)
		}
		s.word.WriteString("$" + string(s.src[s.i+1:end+1]))
		s.i = end + 1
	case isNameStart(next):
		j := s.i + 1
		for j < len(s.src) && isNameChar(s.src[j]) {
			j++
		}
		s.word.WriteString("${" + string(s.src[s.i+1:j]) + "}")
		s.i = j
	case next != 0 && strings.ContainsRune("0123456789?#@*!$-", next):
		s.word.WriteString("${" + string(next) + "}")
		s.i += 2
	default:
		s.word.WriteRune('$')
		s.i++
	}
	return nil
}

func (s *scriptScanner) operator(c rune) {
	s.endWord()
	if s.peek(1) == c {
		s.endCommand(string([]rune{c, c}))
		s.i += 2
		return
	}
	if c == '&' && s.peek(1) == '>' { // &> file
		s.i++
		s.redirection()
		return
	}
	s.endCommand(string(c))
	s.i++
}

// redirection drops a redirection (2>/dev/null, >&2, > file, 2>&1): an fd
// number right before it, the operator, and its target word.
func (s *scriptScanner) redirection() {
	if s.inWord && isDigits(s.word.String()) {
		s.word.Reset()
		s.inWord = false
	}
	s.endWord()
	for s.i < len(s.src) && strings.ContainsRune("<>&", s.src[s.i]) {
		s.i++
	}
	s.skipNext = true
}

func (s *scriptScanner) endWord() {
	if !s.inWord {
		return
	}
	if s.skipNext {
		s.skipNext = false
	} else {
		s.words = append(s.words, s.word.String())
	}
	s.word.Reset()
	s.inWord = false
}

func (s *scriptScanner) endCommand(sep string) {
	if len(s.words) == 0 {
		// An empty command (a blank line, "; ;") separates nothing; keep the
		// stronger separator on the previous command.
		if n := len(s.cmds); n > 0 && sep != ";" && sep != "" {
			s.cmds[n-1].Sep = sep
		}
		return
	}
	s.cmds = append(s.cmds, shellCommand{Words: s.words, Sep: sep})
	s.words = nil
}

func indexRune(rs []rune, r rune, from int) int {
	for j := from; j < len(rs); j++ {
		if rs[j] == r {
			return j
		}
	}
	return -1
}

// matching returns the index of the closer that balances the opener at
// rs[open], or -1.
func matching(rs []rune, open int, opener, closer rune) int {
	depth := 0
	for j := open; j < len(rs); j++ {
		switch rs[j] {
		case opener:
			depth++
		case closer:
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

func isNameStart(r rune) bool {
	return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
}

func isNameChar(r rune) bool { return isNameStart(r) || (r >= '0' && r <= '9') }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
