package lvgen

import (
	"path"
	"strings"

	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// serverUnits are the programs libvirttest serves, with the Go names of
// their handler interfaces.
var serverUnits = map[string]string{
	"src/remote/remote_protocol.x": "RemoteHandler",
	"src/remote/qemu_protocol.x":   "QEMUHandler",
}

// renderServer writes libvirttest/dispatch.gen.go: for each served
// program a handler interface with one method per client-to-server
// procedure (taking the decoded arguments, returning the reply), an
// Unimplemented type answering every procedure with libvirt's "not
// supported" error, and a dispatch function that decodes a call's
// arguments, invokes the handler and encodes its reply.
func (g *generator) renderServer() error {
	var w codeWriter
	for _, u := range g.units {
		iface, ok := serverUnits[u.xfile]
		if !ok {
			continue
		}
		procs, err := g.procs(u)
		if err != nil {
			return err
		}
		var served []*proc
		for _, p := range procs {
			if !p.event() {
				served = append(served, p)
			}
		}
		w.line("// %s serves the procedures of %s. Each method gets the decoded", iface, path.Base(u.xfile))
		w.line("// arguments and returns the reply: the structs of package protocol, or")
		w.line("// of package libvirt for the replies the client returns whole")
		w.line("// (libvirt.DomainGetInfoRet). An error is sent to the client as")
		w.line("// a libvirt error (use *libvirt.Error to choose its code). Embed")
		w.line("// Unimplemented%s to answer procedures you do not implement with", iface)
		w.line("// libvirt's \"not supported\" error.")
		w.line("type %s interface {", iface)
		for _, p := range served {
			w.line("%s(%s) %s", p.goName, g.serverParams(p), g.serverResults(p))
		}
		w.line("}")
		w.line("")
		w.line("// Unimplemented%s answers every procedure with VIR_ERR_NO_SUPPORT.", iface)
		w.line("type Unimplemented%s struct{}", iface)
		w.line("")
		for _, p := range served {
			w.line("// %s reports that the procedure is not supported.", p.goName)
			w.line("func (Unimplemented%s) %s(%s) %s {", iface, p.goName, g.serverParams(p), g.serverResults(p))
			if p.ret != nil {
				w.line("return nil, unsupported(%q, libvirt.%s)", cFuncName(p), apiErrorDomain(p))
			} else {
				w.line("return unsupported(%q, libvirt.%s)", cFuncName(p), apiErrorDomain(p))
			}
			w.line("}")
			w.line("")
		}
		fn := "dispatch" + strings.TrimSuffix(iface, "Handler")
		w.line("// %s decodes the arguments of procedure proc from d, calls h and", fn)
		w.line("// encodes the reply into e. known is false for a procedure number the")
		w.line("// program does not have. Bytes after the arguments are ignored, as")
		w.line("// libvirtd's message layer ignores them.")
		w.line("func %s(ctx context.Context, h %s, proc int32, d *xdr.Decoder, e *xdr.Encoder) (known bool, err error) {", fn, iface)
		w.line("switch proc {")
		for _, p := range served {
			w.line("case int32(libvirt.Proc%s):", p.goName)
			args := ""
			if p.args != nil {
				w.line("var args %s", g.pubTypeName(g.defs[p.args.Name].goName, "libvirttest"))
				w.line("args.DecodeXDR(d)")
				w.line("if err := d.Err(); err != nil {")
				w.line("return true, argsError(err)")
				w.line("}")
				if iface == "RemoteHandler" && hasFlagsField(p.args) {
					// The test driver refuses unknown flags before
					// anything else (checkFlags knows which it accepts).
					w.line("if err := checkFlags(libvirt.Proc%s, uint32(args.Flags)); err != nil {", p.goName)
					w.line("return true, err")
					w.line("}")
				}
				args = ", &args"
			}
			if p.ret != nil {
				w.line("ret, err := h.%s(ctx%s)", p.goName, args)
				w.line("if err != nil {")
				w.line("return true, err")
				w.line("}")
				w.line("if ret == nil {")
				w.line("ret = new(%s)", g.pubTypeName(g.defs[p.ret.Name].goName, "libvirttest"))
				w.line("}")
				w.line("ret.EncodeXDR(e)")
				w.line("return true, e.Err()")
			} else {
				w.line("return true, h.%s(ctx%s)", p.goName, args)
			}
		}
		w.line("}")
		w.line("return false, nil")
		w.line("}")
		w.line("")
	}
	return g.put("libvirttest", "dispatch.gen.go", "libvirttest", g.fileHeader("protocol files"), &w,
		[]string{"context", rootImport, "github.com/virtwire/libvirt/internal/xdr", protocolImport})
}

// apiErrorDomains are the error domains of libvirt's public API files, by
// the header declaring their functions: a driver without a function is
// reported by the API file, under that file's domain.
var apiErrorDomains = map[string]string{
	"libvirt-domain.h":            "FromDomain",
	"libvirt-domain-snapshot.h":   "FromDomainSnapshot",
	"libvirt-domain-checkpoint.h": "FromDomainCheckpoint",
	"libvirt-network.h":           "FromNetwork",
	"libvirt-storage.h":           "FromStorage",
	"libvirt-nodedev.h":           "FromNodedev",
	"libvirt-interface.h":         "FromInterface",
	"libvirt-secret.h":            "FromSecret",
	"libvirt-nwfilter.h":          "FromNWFilter",
	"libvirt-stream.h":            "FromStreams",
	"libvirt-qemu.h":              "FromDomain",
	"libvirt-host.h":              "FromDomain", // libvirt-host.c reports under VIR_FROM_DOMAIN
	"libvirt-lxc.h":               "FromDomain",
}

// apiErrorDomain is the error domain of p's "not supported" error: that
// of its public function's API file, or for procedures without one
// (internal migration steps) that of the object they act on.
func apiErrorDomain(p *proc) string {
	if d, ok := apiErrorDomains[p.cfunc.File]; ok {
		return d
	}
	if strings.HasPrefix(p.goName, "Domain") {
		return "FromDomain"
	}
	return "FromNone"
}

// hasFlagsField reports whether an argument struct has a "flags" field,
// which libvirt's drivers check against the flags they accept.
func hasFlagsField(args *rpcl.Struct) bool {
	for _, f := range args.Fields {
		if goField(f.Name) == "Flags" {
			return true
		}
	}
	return false
}

func (g *generator) serverParams(p *proc) string {
	if p.args == nil {
		return "ctx context.Context"
	}
	return "ctx context.Context, args *" + g.pubTypeName(g.defs[p.args.Name].goName, "libvirttest")
}

func (g *generator) serverResults(p *proc) string {
	if p.ret == nil {
		return "error"
	}
	return "(*" + g.pubTypeName(g.defs[p.ret.Name].goName, "libvirttest") + ", error)"
}

// cFuncName is the C function libvirtd names in errors about p: the public
// function when the headers declare one, else libvirt's internal name
// ("virDomainMigratePrepare").
func cFuncName(p *proc) string {
	if p.cfunc.Name != "" {
		return p.cfunc.Name
	}
	return "vir" + strings.TrimPrefix(p.goName, p.u.goPrefix)
}
