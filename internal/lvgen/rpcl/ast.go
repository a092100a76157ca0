// Package rpcl parses the Sun RPC language (RPCL, RFC 5531 section 12) as
// used by libvirt's protocol files (*.x) into a syntax tree.
//
// The tree keeps source positions for every definition and the annotation
// comments libvirt writes before each procedure (@generate, @acl, ...), so
// that the generator can emit procedure metadata without re-reading the file.
package rpcl

import "fmt"

// Pos is a position in a source file; Line and Col are 1-based.
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats the position as file:line:col, the form editors jump to.
func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// File is one parsed .x file.
type File struct {
	Name string
	// Defs holds every top-level definition in source order.
	Defs []Def
	// Passthrough holds the text of '%' lines (without the '%'), which
	// rpcgen copies verbatim into C output; Go output ignores them but they
	// are kept so nothing in the input is silently lost.
	Passthrough []string
}

// Def is a top-level definition: *Const, *Enum, *Struct, *Union or *Typedef.
type Def interface {
	DefPos() Pos
	DefName() string
}

// Value is an integer constant expression as RPCL allows it: either a
// literal (decimal, hex or octal, possibly negative) or the name of a
// constant or enum member defined elsewhere (possibly in a C header).
type Value struct {
	// Ref is the referenced identifier; empty for a literal.
	Ref string
	// Lit is the literal's value when Ref is empty.
	Lit int64
}

// IsZero reports whether v is the zero Value (no literal, no reference),
// which is how an omitted array bound ("<>") is represented.
func (v Value) IsZero() bool { return v.Ref == "" && v.Lit == 0 }

// String returns the identifier or the decimal literal.
func (v Value) String() string {
	if v.Ref != "" {
		return v.Ref
	}
	return fmt.Sprint(v.Lit)
}

// Const is "const NAME = value;".
type Const struct {
	Pos   Pos
	Name  string
	Value Value
}

// Enum is "enum NAME { A = 1, B = 2 };". Member values are always present in
// libvirt's files; a member without "= value" gets the previous value + 1
// (Value.Ref empty, Lit filled by the parser), like C.
type Enum struct {
	Pos     Pos
	Name    string
	Members []EnumMember
}

// EnumMember is one member of an enum.
type EnumMember struct {
	Pos   Pos
	Name  string
	Value Value
	// Annotations are the "@key: value" lines of the doc comment directly
	// before the member, in order (libvirt puts @generate, @acl, ... there
	// for each procedure). Nil when there is no such comment.
	Annotations []Annotation
}

// Annotation is one "@key: value" line from a comment. A key may repeat
// (@acl usually does); Value is trimmed and may be empty.
type Annotation struct {
	Pos   Pos
	Key   string
	Value string
}

// Struct is "struct NAME { decl; ... };".
type Struct struct {
	Pos    Pos
	Name   string
	Fields []Decl
}

// Union is "union NAME switch (decl) { case V: decl; ... default: decl; };".
type Union struct {
	Pos          Pos
	Name         string
	Discriminant Decl
	Cases        []UnionCase
	// Default is the default arm; nil when the union has none, in which
	// case any discriminant not listed in Cases is invalid.
	Default *Decl
}

// UnionCase is one arm of a union: one or more case labels sharing a
// declaration (which may be void).
type UnionCase struct {
	Pos    Pos
	Values []Value
	Arm    Decl
}

// Typedef is "typedef decl;"; Decl.Name is the new type's name.
type Typedef struct {
	Pos  Pos
	Decl Decl
}

// TypeKind says which RPCL type a declaration uses.
type TypeKind int

// The RPCL base types and a reference to a named type. Char and Short are
// rpcgen extensions; on the wire they are 4-byte integers like Int.
const (
	Void TypeKind = iota
	Int
	UInt
	Hyper
	UHyper
	Char
	UChar
	Short
	UShort
	Bool
	Float
	Double
	Quadruple
	Opaque
	String
	Named // a typedef, struct, union or enum name; see Type.Name
)

var typeKindNames = [...]string{
	Void: "void", Int: "int", UInt: "unsigned int", Hyper: "hyper",
	UHyper: "unsigned hyper", Char: "char", UChar: "unsigned char",
	Short: "short", UShort: "unsigned short", Bool: "bool", Float: "float",
	Double: "double", Quadruple: "quadruple", Opaque: "opaque",
	String: "string", Named: "named",
}

// String returns the RPCL spelling of the kind.
func (k TypeKind) String() string {
	if int(k) >= 0 && int(k) < len(typeKindNames) {
		return typeKindNames[k]
	}
	return fmt.Sprintf("TypeKind(%d)", int(k))
}

// Type is the type part of a declaration.
type Type struct {
	Kind TypeKind
	// Name is the referenced type name when Kind is Named. RPCL allows
	// "struct foo x;" as well as "foo x;": both give Name "foo".
	Name string
}

// DeclKind is the shape of a declaration.
type DeclKind int

// Declaration shapes.
const (
	// Scalar is "type name;" (and "void;" when Type.Kind is Void).
	Scalar DeclKind = iota
	// Optional is "type *name;": zero or one value.
	Optional
	// FixedArray is "type name[N];" (and "opaque name[N];").
	FixedArray
	// VarArray is "type name<N>;" or "type name<>;" (and "string name<N>;",
	// "opaque name<N>;"). Size.IsZero() means no bound.
	VarArray
)

// Decl is a declaration: a struct field, a union arm, a typedef or a union
// discriminant.
type Decl struct {
	Pos  Pos
	Name string // empty for "void"
	Type Type
	Kind DeclKind
	// Size is N for FixedArray and the bound for VarArray (zero Value when
	// unbounded).
	Size Value
}

// DefPos implements Def.
func (d *Const) DefPos() Pos { return d.Pos }

// DefPos implements Def.
func (d *Enum) DefPos() Pos { return d.Pos }

// DefPos implements Def.
func (d *Struct) DefPos() Pos { return d.Pos }

// DefPos implements Def.
func (d *Union) DefPos() Pos { return d.Pos }

// DefPos implements Def.
func (d *Typedef) DefPos() Pos { return d.Pos }

// DefName implements Def.
func (d *Const) DefName() string { return d.Name }

// DefName implements Def.
func (d *Enum) DefName() string { return d.Name }

// DefName implements Def.
func (d *Struct) DefName() string { return d.Name }

// DefName implements Def.
func (d *Union) DefName() string { return d.Name }

// DefName implements Def.
func (d *Typedef) DefName() string { return d.Decl.Name }

// Error is a syntax error with its position and what the parser expected.
type Error struct {
	Pos      Pos
	Expected string // e.g. "';'" or "a type name"
	Found    string // the offending token as written, or "end of file"
}

// Error formats as "file:line:col: expected X, found Y".
func (e *Error) Error() string {
	return fmt.Sprintf("%s: expected %s, found %s", e.Pos, e.Expected, e.Found)
}
