package lvgen

import (
	"fmt"

	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// renderProcInfo writes procinfo.gen.go: for each program of the root
// package a table indexed by procedure number giving the Go method name,
// the C function, the protocol constant and constructors of the args,
// ret and msg types. Tracers name calls from it, and the wire trace
// decodes message bodies with it.
func (g *generator) renderProcInfo() error {
	var w codeWriter
	var progs []string
	for _, u := range g.units {
		if u.pkg != "libvirt" || u.procEnum == "" {
			continue
		}
		procs, err := g.procs(u)
		if err != nil {
			return err
		}
		prog := g.consts[u.programC].goName
		table := "procInfo" + map[string]string{"remote": "Remote", "qemu": "QEMU", "lxc": "LXC"}[programLabel(u)]
		progs = append(progs, fmt.Sprintf("case %s:\nreturn %s[:], %q", prog, table, programLabel(u)))
		w.line("// %s describes the procedures of %s by number.", table, u.xfile)
		w.line("var %s = [...]procInfo{", table)
		for _, p := range procs {
			cname := ""
			if !p.event() {
				cname = cFuncName(p)
			}
			w.line("%d: {method: %q, cfunc: %q, constant: %q,", p.num, p.goName, cname, p.member.Name)
			for _, f := range []struct {
				field string
				s     interface{ DefName() string }
			}{{"args", nilIfNil(p.args)}, {"ret", nilIfNil(p.ret)}, {"msg", nilIfNil(p.msg)}} {
				if f.s == nil {
					continue
				}
				w.line("%s: func() xdrBody { return new(%s) },", f.field, g.defs[f.s.DefName()].goName)
			}
			w.line("},")
		}
		w.line("}")
		w.line("")
	}
	w.line("// procTable returns the procedure table of program prog and the")
	w.line("// program's short name, or nil for a program this package does not know.")
	w.line("func procTable(prog uint32) ([]procInfo, string) {")
	w.line("switch prog {")
	for _, p := range progs {
		w.line("%s", p)
	}
	w.line("}")
	w.line("return nil, \"\"")
	w.line("}")
	return g.put(".", "procinfo.gen.go", "libvirt", g.fileHeader("protocol files"), &w, nil)
}

// programLabel is the short name traces give u's program ("remote").
func programLabel(u *unit) string {
	switch u.goPrefix {
	case "":
		return "remote"
	case "QEMU":
		return "qemu"
	case "LXC":
		return "lxc"
	}
	return u.goPrefix
}

// nilIfNil keeps a nil *rpcl.Struct from becoming a non-nil interface.
func nilIfNil(s *rpcl.Struct) interface{ DefName() string } {
	if s == nil {
		return nil
	}
	return s
}
