package lvgen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/virtwire/libvirt/internal/lvgen/cheader"
	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// constRef is a named integer constant visible to RPCL code: an RPCL const,
// an RPCL enum member or a C header constant.
type constRef struct {
	goName string // Go identifier in its package
	pkg    string // the Go package that declares it
	value  int64
	typed  bool // a typed enum constant (not usable as an untyped bound)
	enum   string
}

// xdef is an RPCL definition with its Go name and the unit that owns it.
type xdef struct {
	def    rpcl.Def
	goName string
	unit   *unit
	// wire is set for a wire-only type: the arguments or reply of a
	// procedure that no public signature of the root package names. Its
	// goName is then unexported and package protocol exports it.
	wire *wireOnly
}

// headerEnum is a C enum turned into a Go type.
type headerEnum struct {
	cname   string
	goName  string
	file    string
	under   string // Go underlying type
	members []headerConst
	flags   bool // a bit-flag set: members are zero or powers of two
}

type headerConst struct {
	cname, goName string
	value         int64
}

// scope holds the names of one Go package.
type scope struct {
	pkg     string
	goNames map[string]string // Go name -> what defined it (for clash reports)
	enums   []*headerEnum
	macros  []cheader.Macro
	macroGo map[string]string // C macro name -> Go name
}

func newScope(pkg string) *scope {
	return &scope{pkg: pkg, goNames: map[string]string{}, macroGo: map[string]string{}}
}

// claim records that what defines Go identifier name in the scope and
// fails on a clash, so that no rename happens silently.
func (s *scope) claim(name, what string) error {
	if prev, ok := s.goNames[name]; ok && prev != what {
		return fmt.Errorf("package %s: Go name %s would be declared twice: by %s and by %s", s.pkg, name, prev, what)
	}
	s.goNames[name] = what
	return nil
}

// headerGoName maps a C constant name to its Go name in package pkg.
func headerGoName(pkg, cname string) string {
	switch {
	case pkg == "admin" && strings.HasPrefix(cname, "VIR_ADMIN_"):
		return camel(strings.TrimPrefix(cname, "VIR_ADMIN_"))
	case strings.HasPrefix(cname, "VIR_"):
		return camel(strings.TrimPrefix(cname, "VIR_"))
	case strings.HasPrefix(cname, "LIBVIR_"):
		return camel(strings.TrimPrefix(cname, "LIBVIR_"))
	case strings.HasPrefix(cname, "LIBVIRT_"):
		return camel(strings.TrimPrefix(cname, "LIBVIRT_"))
	}
	return camel(cname)
}

// headerTypeName maps a C enum name to its Go type name in package pkg.
func headerTypeName(pkg, cname string) string {
	n := cname
	if pkg == "admin" {
		n = strings.TrimPrefix(n, "virAdm")
	}
	n = strings.TrimPrefix(n, "vir")
	n = strings.TrimPrefix(n, "_")
	return fixInitialisms(strings.ToUpper(n[:1]) + n[1:])
}

// addHeaders turns the header enums and macros of the given files into Go
// declarations of scope s and registers them as constants for RPCL.
func (g *generator) addHeaders(s *scope, h *cheader.Headers, files func(string) bool) error {
	for _, e := range h.Enums {
		if !files(e.File) || len(e.Members) == 0 {
			continue
		}
		he := &headerEnum{cname: e.Name, goName: headerTypeName(s.pkg, e.Name), file: e.File}
		if err := s.claim(he.goName, "enum "+e.Name); err != nil {
			return err
		}
		lo, hi := int64(0), int64(0)
		he.flags = strings.Contains(e.Name, "Flag")
		for _, m := range e.Members {
			gm := headerConst{cname: m.Name, goName: headerGoName(s.pkg, m.Name), value: m.Value}
			if err := s.claim(gm.goName, m.Name); err != nil {
				return err
			}
			he.members = append(he.members, gm)
			lo, hi = min(lo, m.Value), max(hi, m.Value)
			if m.Value < 0 || m.Value&(m.Value-1) != 0 {
				he.flags = false
			}
			g.consts[m.Name] = constRef{goName: gm.goName, pkg: s.pkg, value: m.Value, typed: true, enum: he.goName}
		}
		switch {
		case lo >= -1<<31 && hi < 1<<31:
			he.under = "int32"
		case lo >= 0 && hi < 1<<32:
			he.under = "uint32"
		default:
			he.under = "int64"
		}
		s.enums = append(s.enums, he)
		g.enumsByC[e.Name] = he
	}
	for _, m := range h.Macros {
		if !files(m.File) {
			continue
		}
		gn := headerGoName(s.pkg, m.Name)
		if prev, ok := s.goNames[gn]; ok {
			// libvirt keeps old spellings as macros for enum members
			// ("#define VIR_X VIR_Y"); an identical Go name is the same
			// constant, anything else is a real clash.
			if prev == m.Name {
				continue
			}
			if !m.IsString {
				return fmt.Errorf("package %s: macro %s maps to Go name %s, already used by %s", s.pkg, m.Name, gn, prev)
			}
			// String macros name typed-parameter fields; one of them
			// (VIR_DOMAIN_JOB_OPERATION) shares its name with an enum
			// type, so such a clash takes the suffix "Field".
			gn += "Field"
		}
		if err := s.claim(gn, m.Name); err != nil {
			return err
		}
		s.macros = append(s.macros, m)
		s.macroGo[m.Name] = gn
		if !m.IsString {
			if _, ok := g.consts[m.Name]; !ok {
				g.consts[m.Name] = constRef{goName: gn, pkg: s.pkg, value: m.Int}
			}
		}
	}
	return nil
}

// value resolves an RPCL constant expression to a Go expression usable in
// package pkg as an untyped integer, plus its numeric value.
func (g *generator) value(v rpcl.Value, pkg string) (string, int64, error) {
	if v.Ref == "" {
		return fmt.Sprint(v.Lit), v.Lit, nil
	}
	c, ok := g.consts[v.Ref]
	if !ok {
		return "", 0, fmt.Errorf("undefined constant %s", v.Ref)
	}
	if c.pkg != pkg || c.typed {
		return fmt.Sprint(c.value), c.value, nil
	}
	return c.goName, c.value, nil
}

// sortedEnumNames is used for deterministic reports.
func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
