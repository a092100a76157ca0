package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strings"
)

// declKind tells the wording rules what sort of declaration they name.
type declKind int

const (
	kindFunc        declKind = iota // top-level function
	kindMethod                      // method with an exported receiver type
	kindIfaceMethod                 // method of an exported interface type
	kindType                        // type declaration
	kindValue                       // const or var
)

// declInfo describes one exported declaration that has no doc comment.
type declInfo struct {
	Kind declKind
	Recv string // receiver or enclosing interface type; empty otherwise
	Name string
	// HasBody reports whether a function's parameters include one named
	// body (the request body of a client call).
	HasBody bool
}

// key identifies a declaration in error messages and tests.
func (d declInfo) key() string {
	if d.Recv != "" {
		return d.Recv + "." + d.Name
	}
	return d.Name
}

// fileFacts holds what the wording rules may need to know about types
// declared elsewhere in the same file.
type fileFacts struct {
	// fields lists the field names of each struct type, in order.
	fields map[string][]string
}

// insertion is a comment to place in front of the line holding offset.
type insertion struct {
	offset int
	text   string
}

// addDocComments parses the generated Go source and writes a doc comment
// above every exported declaration lacking one: top-level functions,
// methods of exported types, types, consts and vars, and the methods of
// exported interface types. The text comes from describe; a declaration
// it has no wording for is an error, so a generator upgrade cannot
// silently leave exported API undocumented. The output is not gofmt'ed.
func addDocComments(src []byte, ops []operation) ([]byte, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "generated.go", src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parsing generated code: %w", err)
	}
	w := newDocWriter(ops, collectFacts(file))

	var ins []insertion
	var unknown []string
	add := func(d declInfo, pos token.Pos) {
		text, ok := w.describe(d)
		if !ok {
			unknown = append(unknown, d.key())
			return
		}
		ins = append(ins, insertion{offset: fset.Position(pos).Offset, text: text})
	}
	for _, decl := range file.Decls {
		switch decl := decl.(type) {
		case *ast.FuncDecl:
			if d, ok := funcInfo(decl); ok && decl.Doc == nil {
				add(d, decl.Pos())
			}
		case *ast.GenDecl:
			for _, spec := range decl.Specs {
				for _, u := range undocumentedInSpec(decl, spec) {
					add(u.info, u.pos)
				}
			}
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("no doc comment wording for exported %s (extend describe in docwording.go)", strings.Join(unknown, ", "))
	}
	return applyInsertions(src, ins), nil
}

// funcInfo describes a function or a method on an exported type; ok is
// false for unexported names and methods of unexported types.
func funcInfo(fn *ast.FuncDecl) (declInfo, bool) {
	if !fn.Name.IsExported() {
		return declInfo{}, false
	}
	d := declInfo{Kind: kindFunc, Name: fn.Name.Name, HasBody: hasBodyParam(fn.Type)}
	if fn.Recv != nil && len(fn.Recv.List) > 0 {
		recv := receiverName(fn.Recv.List[0].Type)
		if !ast.IsExported(recv) {
			return declInfo{}, false
		}
		d.Kind, d.Recv = kindMethod, recv
	}
	return d, true
}

// receiverName returns the base type name of a receiver expression.
func receiverName(expr ast.Expr) string {
	for {
		switch e := expr.(type) {
		case *ast.StarExpr:
			expr = e.X
		case *ast.IndexExpr:
			expr = e.X
		case *ast.IndexListExpr:
			expr = e.X
		case *ast.ParenExpr:
			expr = e.X
		case *ast.Ident:
			return e.Name
		default:
			return ""
		}
	}
}

func hasBodyParam(ft *ast.FuncType) bool {
	if ft.Params == nil {
		return false
	}
	for _, field := range ft.Params.List {
		for _, name := range field.Names {
			if name.Name == "body" {
				return true
			}
		}
	}
	return false
}

type undocumented struct {
	info declInfo
	pos  token.Pos
}

// undocumentedInSpec lists the exported names of one spec that have no
// doc comment, including undocumented methods of an exported interface.
// A doc comment on an unparenthesised declaration counts for its spec;
// in a parenthesised group, the group comment counts for every spec, as
// does a trailing line comment on a const or var.
func undocumentedInSpec(decl *ast.GenDecl, spec ast.Spec) []undocumented {
	var out []undocumented
	switch s := spec.(type) {
	case *ast.TypeSpec:
		if !s.Name.IsExported() {
			return nil
		}
		if decl.Doc == nil && s.Doc == nil {
			pos := s.Pos()
			if !decl.Lparen.IsValid() {
				pos = decl.Pos()
			}
			out = append(out, undocumented{declInfo{Kind: kindType, Name: s.Name.Name}, pos})
		}
		if it, ok := s.Type.(*ast.InterfaceType); ok {
			out = append(out, undocumentedMethods(s.Name.Name, it)...)
		}
	case *ast.ValueSpec:
		if decl.Doc != nil || s.Doc != nil || s.Comment != nil {
			return nil
		}
		pos := s.Pos()
		if !decl.Lparen.IsValid() {
			pos = decl.Pos()
		}
		for _, n := range s.Names {
			if n.IsExported() {
				out = append(out, undocumented{declInfo{Kind: kindValue, Name: n.Name}, pos})
				break // one comment covers the whole spec
			}
		}
	}
	return out
}

func undocumentedMethods(iface string, it *ast.InterfaceType) []undocumented {
	var out []undocumented
	for _, m := range it.Methods.List {
		ft, ok := m.Type.(*ast.FuncType)
		if !ok || len(m.Names) != 1 || !m.Names[0].IsExported() || m.Doc != nil || m.Comment != nil {
			continue // embedded interface, unexported or documented
		}
		out = append(out, undocumented{declInfo{
			Kind: kindIfaceMethod, Recv: iface, Name: m.Names[0].Name, HasBody: hasBodyParam(ft),
		}, m.Pos()})
	}
	return out
}

func collectFacts(file *ast.File) fileFacts {
	facts := fileFacts{fields: map[string][]string{}}
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			names := []string{}
			for _, f := range st.Fields.List {
				for _, n := range f.Names {
					names = append(names, n.Name)
				}
			}
			facts.fields[ts.Name.Name] = names
		}
	}
	return facts
}

// applyInsertions puts each comment at the start of the line holding its
// offset, indented like that line, after a blank line unless the line
// before is blank or opens a block.
func applyInsertions(src []byte, ins []insertion) []byte {
	sort.SliceStable(ins, func(i, j int) bool { return ins[i].offset < ins[j].offset })
	var out bytes.Buffer
	last := 0
	for _, in := range ins {
		lineStart := bytes.LastIndexByte(src[:in.offset], '\n') + 1
		indent := src[lineStart:in.offset]
		if len(bytes.TrimLeft(indent, " \t")) != 0 {
			indent = nil // declaration does not start its line; keep it simple
		}
		out.Write(src[last:lineStart])
		prev := bytes.TrimSpace(lastLine(src[:lineStart]))
		if len(prev) > 0 && !bytes.HasSuffix(prev, []byte("{")) && !bytes.HasSuffix(prev, []byte("(")) {
			out.WriteByte('\n')
		}
		for _, line := range strings.Split(in.text, "\n") {
			out.Write(indent)
			out.WriteString(strings.TrimRight("// "+line, " "))
			out.WriteByte('\n')
		}
		last = lineStart
	}
	out.Write(src[last:])
	return out.Bytes()
}

// lastLine returns the final line of b, which ends with a newline (or is
// empty), without that newline.
func lastLine(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return b[bytes.LastIndexByte(b, '\n')+1:]
}
