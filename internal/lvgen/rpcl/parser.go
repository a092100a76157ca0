package rpcl

import (
	"fmt"
	"math"
	"os"
)

// keywords are the reserved words of RPCL (with rpcgen's char and short);
// none of them can name a constant, type, member or field.
var keywords = map[string]bool{
	"bool": true, "case": true, "char": true, "const": true, "default": true,
	"double": true, "enum": true, "float": true, "hyper": true, "int": true,
	"opaque": true, "program": true, "quadruple": true, "short": true,
	"string": true, "struct": true, "switch": true, "typedef": true,
	"union": true, "unsigned": true, "version": true, "void": true,
}

// Parse parses the RPCL source src; filename is used in positions only.
// A syntax error, or a name defined twice, is returned as an *Error.
func Parse(filename string, src []byte) (*File, error) {
	p := &parser{
		lex:    newLexer(filename, src),
		file:   &File{Name: filename},
		names:  map[string]Pos{},
		consts: map[string]int64{},
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	for p.tok.kind != tokEOF {
		def, err := p.definition()
		if err != nil {
			return nil, err
		}
		p.file.Defs = append(p.file.Defs, def)
	}
	p.file.Passthrough = p.lex.passthrough
	return p.file, nil
}

// ParseFile reads and parses the file at path.
func ParseFile(path string) (*File, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src)
}

// parser is a recursive-descent parser with one token of lookahead.
type parser struct {
	lex  *lexer
	tok  token
	file *File
	// names maps every file-level name (definitions and enum members,
	// which share C's global namespace) to where it was defined.
	names map[string]Pos
	// consts holds the integer value of every constant and enum member
	// whose value is known within this file, for implicit enum values.
	consts map[string]int64
}

func (p *parser) next() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// fail reports that the current token is not what was expected.
func (p *parser) fail(expected string) error {
	return &Error{Pos: p.tok.pos, Expected: expected, Found: p.tok.describe()}
}

func (p *parser) isPunct(s string) bool { return p.tok.kind == tokPunct && p.tok.text == s }

func (p *parser) isKeyword(kw string) bool { return p.tok.kind == tokIdent && p.tok.text == kw }

// expect consumes the punctuation s or reports it missing.
func (p *parser) expect(s string) error {
	if !p.isPunct(s) {
		return p.fail("'" + s + "'")
	}
	return p.next()
}

// expectKeyword consumes the keyword kw or reports it missing.
func (p *parser) expectKeyword(kw string) error {
	if !p.isKeyword(kw) {
		return p.fail("'" + kw + "'")
	}
	return p.next()
}

// name consumes an identifier that is not a keyword; what describes it
// in the error otherwise.
func (p *parser) name(what string) (token, error) {
	t := p.tok
	if t.kind != tokIdent || keywords[t.text] {
		return t, p.fail(what)
	}
	return t, p.next()
}

// define records a file-level name, rejecting a second definition.
func (p *parser) define(t token) error {
	if first, dup := p.names[t.text]; dup {
		return &Error{
			Pos:      t.pos,
			Expected: fmt.Sprintf("a name not already defined (first defined at %s)", first),
			Found:    t.describe(),
		}
	}
	p.names[t.text] = t.pos
	return nil
}

// value parses a constant: an integer literal or a constant's name.
func (p *parser) value() (Value, error) {
	switch {
	case p.tok.kind == tokNumber:
		v := Value{Lit: p.tok.num}
		return v, p.next()
	case p.tok.kind == tokIdent && !keywords[p.tok.text]:
		v := Value{Ref: p.tok.text}
		return v, p.next()
	}
	return Value{}, p.fail("a number or constant name")
}

// resolve returns the integer behind v when it is known in this file.
func (p *parser) resolve(v Value) (int64, bool) {
	if v.Ref == "" {
		return v.Lit, true
	}
	n, ok := p.consts[v.Ref]
	return n, ok
}

