package rpcl

import "strings"

// annotations extracts the "@key: value" lines of a comment. A line counts
// when, after its comment delimiters, leading blanks and leading '*' are
// removed, it starts with '@', a key made of letters, digits and '_', and
// a ':'. It returns nil when the comment has no such line.
func annotations(c *comment) []Annotation {
	if c == nil {
		return nil
	}
	var out []Annotation
	lines := strings.Split(c.text, "\n")
	for i, raw := range lines {
		line := strings.TrimSuffix(raw, "\r")
		skip := 0 // bytes of line removed from the front so far
		if i == 0 {
			// Drop the opening delimiter: "/*", "/**" is covered by the
			// '*' trimming below, "//" likewise by trimming '/'.
			skip = 2
		}
		rest := line[skip:]
		if i == len(lines)-1 && strings.HasPrefix(c.text, "/*") {
			rest = strings.TrimSuffix(rest, "*/")
		}
		trimmed := strings.TrimLeft(rest, " \t*/")
		skip += len(rest) - len(trimmed)
		key, value, ok := splitAnnotation(trimmed)
		if !ok {
			continue
		}
		p := Pos{File: c.pos.File, Line: c.pos.Line + i, Col: 1 + skip}
		if i == 0 {
			p.Col = c.pos.Col + skip
		}
		out = append(out, Annotation{Pos: p, Key: key, Value: value})
	}
	return out
}

// splitAnnotation splits "@key: value" into key and trimmed value.
func splitAnnotation(s string) (key, value string, ok bool) {
	if !strings.HasPrefix(s, "@") {
		return "", "", false
	}
	n := 1
	for n < len(s) && (isLetter(s[n]) || isDigit(s[n])) {
		n++
	}
	if n == 1 || n >= len(s) || s[n] != ':' {
		return "", "", false
	}
	return s[1:n], strings.TrimSpace(s[n+1:]), true
}
