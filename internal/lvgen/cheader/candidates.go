package cheader

import (
	"path/filepath"
	"sort"

	"modernc.org/cc/v4"
)

// macroKind tells which probe declaration a candidate macro gets.
type macroKind int

const (
	kindInt macroKind = iota
	kindString
)

// candidate is an object-like libvirt macro whose expansion consists only of
// tokens that can form an integer constant expression or a string literal.
type candidate struct {
	id   int // stable index, used in the probe declaration's name
	name string
	file string
	kind macroKind
}

// exprPunctuators are the punctuators allowed in an integer constant
// expression (assignment, comma, braces and the like are not).
var exprPunctuators = map[string]bool{
	"(": true, ")": true, "+": true, "-": true, "*": true, "/": true, "%": true,
	"<<": true, ">>": true, "&": true, "|": true, "^": true, "~": true, "!": true,
	"<": true, ">": true, "<=": true, ">=": true, "==": true, "!=": true,
	"&&": true, "||": true, "?": true, ":": true,
}

// macroCandidates selects the libvirt macros worth probing and orders them by
// header (first appearance in the translation unit) and position.
func macroCandidates(ast *cc.AST) []candidate {
	enumerators := map[string]bool{}
	for _, d := range fileDeclarations(ast) {
		if es, _ := enumDefinition(d); es != nil {
			for l := es.EnumeratorList; l != nil; l = l.EnumeratorList {
				if l.Enumerator != nil {
					enumerators[l.Enumerator.Token.SrcStr()] = true
				}
			}
		}
	}
	cl := &classifier{macros: ast.Macros, enumerators: enumerators, visiting: map[string]bool{}}

	type placed struct {
		c        candidate
		path     string
		fileRank int
		offset   int
	}
	ranks := fileRanks(ast)
	var list []placed
	for name, m := range ast.Macros {
		pos := m.Position()
		if m.IsFnLike || !fromLibvirt(pos.Filename) || len(m.ReplacementList()) == 0 {
			continue
		}
		kind, ok := cl.classify(name)
		if !ok {
			continue
		}
		rank, ok := ranks[pos.Filename]
		if !ok {
			rank = len(ranks) // ordered by name below, after known files
		}
		list = append(list, placed{
			c:        candidate{name: name, file: filepath.Base(pos.Filename), kind: kind},
			path:     pos.Filename,
			fileRank: rank,
			offset:   pos.Offset,
		})
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		switch {
		case a.fileRank != b.fileRank:
			return a.fileRank < b.fileRank
		case a.path != b.path:
			return a.path < b.path
		case a.offset != b.offset:
			return a.offset < b.offset
		default:
			return a.c.name < b.c.name
		}
	})

	out := make([]candidate, len(list))
	for i, p := range list {
		p.c.id = i
		out[i] = p.c
	}
	return out
}

// fileRanks numbers files in the order their first file-scope declaration
// appears in the translation unit.
func fileRanks(ast *cc.AST) map[string]int {
	ranks := map[string]int{}
	for _, d := range fileDeclarations(ast) {
		f := d.Position().Filename
		if _, ok := ranks[f]; !ok {
			ranks[f] = len(ranks)
		}
	}
	return ranks
}

// classifier decides, by looking at tokens only, whether a macro may expand
// to an integer constant expression or to (concatenated) string literals.
// The actual value is computed later by cc/v4.
type classifier struct {
	macros      map[string]*cc.Macro
	enumerators map[string]bool
	visiting    map[string]bool
}

// shape summarises the tokens of a (recursively expanded) replacement list.
type shape struct {
	ints, strs, ops bool
	depth           int // parenthesis balance
}

func (c *classifier) classify(name string) (macroKind, bool) {
	var s shape
	if !c.scan(name, &s) || s.depth != 0 {
		return 0, false
	}
	switch {
	case s.strs && !s.ints && !s.ops:
		return kindString, true
	case s.ints && !s.strs:
		return kindInt, true
	default:
		return 0, false
	}
}

// scan walks the replacement list of macro name, descending into the
// object-like macros it refers to. A macro being expanded is treated as a
// plain identifier when it refers to itself, as the preprocessor does.
func (c *classifier) scan(name string, s *shape) bool {
	m := c.macros[name]
	c.visiting[name] = true
	defer delete(c.visiting, name)

	for _, t := range m.ReplacementList() {
		src := t.SrcStr()
		switch t.Ch {
		case rune(cc.IDENTIFIER):
			if ref, ok := c.macros[src]; ok && !c.visiting[src] {
				if ref.IsFnLike || len(ref.ReplacementList()) == 0 || !c.scan(src, s) {
					return false
				}
				continue
			}
			if !c.enumerators[src] {
				return false
			}
			s.ints = true
		case rune(cc.PPNUMBER), rune(cc.CHARCONST):
			s.ints = true
		case rune(cc.STRINGLITERAL):
			s.strs = true
		default:
			if !exprPunctuators[src] {
				return false
			}
			switch src {
			case "(":
				s.depth++
			case ")":
				if s.depth--; s.depth < 0 {
					return false
				}
			default:
				s.ops = true
			}
		}
	}
	return true
}
