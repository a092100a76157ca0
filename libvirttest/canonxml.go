package libvirttest

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/virtwire/libvirt"
	"libvirt.org/go/libvirtxml"
)

// libvirt writes its XML with its own buffer formatter, not libxml2's
// serialiser, and clients compare its output byte for byte (virsh edit,
// golden files, configuration management). libvirtxml's structs hold the
// elements and attributes in libvirt's order, but encoding/xml writes
// them in another style. libvirtStyle re-serialises such a document the
// way libvirt's formatter does: two-space indentation, attributes in
// single quotes, empty elements self-closed, and libvirt's escapes
// (&apos; and &quot; in text and attributes alike).

// xnode is one element of a document being restyled.
type xnode struct {
	name     string
	attrs    []xml.Attr
	text     string
	children []*xnode
}

// alwaysOpen lists elements libvirt writes as an open and a close tag
// even when they are empty (parent/child).
var alwaysOpen = map[string]bool{
	"domain/devices":    true,
	"network/ip":        true,
	"network/portgroup": true,
}

// childOrder gives, per parent element, the order libvirt formats
// children in where libvirtxml's struct order differs: features in
// libvirt's enum order.
var childOrder = map[string][]string{
	"secret":      {"uuid", "description", "usage"},
	"network/dns": {"forwarder", "txt", "srv", "host"},
	"ip/dhcp":     {"range", "host", "bootp"},
	"pool/source": {"host", "device", "dir", "adapter", "name", "format", "auth", "vendor", "product", "initiator"},
	// libvirt writes the size limit and group name before the lengths.
	"disk/iotune": {"total_bytes_sec", "read_bytes_sec", "write_bytes_sec", "total_iops_sec", "read_iops_sec", "write_iops_sec",
		"total_bytes_sec_max", "read_bytes_sec_max", "write_bytes_sec_max", "total_iops_sec_max", "read_iops_sec_max", "write_iops_sec_max",
		"size_iops_sec", "group_name"},
	// libvirt writes <bandwidth> after the VLAN and port profile.
	"devices/interface": {"mac", "source", "boot", "vlan", "virtualport", "bandwidth"},
	"features": {"acpi", "apic", "pae", "hap", "viridian", "privnet", "hyperv", "kvm", "pvspinlock",
		"capabilities", "pmu", "vmport", "gic", "smm", "ioapic", "hpt", "vmcoreinfo", "htm", "nested-hv",
		"msrs", "ccf-assist", "xen", "cfpc", "sbbc", "ibs", "tcg", "async-teardown", "ras", "ps2", "aia"},
}

// attrOrder gives, per parent/element, libvirt's attribute order where
// libvirtxml's differs.
var attrOrder = map[string][]string{
	"network/ip":       {"family", "address", "netmask", "prefix", "localPtr"},
	"domain/cpu":       {"mode", "match", "check", "migratable", "deprecated_features"},
	"domain/maxMemory": {"slots", "unit"},
	"video/model":      {"type", "ram", "vram", "vram64", "vgamem", "heads", "primary"},
}

// rank orders names by their place in order; names not listed keep
// their relative order after the listed ones that precede them.
func rank(order []string, name string) int {
	for i, n := range order {
		if n == name {
			return i
		}
	}
	return len(order)
}

// libvirtStyle parses doc (encoding/xml output without indentation) and
// writes it as libvirt would.
func libvirtStyle(doc string) (string, error) {
	root, err := parseXNode(doc)
	if err != nil {
		return "", fmt.Errorf("restyling XML: %w", err)
	}
	return formatXNode(root), nil
}

// parseXNode reads a document into a tree of xnodes, dropping namespace
// declarations. Syntax errors are returned as encoding/xml reports them.
func parseXNode(doc string) (*xnode, error) {
	d := xml.NewDecoder(strings.NewReader(doc))
	var stack []*xnode
	var root *xnode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("extra content at the end of the document")
			}
			n := &xnode{name: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				n.attrs = append(n.attrs, a)
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, io.ErrUnexpectedEOF
	}
	return root, nil
}

