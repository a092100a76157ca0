package rpcl

import "strings"

// baseTypes maps the keywords that are complete type specifiers on their
// own to their kinds.
var baseTypes = map[string]TypeKind{
	"int": Int, "hyper": Hyper, "char": Char, "short": Short, "bool": Bool,
	"float": Float, "double": Double, "quadruple": Quadruple,
}

// unsignedTypes maps the keywords that may follow "unsigned".
var unsignedTypes = map[string]TypeKind{
	"int": UInt, "hyper": UHyper, "char": UChar, "short": UShort,
}

// declaration parses a declaration and returns it with the position of
// its name (the zero Pos for void). allowVoid permits "void", which RPCL
// allows only as a union arm.
func (p *parser) declaration(allowVoid bool) (Decl, Pos, error) {
	d := Decl{Pos: p.tok.pos}
	switch {
	case p.isKeyword("void"):
		if !allowVoid {
			return d, Pos{}, p.fail("a type (void is only allowed as a union arm)")
		}
		d.Type.Kind = Void
		return d, Pos{}, p.next()
	case p.isKeyword("opaque"), p.isKeyword("string"):
		return p.bytesDecl(d)
	}
	var err error
	if d.Type, err = p.typeSpec(); err != nil {
		return d, Pos{}, err
	}
	if p.isPunct("*") {
		if err := p.next(); err != nil {
			return d, Pos{}, err
		}
		d.Kind = Optional
	}
	nt, err := p.name("a name")
	if err != nil {
		return d, Pos{}, err
	}
	d.Name = nt.text
	if d.Kind == Optional {
		return d, nt.pos, nil
	}
	switch {
	case p.isPunct("["):
		d.Kind = FixedArray
		d.Size, err = p.arraySize("]")
	case p.isPunct("<"):
		d.Kind = VarArray
		d.Size, err = p.arraySize(">")
	}
	return d, nt.pos, err
}

// bytesDecl parses "opaque name[N]", "opaque name<N>" or "string name<N>"
// (bounds may be omitted inside angle brackets).
func (p *parser) bytesDecl(d Decl) (Decl, Pos, error) {
	d.Type.Kind = Opaque
	expected := "'[' or '<' after an opaque name"
	if p.isKeyword("string") {
		d.Type.Kind = String
		expected = "'<' after a string name"
	}
	if err := p.next(); err != nil {
		return d, Pos{}, err
	}
	nt, err := p.name("a name")
	if err != nil {
		return d, Pos{}, err
	}
	d.Name = nt.text
	switch {
	case p.isPunct("[") && d.Type.Kind == Opaque:
		d.Kind = FixedArray
		d.Size, err = p.arraySize("]")
	case p.isPunct("<"):
		d.Kind = VarArray
		d.Size, err = p.arraySize(">")
	default:
		err = p.fail(expected)
	}
	return d, nt.pos, err
}

// arraySize parses the bound after '[' or '<' up to and including the
// closing character. Only "<>" may omit it; a literal bound must be
// positive.
func (p *parser) arraySize(closing string) (Value, error) {
	if err := p.next(); err != nil {
		return Value{}, err
	}
	if closing == ">" && p.isPunct(">") {
		return Value{}, p.next()
	}
	if p.tok.kind == tokNumber && p.tok.num <= 0 {
		return Value{}, p.fail("a positive array size")
	}
	v, err := p.value()
	if err != nil {
		return v, err
	}
	return v, p.expect(closing)
}

// typeSpec parses a type specifier: a base type, "unsigned ...",
// "struct/enum/union NAME" or a type name.
func (p *parser) typeSpec() (Type, error) {
	t := p.tok
	if t.kind != tokIdent {
		return Type{}, p.fail("a type")
	}
	if k, ok := baseTypes[t.text]; ok {
		return Type{Kind: k}, p.next()
	}
	switch t.text {
	case "unsigned":
		if err := p.next(); err != nil {
			return Type{}, err
		}
		if p.tok.kind == tokIdent {
			if k, ok := unsignedTypes[p.tok.text]; ok {
				return Type{Kind: k}, p.next()
			}
		}
		return Type{Kind: UInt}, nil // bare "unsigned" means unsigned int
	case "struct", "enum", "union":
		if err := p.next(); err != nil {
			return Type{}, err
		}
		what := "a " + t.text + " name"
		if p.isPunct("{") {
			what += " (inline " + t.text + " definitions are not supported)"
		}
		nt, err := p.name(what)
		if err != nil {
			return Type{}, err
		}
		return Type{Kind: Named, Name: nt.text}, nil
	}
	if keywords[t.text] {
		return Type{}, p.fail("a type")
	}
	return Type{Kind: Named, Name: t.text}, p.next()
}

// declString renders a declaration roughly as it was written, for error
// messages.
func declString(d Decl) string {
	var b strings.Builder
	if d.Type.Kind == Named {
		b.WriteString(d.Type.Name)
	} else {
		b.WriteString(d.Type.Kind.String())
	}
	if d.Kind == Optional {
		b.WriteString(" *")
	} else if d.Name != "" {
		b.WriteString(" ")
	}
	b.WriteString(d.Name)
	switch d.Kind {
	case FixedArray:
		b.WriteString("[" + d.Size.String() + "]")
	case VarArray:
		if d.Size.IsZero() {
			b.WriteString("<>")
		} else {
			b.WriteString("<" + d.Size.String() + ">")
		}
	}
	return b.String()
}
