package libvirttest

import (
	"context"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// ConnectGetCPUModelNames lists an architecture's CPU models from the
// installed CPU map (WithCPUMap), as libvirt's CPU drivers do: x86 and
// ppc64 read theirs in the map's order, the other drivers of libvirt
// 11.3 list none, and architectures without a CPU driver are refused.
func (d *driver) ConnectGetCPUModelNames(ctx context.Context, args *protocol.ConnectGetCPUModelNamesArgs) (*protocol.ConnectGetCPUModelNamesRet, error) {
	if !knownArchs[args.Arch] {
		return nil, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "cannot find architecture %s", args.Arch)
	}
	mapArch, ok := cpuDrivers[args.Arch]
	if !ok {
		return nil, lvErrorf(libvirt.ErrNoSupport, libvirt.FromCPU, prefixNoSupport, "'%s' architecture is not supported by CPU driver", args.Arch)
	}
	var models []string
	if mapArch != "" {
		dir := d.srv.cfg.cpuMap
		if dir == "" {
			dir = DefaultCPUMap
		}
		var err error
		if models, err = readCPUModels(dir, mapArch); err != nil {
			return nil, err
		}
	}
	// The daemon's reply holds at most REMOTE_CONNECT_CPU_MODELS_MAX.
	const maxModels = 8192
	if len(models) > maxModels {
		return nil, lvErrorf(libvirt.ErrRPC, libvirt.FromRPC, "", "Too many CPU models '%d' for limit '%d'", len(models), maxModels)
	}
	ret := &protocol.ConnectGetCPUModelNamesRet{Ret: int32(len(models))}
	if args.NeedResults != 0 {
		ret.Models = models
	}
	return ret, nil
}

// cpuDrivers maps the architectures libvirt 11.3 has a CPU driver for to
// the <arch> of the CPU map their models come from ("": a driver that
// lists no models).
var cpuDrivers = map[string]string{
	"i686": "x86", "x86_64": "x86",
	"ppc64": "ppc64", "ppc64le": "ppc64",
	"armv6l": "", "armv7l": "", "armv7b": "", "aarch64": "",
	"s390": "", "s390x": "",
	"riscv64": "", "loongarch64": "",
}

// knownArchs are the architecture names libvirt 11.3 knows.
var knownArchs = map[string]bool{}

func init() {
	for _, a := range []string{"alpha", "armv6l", "armv7l", "armv7b", "aarch64", "cris", "i686", "lm32",
		"loongarch64", "m68k", "microblaze", "microblazeel", "mips", "mipsel", "mips64", "mips64el",
		"openrisc", "parisc", "parisc64", "ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", "riscv32",
		"riscv64", "s390", "s390x", "sh4", "sh4eb", "sparc", "sparc64", "unicore32", "x86_64",
		"xtensa", "xtensaeb"} {
		knownArchs[a] = true
	}
}

// cpuMapFileLimit bounds what is read of one CPU map file (libvirt's
// largest are a few tens of KiB).
const cpuMapFileLimit = 16 << 20

// readCPUModels returns the models of arch in dir's index.xml, in the
// order its includes (direct or in groups) name them.
func readCPUModels(dir, arch string) ([]string, error) {
	var models []string
	var files []string
	index := filepath.Join(dir, "index.xml")
	err := walkCPUMap(index, func(path []string, se xml.StartElement) {
		if len(path) < 2 || path[0] != "cpus" || path[1] != "arch" {
			return
		}
		switch se.Name.Local {
		case "include":
			files = append(files, attrOf(se, "filename"))
		case "model":
			if len(path) == 2 {
				models = append(models, attrOf(se, "name"))
			}
		}
	}, func(se xml.StartElement) bool {
		return se.Name.Local != "arch" || attrOf(se, "name") == arch
	})
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		err := walkCPUMap(filepath.Join(dir, f), func(path []string, se xml.StartElement) {
			if len(path) == 1 && path[0] == "cpus" && se.Name.Local == "model" {
				models = append(models, attrOf(se, "name"))
			}
		}, nil)
		if err != nil {
			return nil, err
		}
	}
	return models, nil
}

// walkCPUMap calls f for every element of the file with the names of its
// ancestors; an element enter refuses is skipped with its content. A file
// that cannot be read or parsed gives libvirt's error for it.
func walkCPUMap(file string, f func(path []string, se xml.StartElement), enter func(xml.StartElement) bool) error {
	fail := func() error {
		return lvErrorf(libvirt.ErrXMLError, libvirt.FromCPU, prefixXML, "failed to parse xml document '%s'", file)
	}
	fh, err := os.Open(file)
	if err != nil {
		return fail()
	}
	defer fh.Close()
	dec := xml.NewDecoder(io.LimitReader(fh, cpuMapFileLimit))
	var path []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if len(path) != 0 {
				return fail()
			}
			return nil
		}
		if err != nil {
			return fail()
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if enter != nil && !enter(t) {
				if err := dec.Skip(); err != nil {
					return fail()
				}
				continue
			}
			f(path, t)
			path = append(path, t.Name.Local)
		case xml.EndElement:
			path = path[:len(path)-1]
		}
	}
}

func attrOf(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
