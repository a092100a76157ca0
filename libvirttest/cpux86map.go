package libvirttest

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/virtwire/libvirt"
)

// x86Map is the x86 part of an installed CPU map, in the order libvirt
// loads it: the order decides which feature names describe a set of bits
// and which model is tried first.
type x86Map struct {
	vendors  []*x86Vendor
	features []*x86Feature
	models   []*x86Model
}

type x86Vendor struct {
	name string
	data x86Data // leaf 0's vendor string
}

type x86Feature struct {
	name       string
	data       x86Data
	migratable bool
}

type x86Model struct {
	name        string
	decodeGuest bool
	vendor      *x86Vendor
	data        x86Data
	removed     []string // features the model drops from its ancestor
}

func (m *x86Map) vendor(name string) *x86Vendor {
	for _, v := range m.vendors {
		if v.name == name {
			return v
		}
	}
	return nil
}

func (m *x86Map) feature(name string) *x86Feature {
	for _, f := range m.features {
		if f.name == name {
			return f
		}
	}
	return nil
}

func (m *x86Map) model(name string) *x86Model {
	for _, x := range m.models {
		if x.name == name {
			return x
		}
	}
	return nil
}

// loadX86Map reads dir's index.xml and the files its x86 section
// includes (directly or in named groups), each file's vendors, then
// features, then models, as libvirt does.
func loadX86Map(dir string) (*x86Map, error) {
	index, err := readMapFile(filepath.Join(dir, "index.xml"))
	if err != nil {
		return nil, err
	}
	var arch *xnode
	for _, a := range index.childrenNamed("arch") {
		if v, _ := a.attr("name"); v == "x86" {
			arch = a
			break
		}
	}
	if arch == nil {
		return nil, lvErrorf(libvirt.ErrInternalError, libvirt.FromCPU, prefixInternal, "cannot find CPU map for x86 architecture")
	}
	m := &x86Map{}
	if err := m.load(arch); err != nil {
		return nil, err
	}
	for _, n := range arch.children {
		var incs []*xnode
		switch {
		case n.name == "include":
			incs = []*xnode{n}
		case n.name == "group":
			if _, ok := n.attr("name"); ok {
				incs = n.childrenNamed("include")
			}
		}
		for _, inc := range incs {
			name, _ := inc.attr("filename")
			f, err := readMapFile(filepath.Join(dir, name))
			if err != nil {
				return nil, err
			}
			if err := m.load(f); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func readMapFile(path string) (*xnode, error) {
	fail := lvErrorf(libvirt.ErrXMLError, libvirt.FromCPU, prefixXML, "failed to parse xml document '%s'", path)
	fh, err := os.Open(path)
	if err != nil {
		return nil, fail
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, cpuMapFileLimit))
	if err != nil {
		return nil, fail
	}
	root, err := parseXNode(string(b))
	if err != nil {
		return nil, fail
	}
	return root, nil
}

func mapError(format string, a ...any) error {
	return lvErrorf(libvirt.ErrInternalError, libvirt.FromCPU, prefixInternal, format, a...)
}

// load adds the vendors, features and models that are children of n.
func (m *x86Map) load(n *xnode) error {
	for _, v := range n.childrenNamed("vendor") {
		name, _ := v.attr("name")
		s, _ := v.attr("string")
		if len(s) != 12 {
			return mapError("Invalid CPU vendor string '%s'", s)
		}
		b := []byte(s)
		regs := x86Regs{0, binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint32(b[8:]), binary.LittleEndian.Uint32(b[4:])}
		m.vendors = append(m.vendors, &x86Vendor{name: name, data: x86Data{{}: regs}})
	}
	for _, f := range n.childrenNamed("feature") {
		name, _ := f.attr("name")
		mig, _ := f.attr("migratable")
		feat := &x86Feature{name: name, data: x86Data{}, migratable: mig != "no"}
		for _, it := range f.children {
			var key x86Key
			var regs x86Regs
			switch it.name {
			case "alias":
				continue
			case "cpuid":
				key = x86Key{in: mapNum(it, "eax_in"), sub: mapNum(it, "ecx_in")}
				regs = x86Regs{mapNum(it, "eax"), mapNum(it, "ebx"), mapNum(it, "ecx"), mapNum(it, "edx")}
			default:
				key = x86Key{msr: true, in: mapNum(it, "index")}
				regs = x86Regs{mapNum(it, "eax"), 0, 0, mapNum(it, "edx")}
			}
			feat.data.add(x86Data{key: regs})
		}
		m.features = append(m.features, feat)
	}
	for _, x := range n.childrenNamed("model") {
		if err := m.loadModel(x); err != nil {
			return err
		}
	}
	return nil
}

// loadModel adds one model: its ancestor's data (without the features
// the ancestor marks removed), its vendor and its own features. Features
// marked added (libvirt 11.3's later additions to old models) are not
// part of the model's data.
func (m *x86Map) loadModel(x *xnode) error {
	name, _ := x.attr("name")
	model := &x86Model{name: name, data: x86Data{}}
	if d := x.child("decode"); d != nil {
		g, _ := d.attr("guest")
		model.decodeGuest = g == "on"
	}
	if a := x.child("model"); a != nil {
		an, _ := a.attr("name")
		anc := m.model(an)
		if anc == nil {
			return mapError("Ancestor model %s not found for CPU model %s", an, name)
		}
		model.vendor = anc.vendor
		model.data = anc.data.clone()
		for _, r := range anc.removed {
			if f := m.feature(r); f != nil {
				model.data.subtract(f.data)
			}
		}
	}
	if v := x.child("vendor"); v != nil {
		vn, _ := v.attr("name")
		if model.vendor = m.vendor(vn); model.vendor == nil {
			return mapError("Unknown vendor %s referenced by CPU model %s", vn, name)
		}
	}
	for _, f := range x.childrenNamed("feature") {
		fn, _ := f.attr("name")
		feat := m.feature(fn)
		if feat == nil {
			return mapError("Feature %s required by CPU model %s not found", fn, name)
		}
		if r, _ := f.attr("removed"); r == "yes" {
			model.removed = append(model.removed, fn)
			continue
		}
		if a, _ := f.attr("added"); a == "yes" {
			continue
		}
		model.data.add(feat.data)
	}
	m.models = append(m.models, model)
	return nil
}

// mapNum reads a numeric attribute in C notation (0x.. hex), 0 if absent.
func mapNum(n *xnode, name string) uint32 {
	s, ok := n.attr(name)
	if !ok {
		return 0
	}
	v, _ := strconv.ParseUint(s, 0, 32)
	return uint32(v)
}
