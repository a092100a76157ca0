package lvgen

import (
	"fmt"
	"strings"

	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// renderTestRegistry writes, per package, a _test file listing every
// generated struct and union with a constructor, and for each union a
// function that builds a value holding a chosen arm. Codec tests use it to
// round-trip every type without reflection over package contents.
func (g *generator) renderTestRegistry() error {
	byPkg := map[string]*codeWriter{}
	dirs := map[string]string{}
	for _, u := range g.units {
		w, ok := byPkg[u.pkg]
		if !ok {
			w = &codeWriter{}
			byPkg[u.pkg] = w
			dirs[u.pkg] = u.dir
		}
		for _, d := range u.file.Defs {
			x := g.defs[d.DefName()]
			switch d := d.(type) {
			case *rpcl.Struct:
				w.line("{Name: %q, New: func() xdrtest.Codec { return new(%s) }},", x.goName, x.goName)
			case *rpcl.Union:
				w.line("{Name: %q, New: func() xdrtest.Codec { return new(%s) }},", x.goName, x.goName)
				_ = d
			}
		}
	}
	if err := g.renderProtocolRegistry(); err != nil {
		return err
	}
	for pkg, types := range byPkg {
		var w codeWriter
		w.line("// xdrTypes lists every generated struct and union of the package.")
		w.line("var xdrTypes = []xdrtest.Type{")
		w.b.WriteString(types.b.String())
		w.line("}")
		w.line("")
		w.line("// unionMakers builds, for each union type, a value holding arm")
		w.line("// pick%%arms; fill fills the arm's value through a pointer.")
		w.line("var unionMakers = map[reflect.Type]func(pick int, fill func(any)) any{")
		for _, u := range g.units {
			if u.pkg != pkg {
				continue
			}
			for _, d := range u.file.Defs {
				un, ok := d.(*rpcl.Union)
				if !ok {
					continue
				}
				if err := g.emitUnionMaker(&w, u, un, false); err != nil {
					return err
				}
			}
		}
		w.line("}")
		imports := []string{"reflect", xdrtestImport}
		if strings.Contains(w.b.String(), "libvirt.") {
			imports = append(imports, rootImport)
		}
		if err := g.put(dirs[pkg], "xdr_types.gen_test.go", pkg, g.fileHeader("protocol files"), &w, imports); err != nil {
			return err
		}
	}
	return nil
}

// xdrtestImport is the package the registries' element type comes from.
const xdrtestImport = "github.com/virtwire/libvirt/internal/xdrtest"

// renderProtocolRegistry writes package protocol's test registry: its
// types, and makers for the root package's unions they contain.
func (g *generator) renderProtocolRegistry() error {
	var w codeWriter
	w.line("// xdrTypes lists every generated struct of the package.")
	w.line("var xdrTypes = []xdrtest.Type{")
	for _, u := range g.units {
		for _, d := range u.file.Defs {
			if x := g.defs[d.DefName()]; x.wire != nil && x.wire.pubName != "" {
				w.line("{Name: %q, New: func() xdrtest.Codec { return new(%s) }},", x.wire.pubName, x.wire.pubName)
			}
		}
	}
	w.line("}")
	w.line("")
	w.line("// unionMakers builds, for each union type of package libvirt, a value")
	w.line("// holding arm pick%%arms; fill fills the arm's value through a pointer.")
	w.line("var unionMakers = map[reflect.Type]func(pick int, fill func(any)) any{")
	for _, u := range g.units {
		if u.pkg != "libvirt" {
			continue
		}
		for _, d := range u.file.Defs {
			if un, ok := d.(*rpcl.Union); ok {
				if err := g.emitUnionMaker(&w, u, un, true); err != nil {
					return err
				}
			}
		}
	}
	w.line("}")
	imports := []string{"reflect", rootImport, xdrtestImport}
	return g.put(protocolDir, "xdr_types.gen_test.go", protocolPkg, g.fileHeader("protocol files"), &w, imports)
}

// emitUnionMaker writes the unionMakers entry of union d; qualified
// spells it as package protocol's tests do.
func (g *generator) emitUnionMaker(w *codeWriter, u *unit, d *rpcl.Union, qualified bool) error {
	name, ctor := g.defs[d.Name].goName, "New"+g.defs[d.Name].goName
	if qualified || rootAlias(u.pkg, name) {
		ctor = "libvirt." + ctor
	}
	if qualified {
		name = g.pubTypeName(name, protocolPkg)
	}
	var labels []string
	for _, c := range d.Cases {
		labels = append(labels, c.Values[0].Ref)
	}
	prefix := commonWordPrefix(labels)
	w.line("reflect.TypeOf(%s{}): func(pick int, fill func(any)) any {", name)
	w.line("switch pick %% %d {", len(d.Cases))
	for i, c := range d.Cases {
		suffix := camel(c.Values[0].Ref[len(prefix):])
		w.line("case %d:", i)
		if c.Arm.Type.Kind == rpcl.Void {
			w.line("return %s%s()", ctor, suffix)
			continue
		}
		t, err := g.resolveDecl(u.pkg, c.Arm)
		if err != nil {
			return err
		}
		if qualified {
			t = g.qualified(t)
		}
		w.line("var v %s", t.goExpr())
		w.line("fill(&v)")
		w.line("return %s%s(v)", ctor, suffix)
	}
	w.line("}")
	w.line("panic(%q)", fmt.Sprintf("unreachable: %s arm", name))
	w.line("},")
	return nil
}
