package libvirttest

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// hostCPU is what libvirt reads of a host CPU definition (the input of
// virConnectBaselineCPU) for the baseline.
type hostCPU struct {
	arch, model, vendor string
	features            []string
}

// ConnectBaselineCPU computes the CPU every given host CPU can run, as
// the test driver does with libvirt's CPU drivers: x86 CPUs with the
// installed CPU map (WithCPUMap), ARM ones by taking the first CPU's
// model; ppc64 CPUs are answered "not supported", other architectures
// refused as libvirt refuses them.
func (d *driver) ConnectBaselineCPU(ctx context.Context, args *protocol.ConnectBaselineCPUArgs) (*protocol.ConnectBaselineCPURet, error) {
	if len(args.XMLCPUs) == 0 {
		// An empty array reaches the public API as a NULL list, which
		// its argument check reports as the metadata calls' NULL URI is.
		const fn = "virConnectBaselineCPU"
		return nil, &libvirt.Error{Code: libvirt.ErrInvalidArg, Domain: libvirt.FromDomain, Level: libvirt.ErrError,
			Message: "xmlCPUs in " + fn + " must not be NULL", Str1: fn, Str2: "xmlCPUs"}
	}
	cpus := make([]*hostCPU, len(args.XMLCPUs))
	for i, doc := range args.XMLCPUs {
		c, err := parseHostCPU(doc)
		if err != nil {
			return nil, err
		}
		cpus[i] = c
	}
	var out *baselineCPU
	var m *x86Map
	switch cpuDriverOf(cpus[0].arch) {
	case "x86":
		dir := d.srv.cfg.cpuMap
		if dir == "" {
			dir = DefaultCPUMap
		}
		var err error
		if m, err = loadX86Map(dir); err != nil {
			return nil, err
		}
		if out, err = x86Baseline(m, cpus); err != nil {
			return nil, err
		}
	case "arm":
		out = &baselineCPU{model: cpus[0].model, fallback: "allow"}
	case "":
		return nil, lvErrorf(libvirt.ErrNoSupport, libvirt.FromCPU, prefixNoSupport, "'%s' architecture is not supported by CPU driver", cpus[0].arch)
	case "ppc64":
		// libvirt's ppc64 driver has a baseline of its own (PVR based),
		// which the fake does not model: see the package doc.
		return nil, unsupported("virConnectBaselineCPU", libvirt.FromDomain)
	default:
		return nil, lvErrorf(libvirt.ErrNoSupport, libvirt.FromCPU, prefixNoSupport, "cannot compute baseline CPU of %s architecture", cpus[0].arch)
	}
	if args.Flags&libvirt.ConnectBaselineCPUExpandFeatures != 0 {
		if m != nil {
			if err := x86Expand(m, out); err != nil {
				return nil, err
			}
		}
		sort.SliceStable(out.features, func(i, j int) bool { return out.features[i].name < out.features[j].name })
	}
	return &protocol.ConnectBaselineCPURet{CPU: out.format()}, nil
}

// cpuDriverOf names the CPU driver libvirt 11.3 uses for arch: "x86",
// "arm", another name for drivers without a baseline, "" for none.
func cpuDriverOf(arch string) string {
	switch arch {
	case "i686", "x86_64":
		return "x86"
	case "armv6l", "armv7l", "armv7b", "aarch64":
		return "arm"
	case "ppc64", "ppc64le":
		return "ppc64"
	case "s390", "s390x", "riscv64", "loongarch64":
		return arch
	}
	return ""
}

func cpuXMLError(detail string, a ...any) error {
	return lvErrorf(libvirt.ErrXMLError, libvirt.FromCPU, prefixXML, detail, a...)
}

// parseHostCPU reads a <cpu> as libvirt's parser reads a host CPU: the
// architecture and model are required, features need a name each and
// may not repeat, and attributes of guest CPUs (mode) are refused.
func parseHostCPU(doc string) (*hostCPU, error) {
	root, err := parseXNode(doc)
	if err != nil {
		return nil, lvErrorf(libvirt.ErrXMLDetail, libvirt.FromCPU, "", "(CPU_definition): %v", err)
	}
	if root.name != "cpu" {
		return nil, cpuXMLError("XML does not contain expected 'cpu' element")
	}
	if _, ok := root.attr("mode"); ok {
		return nil, lvErrorf(libvirt.ErrConfigUnsupported, libvirt.FromCPU, prefixConfigUnsup, "Attribute mode is only allowed for guest CPU")
	}
	if _, ok := root.attr("migratable"); ok {
		return nil, lvErrorf(libvirt.ErrConfigUnsupported, libvirt.FromCPU, prefixConfigUnsup, "Attribute migratable is only allowed for 'host-passthrough' / 'maximum' CPU mode")
	}
	c := &hostCPU{}
	arch := xnodeText(root.child("arch"))
	if arch == "" {
		return nil, cpuXMLError("Missing CPU architecture")
	}
	if !knownArchs[arch] {
		return nil, lvErrorf(libvirt.ErrConfigUnsupported, libvirt.FromCPU, prefixConfigUnsup, "Unknown architecture %s", arch)
	}
	c.arch = arch
	if c.model = xnodeText(root.child("model")); c.model == "" {
		return nil, cpuXMLError("Missing CPU model name")
	}
	c.vendor = xnodeText(root.child("vendor"))
	for _, f := range root.childrenNamed("feature") {
		name, _ := f.attr("name")
		if name == "" {
			return nil, cpuXMLError("Invalid CPU feature name")
		}
		for _, prev := range c.features {
			if prev == name {
				return nil, cpuXMLError("CPU feature '%s' specified more than once", name)
			}
		}
		c.features = append(c.features, name)
	}
	return c, nil
}

// xnodeText is XPath's string() of an element: all the text inside it.
func xnodeText(n *xnode) string {
	if n == nil {
		return ""
	}
	var sb strings.Builder
	var walk func(*xnode)
	walk = func(n *xnode) {
		sb.WriteString(n.text)
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(n)
	return sb.String()
}

// format writes the CPU as libvirt formats a guest CPU definition.
func (c *baselineCPU) format() string {
	var sb strings.Builder
	sb.WriteString("<cpu mode='custom' match='exact'>\n")
	fmt.Fprintf(&sb, "  <model fallback='%s'>%s</model>\n", c.fallback, escapeLibvirt(c.model))
	if c.vendor != "" {
		fmt.Fprintf(&sb, "  <vendor>%s</vendor>\n", escapeLibvirt(c.vendor))
	}
	for _, f := range c.features {
		fmt.Fprintf(&sb, "  <feature policy='%s' name='%s'/>\n", f.policy, f.name)
	}
	sb.WriteString("</cpu>\n")
	return sb.String()
}

const prefixConfigUnsup = "unsupported configuration: "
