package rpcl

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes the parser panic, that every
// failure is a positioned *Error inside the input, and that every success
// yields named definitions.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"const A = 0x10;\nconst B = -010;",
		"enum e {\n /**\n  * @generate: both\n  * @acl: x:y\n  */\n A = 1,\n B\n};",
		"struct s { unsigned a; unsigned hyper b<>; string c<10>; opaque d[4]; struct t *e; };",
		"union u switch (int k) { case 1: case 2: int a; case X: void; default: opaque o<>; };",
		"typedef remote_nonnull_domain *remote_domain;",
		"%#include <x.h>\n// c\n/* c */ const A = 1;",
		"/* unterminated",
		"enum e {};",
		"program P { version V { int F(int) = 1; } = 1; } = 2;",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	// Two small real protocol files, when the libvirt tree is present.
	dir := os.Getenv("LIBVIRT_SOURCE")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "libvirt")
	}
	for _, rel := range []string{"src/rpc/virkeepaliveprotocol.x", "src/remote/lxc_protocol.x"} {
		if b, err := os.ReadFile(filepath.Join(dir, rel)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("f.x", src)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if file != nil {
				t.Fatal("File returned with an error")
			}
			lines := bytes.Count(src, []byte("\n")) + 1
			if pe.Pos.File != "f.x" || pe.Pos.Line < 1 || pe.Pos.Line > lines || pe.Pos.Col < 1 {
				t.Fatalf("error position %v outside the input (%d lines)", pe.Pos, lines)
			}
			if pe.Expected == "" || pe.Found == "" {
				t.Fatalf("incomplete error %+v", pe)
			}
			return
		}
		for _, d := range file.Defs {
			if d.DefName() == "" {
				t.Fatalf("definition without a name at %v", d.DefPos())
			}
			if e, ok := d.(*Enum); ok && len(e.Members) == 0 {
				t.Fatalf("enum %s without members", e.Name)
			}
		}
	})
}
