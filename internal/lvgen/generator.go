// Package lvgen generates virtwire's Go protocol code from libvirt's RPCL
// protocol files and public C headers.
//
// Input is a libvirt source tree (LIBVIRT_SOURCE): src/**/*.x for the wire
// protocols and include/libvirt/*.h for constants. Output is one
// *.gen.go file per protocol plus one per package for the header constants,
// and package protocol's exported copies of the wire-only types
// (wireonly.go).
package lvgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/virtwire/libvirt/internal/lvgen/cheader"
	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// unit is one protocol file and the Go file generated from it.
type unit struct {
	xfile      string // path below the source tree
	pkg        string // Go package name
	dir        string // output directory below the module root
	out        string // output file name
	prefix     string // RPCL name prefix stripped from type names ("remote_")
	constPfx   string // RPCL constant prefix stripped from constant names ("REMOTE_")
	goPrefix   string // prefix for Go names of this program ("QEMU")
	procEnum   string // the procedure enum ("remote_procedure"), if any
	cHeader    string // header whose functions this program calls (for names)
	cInfix     string // word libvirt inserts in this program's C names ("Qemu")
	cPrefix    string // C function prefix ("vir", "virAdm")
	programC   string // RPCL const naming the program number
	versionC   string // RPCL const naming the program version
	clientType string // receiver of generated methods; empty for none
	// qualify prefixes enum member names with their type's Go name
	// (virnetprotocol.x: MessageTypeCall, MessageStatusOK), because its
	// short names would clash with its struct names (StreamHole).
	qualify bool

	file *rpcl.File
	src  []byte
}

// units lists every protocol virtwire generates, in dependency order
// (remote before qemu and lxc, which use remote's types).
func units() []*unit {
	return []*unit{
		{xfile: "src/rpc/virnetprotocol.x", pkg: "wire", dir: "internal/wire", out: "virnet_protocol.gen.go",
			prefix: "virNet", constPfx: "VIR_NET_", qualify: true},
		{xfile: "src/rpc/virkeepaliveprotocol.x", pkg: "wire", dir: "internal/wire", out: "keepalive_protocol.gen.go",
			prefix: "keepalive_", constPfx: "KEEPALIVE_", goPrefix: "Keepalive", procEnum: "keepalive_procedure",
			programC: "KEEPALIVE_PROGRAM", versionC: "KEEPALIVE_PROTOCOL_VERSION"},
		{xfile: "src/remote/remote_protocol.x", pkg: "libvirt", dir: ".", out: "remote_protocol.gen.go",
			prefix: "remote_", constPfx: "REMOTE_", procEnum: "remote_procedure", cPrefix: "vir",
			programC: "REMOTE_PROGRAM", versionC: "REMOTE_PROTOCOL_VERSION", clientType: "Client"},
		{xfile: "src/remote/qemu_protocol.x", pkg: "libvirt", dir: ".", out: "qemu_protocol.gen.go",
			prefix: "qemu_", constPfx: "QEMU_", goPrefix: "QEMU", procEnum: "qemu_procedure",
			cHeader: "libvirt-qemu.h", cInfix: "Qemu", cPrefix: "vir",
			programC: "QEMU_PROGRAM", versionC: "QEMU_PROTOCOL_VERSION", clientType: "Client"},
		{xfile: "src/remote/lxc_protocol.x", pkg: "libvirt", dir: ".", out: "lxc_protocol.gen.go",
			prefix: "lxc_", constPfx: "LXC_", goPrefix: "LXC", procEnum: "lxc_procedure",
			cHeader: "libvirt-lxc.h", cInfix: "Lxc", cPrefix: "vir",
			programC: "LXC_PROGRAM", versionC: "LXC_PROTOCOL_VERSION", clientType: "Client"},
		{xfile: "src/admin/admin_protocol.x", pkg: "admin", dir: "admin", out: "admin_protocol.gen.go",
			prefix: "admin_", constPfx: "ADMIN_", procEnum: "admin_procedure",
			cHeader: "libvirt-admin.h", cPrefix: "virAdm",
			programC: "ADMIN_PROGRAM", versionC: "ADMIN_PROTOCOL_VERSION", clientType: "Client"},
	}
}

