package lvgen

import (
	"fmt"
	"path"
	"strings"

	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// Wire-only types.
//
// Most argument and reply structs of the remote, qemu and lxc programs are
// never named by a public signature: the client methods take their fields
// as parameters and return them as results. In the root package they are
// unexported (their fields stay exported, so the wire trace still prints
// them), and package protocol exports a copy of each for code that must
// name them: libvirttest handlers and tools decoding captured traffic. The
// replies a method returns whole (more than maxFlatResults fields) and
// the event messages stay in the root package.

// protocolPkg is the package exporting the wire-only types.
const (
	protocolPkg    = "protocol"
	protocolDir    = "protocol"
	protocolImport = "github.com/virtwire/libvirt/protocol"
	rootImport     = "github.com/virtwire/libvirt"
)

// wireOnly names a wire-only type in both packages.
type wireOnly struct {
	rootName string // unexported, in the root package ("domainGetInfoArgs")
	pubName  string // exported, in package protocol ("DomainGetInfoArgs")
	what     string // "the arguments of REMOTE_PROC_DOMAIN_GET_INFO"
}

// wireOnlyStruct returns the wire-only names of d, a procedure struct of
// unit u named name, or nil when d stays public: the root package's
// procedure types outside the remote, qemu and lxc programs, every event
// message, every reply a client method returns as a whole, and every
// procedure struct another type contains (virDomainGetSecurityLabelList's
// reply is a list of DomainGetSecurityLabelRet). Package admin's wire-only
// types are unexported too; nothing outside it needs them (there is no
// fake admin server), so they have no exported copy (pubName is empty).
func (g *generator) wireOnlyStruct(u *unit, d *rpcl.Struct, name string) *wireOnly {
	if (u.pkg != "libvirt" && u.pkg != "admin") || u.procEnum == "" {
		return nil
	}
	if g.contained == nil {
		g.contained = map[*unit]map[string]bool{}
	}
	if g.contained[u] == nil {
		g.contained[u] = containedTypes(u.file)
	}
	if g.contained[u][d.Name] {
		return nil
	}
	stem := strings.TrimPrefix(d.Name, u.prefix)
	var what string
	switch {
	case strings.HasSuffix(stem, "_args"):
		what = "the arguments of " + u.constPfx + "PROC_" + strings.ToUpper(strings.TrimSuffix(stem, "_args"))
	case strings.HasSuffix(stem, "_ret") && len(d.Fields) <= maxFlatResults:
		what = "the reply to " + u.constPfx + "PROC_" + strings.ToUpper(strings.TrimSuffix(stem, "_ret"))
	default:
		return nil
	}
	w := &wireOnly{rootName: lowerFirst(name), pubName: name, what: what}
	if u.pkg != "libvirt" {
		w.pubName = ""
		return w
	}
	if g.wireByRoot == nil {
		g.wireByRoot = map[string]*wireOnly{}
	}
	g.wireByRoot[w.rootName] = w
	return w
}

// pubTypeName is how package protocol and libvirttest spell the root
// package's type goName: the protocol copy of a wire-only type, else the
// root's own name qualified with "libvirt." (from).
func (g *generator) pubTypeName(goName, from string) string {
	if w, ok := g.wireByRoot[goName]; ok {
		if from == protocolPkg {
			return w.pubName
		}
		return protocolPkg + "." + w.pubName
	}
	return "libvirt." + goName
}

// qualified returns t as code in package protocol spells it: named types
// and constant expressions of the root package get the "libvirt."
// qualifier.
func (g *generator) qualified(t *gtype) *gtype {
	q := *t
	if t.name != "" {
		q.name = g.pubTypeName(t.name, protocolPkg)
	}
	if t.elem != nil {
		q.elem = g.qualified(t.elem)
	}
	q.bound, q.nExpr = qualifyExpr(t.bound), qualifyExpr(t.nExpr)
	return &q
}

// qualifyExpr qualifies a bound or length expression naming a root
// constant ("StringMax"); numbers and xdr.Unbounded stay as they are.
func qualifyExpr(e string) string {
	if e == "" || !strings.ContainsAny(e[:1], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		return e
	}
	return "libvirt." + e
}

// renderProtocol writes package protocol's copy of the wire-only types of
// unit u, if it has any.
func (g *generator) renderProtocol(u *unit) error {
	if u.pkg != "libvirt" {
		return nil
	}
	var w codeWriter
	uses := map[string]bool{}
	n := 0
	for _, d := range u.file.Defs {
		s, ok := d.(*rpcl.Struct)
		if !ok {
			continue
		}
		x := g.defs[s.Name]
		if x.wire == nil {
			continue
		}
		doc := []string{fmt.Sprintf("%s is the wire form of %s: %s.", x.wire.pubName, s.Name, x.wire.what)}
		if err := g.emitStructAs(&w, u, x.wire.pubName, doc, s, true, uses); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return nil
	}
	var imports []string
	for _, im := range []string{"encoding/binary", "math"} {
		if uses[im] {
			imports = append(imports, im)
		}
	}
	if strings.Contains(w.b.String(), "libvirt.") {
		imports = append(imports, rootImport)
	}
	imports = append(imports, "github.com/virtwire/libvirt/internal/xdr")
	return g.put(protocolDir, path.Base(u.out), protocolPkg, g.fileHeader(u.xfile), &w, imports)
}

// containedTypes returns the names of the types that a struct field or
// union arm of f refers to.
func containedTypes(f *rpcl.File) map[string]bool {
	used := map[string]bool{}
	add := func(d rpcl.Decl) {
		if d.Type.Kind == rpcl.Named {
			used[d.Type.Name] = true
		}
	}
	for _, d := range f.Defs {
		switch d := d.(type) {
		case *rpcl.Struct:
			for _, fd := range d.Fields {
				add(fd)
			}
		case *rpcl.Union:
			for _, c := range d.Cases {
				add(c.Arm)
			}
			if d.Default != nil {
				add(*d.Default)
			}
		case *rpcl.Typedef:
			add(d.Decl)
		}
	}
	return used
}
