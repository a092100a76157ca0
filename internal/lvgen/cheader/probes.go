package cheader

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"modernc.org/cc/v4"
)

const (
	probeSource = "<cheader-probes>"
	probePrefix = "__cheader_probe_"
)

// probeText declares one static constant per candidate, initialised with the
// macro, so that the type checker computes the macro's value. Line i of the
// text belongs to cands[i].
func probeText(cands []candidate) string {
	var b strings.Builder
	for _, c := range cands {
		switch c.kind {
		case kindString:
			fmt.Fprintf(&b, "static const char *const %s%d = (%s);\n", probePrefix, c.id, c.name)
		default:
			fmt.Fprintf(&b, "static const long long %s%d = (%s);\n", probePrefix, c.id, c.name)
		}
	}
	return b.String()
}

// translateWithProbes type checks sources followed by the probes for cands.
// Probes the type checker rejects are dropped; the candidates that remain
// are returned with the AST. A failure not caused by a probe is returned as
// an error.
func translateWithProbes(cfg *cc.Config, sources []cc.Source, cands []candidate) (*cc.AST, []candidate, error) {
	for len(cands) != 0 {
		ast, err := translate(cfg, sources, cands)
		if err == nil {
			return ast, cands, nil
		}
		bad := probeErrorLines(err)
		if len(bad) == 0 {
			break
		}
		var keep []candidate
		for i, c := range cands {
			if !bad[i+1] {
				keep = append(keep, c)
			}
		}
		if len(keep) == len(cands) {
			break
		}
		cands = keep
	}

	// Either there were no candidates, or errors could not be pinned to probe
	// lines (for example a type error reported at a macro's definition). Make
	// sure the headers themselves are fine, then isolate the bad probes.
	ast, err := translate(cfg, sources, nil)
	if err != nil {
		return nil, nil, err
	}
	if len(cands) == 0 {
		return ast, nil, nil
	}
	good := goodProbes(cfg, sources, cands)
	if len(good) == 0 {
		return ast, nil, nil
	}
	ast, err = translate(cfg, sources, good)
	if err != nil {
		return nil, nil, err
	}
	return ast, good, nil
}

// goodProbes bisects cands and returns those that type check.
func goodProbes(cfg *cc.Config, sources []cc.Source, cands []candidate) []candidate {
	if _, err := translate(cfg, sources, cands); err == nil {
		return cands
	}
	if len(cands) == 1 {
		return nil
	}
	half := len(cands) / 2
	return append(goodProbes(cfg, sources, cands[:half]), goodProbes(cfg, sources, cands[half:])...)
}

func translate(cfg *cc.Config, sources []cc.Source, cands []candidate) (*cc.AST, error) {
	src := append(sources[:len(sources):len(sources)], cc.Source{Name: probeSource, Value: probeText(cands)})
	return cc.Translate(cfg, src)
}

// probeErrorLines returns the probe lines named by the error messages in err.
// It returns nil when any message points elsewhere.
func probeErrorLines(err error) map[int]bool {
	lines := map[int]bool{}
	for _, msg := range strings.Split(err.Error(), "\n") {
		if msg == "" {
			continue
		}
		rest, ok := strings.CutPrefix(msg, probeSource+":")
		if !ok {
			return nil
		}
		num, _, _ := strings.Cut(rest, ":")
		n, convErr := strconv.Atoi(num)
		if convErr != nil {
			return nil
		}
		lines[n] = true
	}
	return lines
}

// collectMacros reads the values the type checker computed for the probes.
// Integer probes whose value does not fit in int64, and probes that did not
// yield an integer or a string, are left out.
func collectMacros(ast *cc.AST, cands []candidate) []Macro {
	byID := map[int]candidate{}
	for _, c := range cands {
		byID[c.id] = c
	}

	var out []Macro
	for _, d := range fileDeclarations(ast) {
		for l := d.InitDeclaratorList; l != nil; l = l.InitDeclaratorList {
			id := l.InitDeclarator
			if id == nil || id.Declarator == nil || id.Initializer == nil || id.Initializer.AssignmentExpression == nil {
				continue
			}
			num, ok := strings.CutPrefix(id.Declarator.Name(), probePrefix)
			if !ok {
				continue
			}
			n, err := strconv.Atoi(num)
			if err != nil {
				continue
			}
			c, ok := byID[n]
			if !ok {
				continue
			}
			if m, ok := macroValue(c, id.Initializer.AssignmentExpression.Value()); ok {
				out = append(out, m)
			}
		}
	}
	pos := map[string]int{}
	for i, c := range cands {
		pos[c.name] = i
	}
	sort.SliceStable(out, func(i, j int) bool { return pos[out[i].Name] < pos[out[j].Name] })
	return out
}

func macroValue(c candidate, v cc.Value) (Macro, bool) {
	m := Macro{Name: c.name, File: c.file}
	switch c.kind {
	case kindString:
		s, ok := v.(cc.StringValue)
		if !ok {
			return m, false
		}
		m.IsString = true
		m.Str = strings.TrimSuffix(string(s), "\x00")
	default:
		switch x := v.(type) {
		case cc.Int64Value:
			m.Int = int64(x)
		case cc.UInt64Value:
			if uint64(x) > math.MaxInt64 {
				return m, false
			}
			m.Int = int64(x)
		default:
			return m, false
		}
	}
	return m, true
}