// formatXNode writes a tree as libvirt's formatter would.
func formatXNode(root *xnode) string {
	var sb strings.Builder
	writeNode(&sb, root, "", "")
	return sb.String()
}

func writeNode(sb *strings.Builder, n *xnode, parent, indent string) {
	if order, ok := attrOrder[parent+"/"+n.name]; ok {
		sort.SliceStable(n.attrs, func(i, j int) bool {
			return rank(order, n.attrs[i].Name.Local) < rank(order, n.attrs[j].Name.Local)
		})
	}
	order, ok := childOrder[parent+"/"+n.name]
	if !ok {
		order, ok = childOrder[n.name]
	}
	if ok {
		sort.SliceStable(n.children, func(i, j int) bool {
			return rank(order, n.children[i].name) < rank(order, n.children[j].name)
		})
	}
	sb.WriteString(indent)
	sb.WriteByte('<')
	sb.WriteString(n.name)
	for _, a := range n.attrs {
		sb.WriteByte(' ')
		sb.WriteString(a.Name.Local)
		sb.WriteString("='")
		sb.WriteString(escapeLibvirt(a.Value))
		sb.WriteByte('\'')
	}
	text := n.text
	if len(n.children) > 0 {
		// Whitespace between child elements is layout, not content.
		text = strings.TrimSpace(text)
	}
	switch {
	case len(n.children) == 0 && text == "" && !alwaysOpen[parent+"/"+n.name]:
		sb.WriteString("/>\n")
	case len(n.children) == 0:
		if text == "" {
			sb.WriteString(">\n" + indent + "</" + n.name + ">\n")
			return
		}
		sb.WriteString(">" + escapeLibvirt(text) + "</" + n.name + ">\n")
	default:
		sb.WriteString(">\n")
		for _, c := range n.children {
			writeNode(sb, c, n.name, indent+"  ")
		}
		sb.WriteString(indent + "</" + n.name + ">\n")
	}
}

// escapeLibvirt escapes s as libvirt's virBufferEscapeString does.
func escapeLibvirt(s string) string {
	if !strings.ContainsAny(s, "<>&'\"") {
		return s
	}
	r := strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;", "'", "&apos;", "\"", "&quot;")
	return r.Replace(s)
}

// canonicalNetwork formats a network definition as libvirt does: the
// UUID it was given or generated, and the bridge's STP and delay
// defaults for the forward modes that make a bridge of their own.
func canonicalNetwork(doc string, u libvirt.UUID) (string, error) {
	x := &libvirtxml.Network{}
	if err := x.Unmarshal(doc); err != nil {
		return "", xmlErrorIn(libvirt.FromNetwork, err.Error())
	}
	x.UUID = u.String()
	// The metadata is kept apart and shown by the network's XML calls
	// (networkXML).
	x.Metadata = nil
	mode := ""
	if x.Forward != nil {
		mode = x.Forward.Mode
		if mode == "" {
			mode = "nat"
			x.Forward.Mode = mode
		}
	}
	switch mode {
	case "", "nat", "route", "open":
		if x.Bridge == nil {
			x.Bridge = &libvirtxml.NetworkBridge{}
		}
		if x.Bridge.STP == "" {
			x.Bridge.STP = "on"
		}
		if x.Bridge.Delay == "" {
			x.Bridge.Delay = "0"
		}
	}
	out, err := x.Marshal()
	if err != nil {
		return "", xmlErrorIn(libvirt.FromNetwork, err.Error())
	}
	return libvirtStyle(out)
}

// canonicalSecret formats a secret definition as libvirt does.
func canonicalSecret(doc string, u libvirt.UUID) (string, error) {
	x := &libvirtxml.Secret{}
	if err := x.Unmarshal(doc); err != nil {
		return "", xmlErrorIn(libvirt.FromSecret, err.Error())
	}
	x.UUID = u.String()
	out, err := x.Marshal()
	if err != nil {
		return "", xmlErrorIn(libvirt.FromSecret, err.Error())
	}
	return libvirtStyle(out)
}