// constFile describes a generated file of header constants.
type constFile struct {
	pkg, dir, out string
	files         func(header string) bool
}

func constFiles() []constFile {
	return []constFile{
		{pkg: "libvirt", dir: ".", out: "const.gen.go", files: func(h string) bool { return h != "libvirt-admin.h" }},
		{pkg: "admin", dir: "admin", out: "const.gen.go", files: func(h string) bool { return h == "libvirt-admin.h" }},
	}
}

// Config says where to read and write.
type Config struct {
	// Source is the libvirt source tree (LIBVIRT_SOURCE).
	Source string
	// Out is the module root to write into.
	Out string
	// IncludeDirs overrides the header search path; nil means
	// cheader.IncludeDirs(Source).
	IncludeDirs []string
}

// Report summarises a generation run.
type Report struct {
	Procedures  map[string]int // per program
	Events      map[string][]string
	Streams     map[string][]string
	Types       int
	Enums       int
	TypedFlags  int
	FlagParams  int
	UntypedFlag []string
	// TypedEnums counts the integer fields typed with a header enum or a
	// named scalar (event fields, API arguments and results, versions).
	TypedEnums int
	Files      []string
}

type generator struct {
	cfg            Config
	units          []*unit
	scopes         map[string]*scope
	consts         map[string]constRef
	enumsByC       map[string]*headerEnum
	defs           map[string]*xdef // RPCL name -> definition
	funcs          map[string]cheader.Func
	funcIndex      map[*unit]map[string]cheader.Func
	flagTypes      map[string]string // args struct name -> Go flag type
	usedFieldEnums map[string]bool
	wireByRoot     map[string]*wireOnly // root Go name of a wire-only type -> its names
	contained      map[*unit]map[string]bool
	prov           provenance
	report         Report
	minMemo        map[string]int
	files          map[string][]byte
}

// Generate reads the protocol files and headers and writes every generated
// file below cfg.Out. It returns what was generated.
func Generate(cfg Config) (*Report, error) {
	g, err := load(cfg)
	if err != nil {
		return nil, err
	}
	if err := g.render(); err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(g.files) {
		path := filepath.Join(cfg.Out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, g.files[name], 0o644); err != nil {
			return nil, err
		}
		g.report.Files = append(g.report.Files, name)
	}
	return &g.report, nil
}

func load(cfg Config) (*generator, error) {
	g := &generator{
		cfg: cfg, units: units(), scopes: map[string]*scope{},
		consts: map[string]constRef{}, enumsByC: map[string]*headerEnum{},
		defs: map[string]*xdef{}, usedFieldEnums: map[string]bool{}, minMemo: map[string]int{}, files: map[string][]byte{},
		report: Report{Procedures: map[string]int{}, Events: map[string][]string{}, Streams: map[string][]string{}},
	}
	dirs := cfg.IncludeDirs
	if dirs == nil {
		dirs = cheader.IncludeDirs(cfg.Source)
	}
	h, err := cheader.Load(dirs, []string{"libvirt/libvirt.h", "libvirt/virterror.h",
		"libvirt/libvirt-qemu.h", "libvirt/libvirt-lxc.h", "libvirt/libvirt-admin.h"})
	if err != nil {
		return nil, fmt.Errorf("reading libvirt headers: %w", err)
	}
	g.funcs = map[string]cheader.Func{}
	for _, f := range h.Funcs {
		g.funcs[f.Name] = f
	}
	for _, cf := range constFiles() {
		s := g.scope(cf.pkg)
		if err := g.addHeaders(s, h, cf.files); err != nil {
			return nil, err
		}
	}
	g.prov = readProvenance(cfg.Source, h)
	for _, u := range g.units {
		path := filepath.Join(cfg.Source, u.xfile)
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		f, err := rpcl.Parse(u.xfile, src)
		if err != nil {
			return nil, err
		}
		u.file, u.src = f, src
		if err := g.declare(u); err != nil {
			return nil, err
		}
	}
	return g, nil
}