// definition parses one top-level definition.
func (p *parser) definition() (Def, error) {
	switch {
	case p.isKeyword("const"):
		return p.constDef()
	case p.isKeyword("enum"):
		return p.enumDef()
	case p.isKeyword("struct"):
		return p.structDef()
	case p.isKeyword("union"):
		return p.unionDef()
	case p.isKeyword("typedef"):
		return p.typedefDef()
	}
	return nil, p.fail("a definition ('const', 'enum', 'struct', 'typedef' or 'union')")
}

// constDef parses "const NAME = value;".
func (p *parser) constDef() (Def, error) {
	c := &Const{Pos: p.tok.pos}
	if err := p.next(); err != nil {
		return nil, err
	}
	nt, err := p.name("a constant name")
	if err != nil {
		return nil, err
	}
	if err := p.define(nt); err != nil {
		return nil, err
	}
	c.Name = nt.text
	if err := p.expect("="); err != nil {
		return nil, err
	}
	if c.Value, err = p.value(); err != nil {
		return nil, err
	}
	if n, ok := p.resolve(c.Value); ok {
		p.consts[c.Name] = n
	}
	return c, p.expect(";")
}

// enumDef parses "enum NAME { A [= v], ... };".
func (p *parser) enumDef() (Def, error) {
	e := &Enum{Pos: p.tok.pos}
	if err := p.next(); err != nil {
		return nil, err
	}
	nt, err := p.name("an enum name")
	if err != nil {
		return nil, err
	}
	if err := p.define(nt); err != nil {
		return nil, err
	}
	e.Name = nt.text
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	if p.isPunct("}") {
		return nil, p.fail("at least one enum member")
	}
	for {
		m, err := p.enumMember(e.Members)
		if err != nil {
			return nil, err
		}
		e.Members = append(e.Members, m)
		if p.isPunct("}") {
			break
		}
		if !p.isPunct(",") {
			return nil, p.fail("',' or '}'")
		}
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	return e, p.expect(";")
}

// enumMember parses "NAME [= value]"; prev are the members before it, used
// to number a member that has no explicit value.
func (p *parser) enumMember(prev []EnumMember) (EnumMember, error) {
	nt, err := p.name("an enum member name")
	if err != nil {
		return EnumMember{}, err
	}
	if err := p.define(nt); err != nil {
		return EnumMember{}, err
	}
	m := EnumMember{Pos: nt.pos, Name: nt.text, Annotations: annotations(nt.comment)}
	if p.isPunct("=") {
		if err := p.next(); err != nil {
			return m, err
		}
		if m.Value, err = p.value(); err != nil {
			return m, err
		}
	} else if len(prev) > 0 {
		last := prev[len(prev)-1]
		n, ok := p.resolve(last.Value)
		if !ok {
			return m, p.fail(fmt.Sprintf("'=' (%s follows %s = %s, whose value is not known in this file)",
				m.Name, last.Name, last.Value.Ref))
		}
		if n == math.MaxInt64 {
			return m, p.fail(fmt.Sprintf("'=' (%s would overflow after %s)", m.Name, last.Name))
		}
		m.Value = Value{Lit: n + 1}
	}
	if n, ok := p.resolve(m.Value); ok {
		p.consts[m.Name] = n
	}
	return m, nil
}

// structDef parses "struct NAME { decl; ... };".
func (p *parser) structDef() (Def, error) {
	s := &Struct{Pos: p.tok.pos}
	if err := p.next(); err != nil {
		return nil, err
	}
	nt, err := p.name("a struct name")
	if err != nil {
		return nil, err
	}
	if err := p.define(nt); err != nil {
		return nil, err
	}
	s.Name = nt.text
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	if p.isPunct("}") {
		return nil, p.fail("at least one field")
	}
	fields := map[string]Pos{}
	for !p.isPunct("}") {
		if p.tok.kind == tokEOF {
			return nil, p.fail("'}' to close struct " + s.Name)
		}
		d, np, err := p.declaration(false)
		if err != nil {
			return nil, err
		}
		if err := uniqueMember(fields, d.Name, np, "field"); err != nil {
			return nil, err
		}
		if err := p.expect(";"); err != nil {
			return nil, err
		}
		s.Fields = append(s.Fields, d)
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	return s, p.expect(";")
}

// uniqueMember rejects a field or arm name used twice in one struct or
// union; void arms have no name and never clash.
func uniqueMember(seen map[string]Pos, name string, at Pos, what string) error {
	if name == "" {
		return nil
	}
	if first, dup := seen[name]; dup {
		return &Error{
			Pos:      at,
			Expected: fmt.Sprintf("a %s name not already used (first used at %s)", what, first),
			Found:    quoteText(name),
		}
	}
	seen[name] = at
	return nil
}

// discriminantKinds are the types a union may switch on.
var discriminantKinds = map[TypeKind]bool{
	Int: true, UInt: true, Char: true, UChar: true, Short: true,
	UShort: true, Bool: true, Named: true,
}

// unionDef parses "union NAME switch (decl) { case v: decl; ... };".
func (p *parser) unionDef() (Def, error) {
	u := &Union{Pos: p.tok.pos}
	if err := p.next(); err != nil {
		return nil, err
	}
	nt, err := p.name("a union name")
	if err != nil {
		return nil, err
	}
	if err := p.define(nt); err != nil {
		return nil, err
	}
	u.Name = nt.text
	if err := p.expectKeyword("switch"); err != nil {
		return nil, err
	}
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var discPos Pos
	if u.Discriminant, discPos, err = p.declaration(false); err != nil {
		return nil, err
	}
	if d := u.Discriminant; d.Kind != Scalar || !discriminantKinds[d.Type.Kind] {
		return nil, &Error{
			Pos:      d.Pos,
			Expected: "an int, unsigned int, bool or enum discriminant",
			Found:    quoteText(declString(d)),
		}
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	arms := map[string]Pos{u.Discriminant.Name: discPos}
	labels := map[Value]Pos{}
	for p.isKeyword("case") {
		c, err := p.unionCase(labels)
		if err != nil {
			return nil, err
		}
		if err := p.unionArm(&c.Arm, arms); err != nil {
			return nil, err
		}
		u.Cases = append(u.Cases, c)
	}
	if len(u.Cases) == 0 {
		return nil, p.fail("'case'")
	}
	if p.isKeyword("default") {
		if err := p.next(); err != nil {
			return nil, err
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		u.Default = new(Decl)
		if err := p.unionArm(u.Default, arms); err != nil {
			return nil, err
		}
		if err := p.expect("}"); err != nil {
			return nil, err
		}
	} else if !p.isPunct("}") {
		return nil, p.fail("'case', 'default' or '}'")
	} else if err := p.next(); err != nil {
		return nil, err
	}
	return u, p.expect(";")
}

// unionCase parses one or more "case v:" labels; labels maps each label
// already used in the union to its position.
func (p *parser) unionCase(labels map[Value]Pos) (UnionCase, error) {
	c := UnionCase{Pos: p.tok.pos}
	for p.isKeyword("case") {
		if err := p.next(); err != nil {
			return c, err
		}
		at := p.tok
		v, err := p.value()
		if err != nil {
			return c, err
		}
		if first, dup := labels[v]; dup {
			return c, &Error{
				Pos:      at.pos,
				Expected: fmt.Sprintf("a case label not already used (first used at %s)", first),
				Found:    at.describe(),
			}
		}
		labels[v] = at.pos
		c.Values = append(c.Values, v)
		if err := p.expect(":"); err != nil {
			return c, err
		}
	}
	return c, nil
}

// unionArm parses an arm's declaration (possibly void) and its ';'.
func (p *parser) unionArm(d *Decl, arms map[string]Pos) error {
	arm, np, err := p.declaration(true)
	if err != nil {
		return err
	}
	if err := uniqueMember(arms, arm.Name, np, "union member"); err != nil {
		return err
	}
	*d = arm
	return p.expect(";")
}

// typedefDef parses "typedef decl;".
func (p *parser) typedefDef() (Def, error) {
	t := &Typedef{Pos: p.tok.pos}
	if err := p.next(); err != nil {
		return nil, err
	}
	nameTok := p.tok
	d, np, err := p.declaration(false)
	if err != nil {
		return nil, err
	}
	nameTok.text, nameTok.pos = d.Name, np
	if err := p.define(nameTok); err != nil {
		return nil, err
	}
	t.Decl = d
	return t, p.expect(";")
}
