package rpcl

import (
	"reflect"
	"testing"
)

func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse("t.x", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func pos(line, col int) Pos { return Pos{File: "t.x", Line: line, Col: col} }

func TestConstLiterals(t *testing.T) {
	f := mustParse(t, `
const DEC = 42;
const HEX = 0x1F;
const HEXU = 0XfF;
const OCT = 0755;
const ZERO = 0;
const NEG = -17;
const NEGHEX = -0x10;
const MIN = -9223372036854775808;
const MAX = 9223372036854775807;
const REF = DEC;
`)
	want := []Value{
		{Lit: 42}, {Lit: 31}, {Lit: 255}, {Lit: 493}, {Lit: 0}, {Lit: -17},
		{Lit: -16}, {Lit: -9223372036854775808}, {Lit: 9223372036854775807}, {Ref: "DEC"},
	}
	if len(f.Defs) != len(want) {
		t.Fatalf("%d defs", len(f.Defs))
	}
	for i, d := range f.Defs {
		c := d.(*Const)
		if c.Value != want[i] {
			t.Errorf("%s = %+v, want %+v", c.Name, c.Value, want[i])
		}
	}
	if p := f.Defs[1].DefPos(); p != pos(3, 1) {
		t.Errorf("HEX at %v", p)
	}
}

func TestEnumImplicitValues(t *testing.T) {
	f := mustParse(t, `
const BASE = 10;
enum e {
	A,
	B,
	C = 7,
	D,
	E = BASE,
	F,
	G = -3,
	H
};`)
	e := f.Defs[1].(*Enum)
	want := []Value{{Lit: 0}, {Lit: 1}, {Lit: 7}, {Lit: 8}, {Ref: "BASE"}, {Lit: 11}, {Lit: -3}, {Lit: -2}}
	for i, m := range e.Members {
		if m.Value != want[i] {
			t.Errorf("%s = %+v, want %+v", m.Name, m.Value, want[i])
		}
		if m.Annotations != nil {
			t.Errorf("%s has annotations %+v", m.Name, m.Annotations)
		}
	}
	if e.Members[0].Pos != pos(4, 2) {
		t.Errorf("A at %v", e.Members[0].Pos)
	}
}

func TestAnnotations(t *testing.T) {
	f := mustParse(t, `enum proc {
    /* @generate: ignored, another comment follows */
    /**
     * @generate: both
     *@acl: domain:read
     * @acl:   domain:write:FLAG  
     * - @readstream: not an annotation
     * @custom_key2: 
     * text @inline: no
     */
    P_ONE = 1, /* @priority: high */
    P_TWO = 2,
    // @generate: client
    P_THREE = 3,
    /* @generate: server */ P_FOUR = 4,
    /* @generate: none */
    %pass
    P_FIVE = 5
};`)
	e := f.Defs[0].(*Enum)
	want := [][]Annotation{
		{
			{Pos: pos(4, 8), Key: "generate", Value: "both"},
			{Pos: pos(5, 7), Key: "acl", Value: "domain:read"},
			{Pos: pos(6, 8), Key: "acl", Value: "domain:write:FLAG"},
			{Pos: pos(8, 8), Key: "custom_key2", Value: ""},
		},
		{{Pos: pos(11, 19), Key: "priority", Value: "high"}},
		{{Pos: pos(13, 8), Key: "generate", Value: "client"}},
		{{Pos: pos(15, 8), Key: "generate", Value: "server"}},
		nil, // the '%' line separates the comment from the member
	}
	for i, m := range e.Members {
		if !reflect.DeepEqual(m.Annotations, want[i]) {
			t.Errorf("%s annotations = %+v, want %+v", m.Name, m.Annotations, want[i])
		}
	}
	if !reflect.DeepEqual(f.Passthrough, []string{"pass"}) {
		t.Errorf("passthrough = %q", f.Passthrough)
	}
}

func TestDeclarations(t *testing.T) {
	f := mustParse(t, `
%#include "x.h"
  %indented
struct s {
	int a;
	unsigned int b;
	unsigned c;
	hyper d;
	unsigned hyper e;
	char f;
	unsigned char g;
	short h;
	unsigned short i;
	bool j;
	float k;
	double l;
	quadruple m;
	opaque n[16];
	opaque o<>;
	opaque p<MAX>;
	string q<>;
	string r<64>;
	struct other *s;
	other t[N];
	enum color u<>;
	union un v<3>;
	named w;
};`)
	s := f.Defs[0].(*Struct)
	want := []Decl{
		{Pos: pos(5, 2), Name: "a", Type: Type{Kind: Int}},
		{Pos: pos(6, 2), Name: "b", Type: Type{Kind: UInt}},
		{Pos: pos(7, 2), Name: "c", Type: Type{Kind: UInt}},
		{Pos: pos(8, 2), Name: "d", Type: Type{Kind: Hyper}},
		{Pos: pos(9, 2), Name: "e", Type: Type{Kind: UHyper}},
		{Pos: pos(10, 2), Name: "f", Type: Type{Kind: Char}},
		{Pos: pos(11, 2), Name: "g", Type: Type{Kind: UChar}},
		{Pos: pos(12, 2), Name: "h", Type: Type{Kind: Short}},
		{Pos: pos(13, 2), Name: "i", Type: Type{Kind: UShort}},
		{Pos: pos(14, 2), Name: "j", Type: Type{Kind: Bool}},
		{Pos: pos(15, 2), Name: "k", Type: Type{Kind: Float}},
		{Pos: pos(16, 2), Name: "l", Type: Type{Kind: Double}},
		{Pos: pos(17, 2), Name: "m", Type: Type{Kind: Quadruple}},
		{Pos: pos(18, 2), Name: "n", Type: Type{Kind: Opaque}, Kind: FixedArray, Size: Value{Lit: 16}},
		{Pos: pos(19, 2), Name: "o", Type: Type{Kind: Opaque}, Kind: VarArray},
		{Pos: pos(20, 2), Name: "p", Type: Type{Kind: Opaque}, Kind: VarArray, Size: Value{Ref: "MAX"}},
		{Pos: pos(21, 2), Name: "q", Type: Type{Kind: String}, Kind: VarArray},
		{Pos: pos(22, 2), Name: "r", Type: Type{Kind: String}, Kind: VarArray, Size: Value{Lit: 64}},
		{Pos: pos(23, 2), Name: "s", Type: Type{Kind: Named, Name: "other"}, Kind: Optional},
		{Pos: pos(24, 2), Name: "t", Type: Type{Kind: Named, Name: "other"}, Kind: FixedArray, Size: Value{Ref: "N"}},
		{Pos: pos(25, 2), Name: "u", Type: Type{Kind: Named, Name: "color"}, Kind: VarArray},
		{Pos: pos(26, 2), Name: "v", Type: Type{Kind: Named, Name: "un"}, Kind: VarArray, Size: Value{Lit: 3}},
		{Pos: pos(27, 2), Name: "w", Type: Type{Kind: Named, Name: "named"}},
	}
	if len(s.Fields) != len(want) {
		t.Fatalf("%d fields, want %d", len(s.Fields), len(want))
	}
	for i := range want {
		if s.Fields[i] != want[i] {
			t.Errorf("field %d = %+v, want %+v", i, s.Fields[i], want[i])
		}
	}
	if !reflect.DeepEqual(f.Passthrough, []string{`#include "x.h"`, "indented"}) {
		t.Errorf("passthrough = %q", f.Passthrough)
	}
}

func TestUnionShapes(t *testing.T) {
	f := mustParse(t, `
union u switch (unsigned kind) {
case 1:
case ONE:
	int a;
case -2:
	void;
default:
	opaque rest<>;
};
union v switch (enum color c) {
case RED: void;
};
typedef struct s *sp;
typedef int arr[4];
`)
	u := f.Defs[0].(*Union)
	wantU := &Union{
		Pos:          pos(2, 1),
		Name:         "u",
		Discriminant: Decl{Pos: pos(2, 17), Name: "kind", Type: Type{Kind: UInt}},
		Cases: []UnionCase{
			{Pos: pos(3, 1), Values: []Value{{Lit: 1}, {Ref: "ONE"}}, Arm: Decl{Pos: pos(5, 2), Name: "a", Type: Type{Kind: Int}}},
			{Pos: pos(6, 1), Values: []Value{{Lit: -2}}, Arm: Decl{Pos: pos(7, 2)}},
		},
		Default: &Decl{Pos: pos(9, 2), Name: "rest", Type: Type{Kind: Opaque}, Kind: VarArray},
	}
	if !reflect.DeepEqual(u, wantU) {
		t.Errorf("union u = %+v\nwant %+v", u, wantU)
	}
	v := f.Defs[1].(*Union)
	if v.Discriminant.Type != (Type{Kind: Named, Name: "color"}) || len(v.Cases) != 1 || v.Default != nil ||
		v.Cases[0].Arm.Type.Kind != Void {
		t.Errorf("union v = %+v", v)
	}
	sp := f.Defs[2].(*Typedef)
	if sp.DefName() != "sp" || sp.Decl.Kind != Optional || sp.Decl.Type.Name != "s" || sp.Pos != pos(14, 1) {
		t.Errorf("typedef sp = %+v", sp)
	}
	arr := f.Defs[3].(*Typedef)
	if arr.Decl.Kind != FixedArray || arr.Decl.Size.Lit != 4 || arr.Decl.Type.Kind != Int {
		t.Errorf("typedef arr = %+v", arr)
	}
}

func TestEmptyInputs(t *testing.T) {
	for _, src := range []string{"", "  \n\t", "/* only a comment */", "// line\n", "%only\n"} {
		f := mustParse(t, src)
		if len(f.Defs) != 0 || f.Name != "t.x" {
			t.Errorf("%q: %+v", src, f)
		}
	}
}

func TestCRLF(t *testing.T) {
	f := mustParse(t, "%pass\r\nenum e {\r\n  /**\r\n   * @generate: both\r\n   */\r\n  A = 1\r\n};\r\n")
	if !reflect.DeepEqual(f.Passthrough, []string{"pass"}) {
		t.Errorf("passthrough = %q", f.Passthrough)
	}
	m := f.Defs[0].(*Enum).Members[0]
	if want := []Annotation{{Pos: pos(4, 6), Key: "generate", Value: "both"}}; !reflect.DeepEqual(m.Annotations, want) {
		t.Errorf("annotations = %+v", m.Annotations)
	}
}
