package lvgen

import (
	"fmt"
	"go/format"
	"path"
	"strings"

	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// render produces every output file into g.files.
func (g *generator) render() error {
	if err := g.matchFlags(); err != nil {
		return err
	}
	for _, u := range g.units {
		if err := g.renderUnit(u); err != nil {
			return fmt.Errorf("%s: %w", u.xfile, err)
		}
	}
	for _, cf := range constFiles() {
		if err := g.renderConsts(cf); err != nil {
			return err
		}
	}
	if err := g.renderEvents(); err != nil {
		return err
	}
	if err := g.renderServer(); err != nil {
		return err
	}
	if err := g.renderProcInfo(); err != nil {
		return err
	}
	for _, k := range append(sortedKeys(fieldEnums), sortedKeys(fieldNamedScalars)...) {
		if !g.usedFieldEnums[k] {
			return fmt.Errorf("typed field entry %s matches no integer field", k)
		}
	}
	g.report.TypedEnums = len(g.usedFieldEnums)
	return g.renderTestRegistry()
}

func (g *generator) put(dir, name, pkg, header string, body *codeWriter, imports []string) error {
	var w codeWriter
	w.b.WriteString(header)
	w.line("package %s", pkg)
	w.line("")
	if len(imports) > 0 {
		w.line("import (")
		for _, im := range imports {
			w.line("%q", im)
		}
		w.line(")")
		w.line("")
	}
	w.b.WriteString(body.b.String())
	src, err := format.Source([]byte(w.b.String()))
	if err != nil {
		return fmt.Errorf("formatting %s: %w\n%s", name, err, w.b.String())
	}
	g.files[path.Join(dir, name)] = src
	return nil
}

func (g *generator) renderUnit(u *unit) error {
	var w codeWriter
	uses := map[string]bool{}
	for _, d := range u.file.Defs {
		x := g.defs[d.DefName()]
		switch d := d.(type) {
		case *rpcl.Const:
			expr, _, _ := g.value(d.Value, u.pkg)
			if d.Value.Ref == "" && strings.HasSuffix(d.Name, "_PROGRAM") {
				expr = fmt.Sprintf("%#x", d.Value.Lit)
			}
			w.line("// %s is %s from %s.", x.goName, d.Name, path.Base(u.xfile))
			w.line("const %s = %s", x.goName, expr)
			w.line("")
		case *rpcl.Enum:
			g.emitRPCLEnum(&w, u, x, d)
			uses["fmt"] = true
		case *rpcl.Typedef:
			if x.goName != "" {
				t, err := g.resolveDecl(u.pkg, d.Decl)
				if err != nil {
					return err
				}
				w.line("// %s is the wire form of %s.", x.goName, d.Decl.Name)
				w.line("type %s %s", x.goName, t.goExpr())
				w.line("")
			}
		case *rpcl.Struct:
			if rootAlias(u.pkg, x.goName) {
				emitRootAlias(&w, x.goName, d.Name)
				uses["libvirt"] = true
				continue
			}
			if err := g.emitStruct(&w, u, x, d, uses); err != nil {
				return err
			}
			uses["xdr"] = true
		case *rpcl.Union:
			if rootAlias(u.pkg, x.goName) {
				emitRootAlias(&w, x.goName, d.Name)
				uses["libvirt"] = true
				continue
			}
			if err := g.emitUnion(&w, u, x, d, uses); err != nil {
				return err
			}
			uses["xdr"], uses["fmt"] = true, true
		}
	}
	procs, err := g.procs(u)
	if err != nil {
		return err
	}
	if len(procs) > 0 {
		g.emitProcMeta(&w, u, procs)
	}
	if u.clientType != "" {
		for _, p := range procs {
			var err error
			switch {
			case p.callable():
				err = g.emitMethod(&w, p)
			case !p.event() && p.stream != "":
				err = g.emitStreamMethod(&w, p) // streams.go
			default:
				continue
			}
			if err != nil {
				return err
			}
			uses["context"] = true
		}
	}
	body := w.b.String()
	var imports []string
	for _, im := range []string{"context", "encoding/binary", "fmt", "math"} {
		if uses[im] {
			imports = append(imports, im)
		}
	}
	if uses["xdr"] || strings.Contains(body, "xdr.") {
		imports = append(imports, "github.com/virtwire/libvirt/internal/xdr")
	}
	if uses["libvirt"] {
		imports = append(imports, rootImport)
	}
	if err := g.put(u.dir, u.out, u.pkg, g.fileHeader(u.xfile), &w, imports); err != nil {
		return err
	}
	return g.renderProtocol(u)
}

// emitRPCLEnum writes an enum from a protocol file as a Go type.
func (g *generator) emitRPCLEnum(w *codeWriter, u *unit, x *xdef, d *rpcl.Enum) {
	w.line("// %s is the enum %s from %s.", x.goName, d.Name, path.Base(u.xfile))
	w.line("type %s int32", x.goName)
	w.line("")
	w.line("// Values of %s.", x.goName)
	w.line("const (")
	var members []headerConst
	for _, m := range d.Members {
		c := g.consts[m.Name]
		w.line("%s %s = %d", c.goName, x.goName, c.value)
		members = append(members, headerConst{cname: m.Name, goName: c.goName, value: c.value})
	}
	w.line(")")
	w.line("")
	emitString(w, x.goName, members, false)
}

// emitString writes a String method naming each value by its Go constant,
// and for bit-flag types each set bit.
func emitString(w *codeWriter, typ string, members []headerConst, flags bool) {
	w.line("// String returns the Go name of the constant equal to v.")
	if flags {
		w.line("// Combinations of flags are printed as names joined by \"|\".")
	}
	w.line("func (v %s) String() string {", typ)
	w.line("switch v {")
	seen := map[int64]bool{}
	for _, m := range members {
		if seen[m.value] {
			continue // an alias: the first name wins
		}
		seen[m.value] = true
		w.line("case %s:", m.goName)
		w.line("return %q", m.goName)
	}
	w.line("}")
	if flags {
		w.line("return formatFlags(uint64(v), %sNames[:], %q)", lowerFirst(typ), typ)
		w.line("}")
		w.line("")
		w.line("var %sNames = [...]flagName{", lowerFirst(typ))
		for _, m := range members {
			if m.value != 0 {
				w.line("{%d, %q},", m.value, m.goName)
			}
		}
		w.line("}")
		w.line("")
		return
	}
	w.line("return fmt.Sprintf(\"%s(%%d)\", int64(v))", typ)
	w.line("}")
	w.line("")
}

// emitWords writes, for an enum of enumWords, a String method printing
// libvirt's words and a GoString method printing the Go names.
func emitWords(w *codeWriter, typ string, members []headerConst, words map[string]string) {
	if typ == "ErrorNumber" {
		w.line("// String describes the error code in a few words (\"no such domain\");")
		w.line("// GoString (%%#v) gives the Go constant name.")
	} else {
		w.line("// String returns the word libvirt's tools print for v (as virsh does).")
		w.line("// GoString (%%#v) gives the Go constant name.")
	}
	w.line("func (v %s) String() string {", typ)
	w.line("switch v {")
	seen := map[int64]bool{}
	for _, m := range members {
		word, ok := words[m.cname]
		if !ok || seen[m.value] {
			continue
		}
		seen[m.value] = true
		w.line("case %s:", m.goName)
		w.line("return %q", word)
	}
	w.line("}")
	w.line("return v.GoString()")
	w.line("}")
	w.line("")
	w.line("// GoString returns the Go name of the constant equal to v.")
	w.line("func (v %s) GoString() string {", typ)
	w.line("switch v {")
	seen = map[int64]bool{}
	for _, m := range members {
		if seen[m.value] {
			continue
		}
		seen[m.value] = true
		w.line("case %s:", m.goName)
		w.line("return %q", m.goName)
	}
	w.line("}")
	w.line("return fmt.Sprintf(\"%s(%%d)\", int64(v))", typ)
	w.line("}")
	w.line("")
}

// emitStruct writes a struct type and its codec methods.
func (g *generator) emitStruct(w *codeWriter, u *unit, x *xdef, d *rpcl.Struct, uses map[string]bool) error {
	doc := []string{fmt.Sprintf("%s is the wire form of %s.", x.goName, d.Name)}
	if x.wire != nil {
		doc = []string{fmt.Sprintf("%s is the wire form of %s: %s.", x.goName, d.Name, x.wire.what)}
		if x.wire.pubName != "" {
			doc = append(doc, fmt.Sprintf("Package protocol exports it as %s.", x.wire.pubName))
		}
	}
	return g.emitStructAs(w, u, x.goName, doc, d, false, uses)
}

// codecHookDoc is added to the doc comments of the codec methods of the
// root package's exported types, which users see but cannot call.
const codecHookDoc = "It is the codec hook that the generated code of packages protocol and libvirttest calls; its argument's type is internal to this module."

// emitStructAs writes struct d as Go type name with the doc comment lines
// doc. In package protocol (qualified) root types and constants are
// spelled with the "libvirt." qualifier.
func (g *generator) emitStructAs(w *codeWriter, u *unit, name string, doc []string, d *rpcl.Struct, qualified bool, uses map[string]bool) error {
	for _, l := range doc {
		w.line("// %s", l)
	}
	w.line("type %s struct {", name)
	types := make([]*gtype, len(d.Fields))
	for i, f := range d.Fields {
		t, err := g.fieldType(u.pkg, d.Name, f)
		if err != nil {
			return err
		}
		if qualified {
			t = g.qualified(t)
		}
		types[i] = t
		w.line("%s %s", goField(f.Name), t.goExpr())
	}
	w.line("}")
	w.line("")
	hook := u.pkg == "libvirt" && !qualified && isExported(name)
	if !qualified {
		g.report.Types++
	}
	w.line("// EncodeXDR appends the XDR encoding of v to e.")
	if hook {
		w.line("// %s", codecHookDoc)
	}
	w.line("func (v *%s) EncodeXDR(e *xdr.Encoder) {", name)
	for i, f := range d.Fields {
		w.encode("v."+goField(f.Name), types[i])
	}
	w.line("}")
	w.line("")
	w.line("// DecodeXDR reads v from d; d.Err reports any error.")
	if hook {
		w.line("// %s", codecHookDoc)
	}
	w.line("func (v *%s) DecodeXDR(d *xdr.Decoder) {", name)
	lvs := make([]string, len(d.Fields))
	for i, f := range d.Fields {
		lvs[i] = "v." + goField(f.Name)
	}
	w.decodeFields(lvs, types, g, uses)
	w.line("}")
	w.line("")
	return nil
}

// isExported reports whether a Go identifier is exported.
func isExported(name string) bool {
	return name != "" && strings.ToUpper(name[:1]) == name[:1]
}