func (g *generator) scope(pkg string) *scope {
	s, ok := g.scopes[pkg]
	if !ok {
		s = newScope(pkg)
		g.scopes[pkg] = s
	}
	return s
}

// declare names every definition of u and registers its constants.
func (g *generator) declare(u *unit) error {
	s := g.scope(u.pkg)
	procTypes := g.procTypeNames(u)
	for _, d := range u.file.Defs {
		name := d.DefName()
		if _, dup := g.defs[name]; dup {
			return fmt.Errorf("%s: %s is already defined in another protocol file", d.DefPos(), name)
		}
		x := &xdef{def: d, unit: u}
		g.defs[name] = x
		switch d := d.(type) {
		case *rpcl.Const:
			x.goName = g.constName(u, d.Name)
			_, v, err := g.value(d.Value, u.pkg)
			if err != nil {
				return fmt.Errorf("%s: %w", d.Pos, err)
			}
			g.consts[d.Name] = constRef{goName: x.goName, pkg: u.pkg, value: v}
		case *rpcl.Enum:
			x.goName = g.typeName(u, d.Name)
			for _, m := range d.Members {
				_, v, err := g.value(m.Value, u.pkg)
				if err != nil {
					return fmt.Errorf("%s: %w", m.Pos, err)
				}
				gn := g.enumMemberName(u, d.Name, m.Name)
				if err := s.claim(gn, m.Name); err != nil {
					return err
				}
				g.consts[m.Name] = constRef{goName: gn, pkg: u.pkg, value: v, typed: true, enum: x.goName}
			}
		case *rpcl.Struct:
			if n, ok := procTypes[d.Name]; ok {
				x.goName = n
				if w := g.wireOnlyStruct(u, d, n); w != nil {
					x.wire, x.goName = w, w.rootName
				}
			} else {
				x.goName = g.typeName(u, d.Name)
			}
		case *rpcl.Union:
			x.goName = g.typeName(u, d.Name)
		case *rpcl.Typedef:
			// Typedefs of strings and optional data are spelled out where
			// used; only named fixed-size arrays (UUID) become Go types.
			if d.Decl.Kind == rpcl.FixedArray {
				x.goName = g.typeName(u, d.Decl.Name)
			}
		}
		if x.goName != "" {
			if err := s.claim(x.goName, name); err != nil {
				return err
			}
		}
	}
	return nil
}

// typeRenames gives Go names to RPCL types whose derived name is taken by
// hand-written code: remote_error would be "Error", the package's public
// error type.
var typeRenames = map[string]string{
	"remote_error":         "RemoteError",
	"admin_nonnull_client": "DaemonClient", // "Client" is the admin connection
}

// typeName gives the Go name of an RPCL type of unit u.
func (g *generator) typeName(u *unit, name string) string {
	if n, ok := typeRenames[name]; ok {
		return n
	}
	n := strings.TrimPrefix(name, u.prefix)
	n = strings.TrimPrefix(n, "nonnull_")
	n = strings.TrimPrefix(n, "Nonnull")
	if strings.ContainsAny(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && !strings.Contains(n, "_") {
		// virnetprotocol.x uses CamelCase names ("virNetMessageHeader").
		n = strings.Replace(n, "Nonnull", "", 1)
		return u.goPrefix + fixInitialisms(n)
	}
	return u.goPrefix + camel(n)
}

// constName gives the Go name of an RPCL const of unit u.
func (g *generator) constName(u *unit, name string) string {
	return u.goPrefix + camel(strings.TrimPrefix(name, u.constPfx))
}

// enumMemberName gives the Go name of an RPCL enum member.
func (g *generator) enumMemberName(u *unit, enum, member string) string {
	if enum == u.procEnum {
		return "Proc" + g.procName(u, member)
	}
	if u.qualify {
		return g.typeName(u, enum) + camel(strings.TrimPrefix(member, u.constPfx))
	}
	return u.goPrefix + camel(strings.TrimPrefix(member, u.constPfx))
}
