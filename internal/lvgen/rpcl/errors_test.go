package rpcl

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSyntaxErrors(t *testing.T) {
	const defExpected = "a definition ('const', 'enum', 'struct', 'typedef' or 'union')"
	tests := []struct {
		name      string
		src       string
		line, col int
		expected  string
		found     string
	}{
		{"missing semicolon", "const A = 1\nconst B = 2;", 2, 1, "';'", "'const'"},
		{"missing equals", "const A 1;", 1, 9, "'='", "'1'"},
		{"EOF after const name", "const A", 1, 8, "'='", "end of file"},
		{"bad decimal", "const A = 12ab;", 1, 11, "a decimal number", "'12ab'"},
		{"bad octal", "const A = 089;", 1, 11, "an octal number", "'089'"},
		{"hex without digits", "const A = 0x;", 1, 11, "a hexadecimal number", "'0x'"},
		{"number too large", "const A = 9223372036854775808;", 1, 11,
			"a decimal number within 64 bits", "'9223372036854775808'"},
		{"minus sign alone", "const A = - 1;", 1, 11, "a token", "'-'"},
		{"unterminated comment", "const A = 1;\n  /* open\n", 2, 3, "'*/' to close the comment", "end of file"},
		{"stray character", "const A = 1;\n$", 2, 1, "a token", "'$'"},
		{"invalid UTF-8", "const A = 1;\xff", 1, 13, "a token", "byte 0xff"},
		{"program block", "struct s { int a; };\nprogram P {", 2, 1, defExpected, "'program'"},
		{"unknown word at top level", "foo bar;", 1, 1, defExpected, "'foo'"},
		{"case without colon", "union u switch (int k) {\ncase 1 int a;\n};", 2, 8, "':'", "'int'"},
		{"empty enum", "enum e {\n};", 2, 1, "at least one enum member", "'}'"},
		{"enum missing comma", "enum e { A = 1 B = 2 };", 1, 16, "',' or '}'", "'B'"},
		{"enum implicit value after unknown name", "enum e { A = OTHER, B };", 1, 23,
			"'=' (B follows A = OTHER, whose value is not known in this file)", "'}'"},
		{"missing semicolon after enum", "enum e { A }\nconst B = 1;", 2, 1, "';'", "'const'"},
		{"duplicate name", "const A = 1;\nstruct A { int x; };", 2, 8,
			"a name not already defined (first defined at t.x:1:7)", "'A'"},
		{"enum member clashes with const", "enum e { X = 1 };\nconst X = 2;", 2, 7,
			"a name not already defined (first defined at t.x:1:10)", "'X'"},
		{"duplicate typedef", "typedef int t;\ntypedef hyper t;", 2, 15,
			"a name not already defined (first defined at t.x:1:13)", "'t'"},
		{"angle bracket not closed", "typedef opaque o<16;", 1, 20, "'>'", "';'"},
		{"string without angle brackets", "typedef string s;", 1, 17, "'<' after a string name", "';'"},
		{"string with square brackets", "struct x { string s[4]; };", 1, 20, "'<' after a string name", "'['"},
		{"opaque without size", "struct s { opaque o; };", 1, 20, "'[' or '<' after an opaque name", "';'"},
		{"zero array size", "typedef int a[0];", 1, 15, "a positive array size", "'0'"},
		{"EOF inside struct", "struct s {\n int a;\n", 3, 1, "'}' to close struct s", "end of file"},
		{"EOF inside field", "struct s { int a", 1, 17, "';'", "end of file"},
		{"empty struct", "struct s {};", 1, 11, "at least one field", "'}'"},
		{"void field", "struct s { void; };", 1, 12, "a type (void is only allowed as a union arm)", "'void'"},
		{"keyword as field name", "struct s { int case; };", 1, 16, "a name", "'case'"},
		{"inline struct", "struct s { struct { int a; } x; };", 1, 19,
			"a struct name (inline struct definitions are not supported)", "'{'"},
		{"duplicate field", "struct s {\n int a;\n hyper a;\n};", 3, 8,
			"a field name not already used (first used at t.x:2:6)", "'a'"},
		{"union without cases", "union u switch (int k) {\ndefault: void;\n};", 2, 1, "'case'", "'default'"},
		{"case after default", "union u switch (int k) {\ncase 1: void;\ndefault: void;\ncase 2: void;\n};", 4, 1,
			"'}'", "'case'"},
		{"union body ends badly", "union u switch (int k) { case 1: void; int x; };", 1, 40,
			"'case', 'default' or '}'", "'int'"},
		{"missing close paren", "union u switch (int k {", 1, 23, "')'", "'{'"},
		{"string discriminant", "union u switch (string s<>) { case 1: void; };", 1, 17,
			"an int, unsigned int, bool or enum discriminant", "'string s<>'"},
		{"duplicate case label", "union u switch (int k) {\ncase 1: int a;\ncase 1: int b;\n};", 3, 6,
			"a case label not already used (first used at t.x:2:6)", "'1'"},
		{"arm named like discriminant", "union u switch (int k) { case 1: int k; };", 1, 38,
			"a union member name not already used (first used at t.x:1:21)", "'k'"},
		{"void with a name", "union u switch (int k) { case 1: void x; };", 1, 39, "';'", "'x'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("t.x", []byte(tc.src))
			if err == nil {
				t.Fatalf("no error; parsed %+v", f)
			}
			if f != nil {
				t.Errorf("got a File along with the error")
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not *Error", err, err)
			}
			want := Error{Pos: Pos{File: "t.x", Line: tc.line, Col: tc.col}, Expected: tc.expected, Found: tc.found}
			if *pe != want {
				t.Errorf("got  %v\nwant %v", pe, &want)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	_, err := Parse("dir/p.x", []byte("const A = 1\n"))
	want := "dir/p.x:2:1: expected ';', found end of file"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestParseFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.x")
	if err := os.WriteFile(path, []byte("const A = 1;\nconst B = A"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ParseFile(path)
	var pe *Error
	if !errors.As(err, &pe) || pe.Pos != (Pos{File: path, Line: 2, Col: 12}) {
		t.Errorf("ParseFile error = %v, want one at %s:2:12", err, path)
	}
	if _, err := ParseFile(filepath.Join(dir, "missing.x")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
