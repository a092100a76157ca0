package libvirttest

import (
	"context"
	"encoding/xml"
	"fmt"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// NetworkUpdate edits one section of a network's definition (a DHCP
// host or range, a DNS host, TXT or SRV record, a forward interface or
// a port group) as libvirt's test driver does: the running definition
// (LIVE), the persistent one (CONFIG) or both; CURRENT means LIVE for a
// running network and CONFIG otherwise. It sends no event.
//
// A CONFIG edit of a running network goes to a persistent definition
// libvirt then keeps apart from the running one. The test driver never
// makes that copy the running definition (destroy and start leave it
// aside, and GetXMLDesc shows only the running one), so such edits are
// not visible in the XML; later CONFIG edits start from that copy, also
// once the network is stopped.
func (d *driver) NetworkUpdate(ctx context.Context, args *protocol.NetworkUpdateArgs) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, err := d.networkByUUID(args.Net)
	if err != nil {
		return err
	}
	return d.updateNetwork(n, args)
}

// networkByUUID is libvirt's lookup by UUID alone (testNetworkUpdate's):
// its error names no network name.
func (d *driver) networkByUUID(ref libvirt.Network) (*network, error) {
	for _, n := range d.networks {
		if n.uuid == ref.UUID {
			return n, nil
		}
	}
	return nil, lvErrorf(libvirt.ErrNoNetwork, libvirt.FromTest, "Network not found: ", "no network with matching uuid '%s'", ref.UUID)
}

// updateNetwork applies a NetworkUpdate to n; d.mu is held.
func (d *driver) updateNetwork(n *network, args *protocol.NetworkUpdateArgs) error {
	flags := args.Flags
	const live, config = libvirt.NetworkUpdateAffectLive, libvirt.NetworkUpdateAffectConfig
	if flags&(live|config) == 0 {
		if n.active {
			flags |= live
		} else {
			flags |= config
		}
	}
	if err := networkImpact(n, flags); err != nil {
		return err
	}
	if flags&config != 0 && n.active {
		n.splitConfig()
	}
	snippet, err := parseXNode(args.XML)
	if err != nil {
		return xmlSyntaxError("network_update_xml", err)
	}
	u := &netUpdate{net: n.name, cmd: args.Command, idx: args.ParentIndex, snippet: snippet}
	var liveXML, cfgXML string
	if flags&live != 0 {
		if liveXML, err = u.apply(n.xml, args.Section); err != nil {
			return err
		}
	}
	if flags&config != 0 {
		base := n.xml
		if n.configXML != "" {
			base = n.configXML
		}
		if cfgXML, err = u.apply(base, args.Section); err != nil {
			return err
		}
		// libvirt edits a copy of the persistent definition and stores
		// it as the persistent definition of a running network, but as
		// the (only shown) definition of a stopped one, leaving a
		// persistent definition made while it ran as it was.
		if n.active {
			n.configXML = cfgXML
		} else {
			n.xml = cfgXML
		}
	}
	if flags&live != 0 {
		n.xml = liveXML
	}
	if m, err := parseNetwork(n.xml); err == nil {
		n.ip, n.prefix, n.dhcpStart = m.ip, m.prefix, m.dhcpStart
	}
	return nil
}

// netUpdate is one NetworkUpdate call's request.
type netUpdate struct {
	net     string // the network's name, for messages
	cmd     libvirt.NetworkUpdateCommand
	idx     int32 // the <ip> element's index, -1 for "the one with DHCP"
	snippet *xnode
}

// apply edits a copy of the definition doc and returns it formatted.
func (u *netUpdate) apply(doc string, section libvirt.NetworkUpdateSection) (string, error) {
	root, err := parseXNode(doc)
	if err != nil {
		return "", lvError(libvirt.ErrInternalError, libvirt.FromNetwork, prefixInternal, err.Error())
	}
	sn := u.snippet.clone()
	switch section {
	case libvirt.NetworkSectionBridge:
		err = u.noSupport("bridge")
	case libvirt.NetworkSectionDomain:
		err = u.noSupport("domain")
	case libvirt.NetworkSectionIP:
		err = u.noSupport("ip")
	case libvirt.NetworkSectionForward:
		err = u.noSupport("forward")
	case libvirt.NetworkSectionForwardPf:
		err = u.noSupport("forward pf")
	case libvirt.NetworkSectionIPDHCPHost:
		err = u.dhcpHost(root, sn)
	case libvirt.NetworkSectionIPDHCPRange:
		err = u.dhcpRange(root, sn)
	case libvirt.NetworkSectionForwardInterface:
		err = u.forwardInterface(root, sn)
	case libvirt.NetworkSectionPortgroup:
		err = u.portgroup(root, sn)
	case libvirt.NetworkSectionDNSHost:
		err = u.dnsHost(root, sn)
	case libvirt.NetworkSectionDNSTxt:
		err = u.dnsTXT(root, sn)
	case libvirt.NetworkSectionDNSSrv:
		err = u.dnsSRV(root, sn)
	default:
		err = lvError(libvirt.ErrOperationUnsupported, libvirt.FromNetwork, prefixUnsupported,
			"can't update unrecognized section of network")
	}
	if err != nil {
		return "", err
	}
	return formatXNode(root), nil
}

func (u *netUpdate) noSupport(section string) error {
	return lvErrorf(libvirt.ErrOperationUnsupported, libvirt.FromNetwork, prefixUnsupported,
		"can't update '%s' section of network '%s'", section, u.net)
}

func (u *netUpdate) unknownCommand() error {
	return lvErrorf(libvirt.ErrOperationUnsupported, libvirt.FromNetwork, prefixUnsupported,
		"unrecognized network update command code %d", u.cmd)
}

// noModify is the error for sections whose entries can only be added
// or deleted.
func (u *netUpdate) noModify(what string) error {
	return lvErrorf(libvirt.ErrOperationUnsupported, libvirt.FromNetwork, prefixUnsupported,
		"%s cannot be modified, only added or deleted", what)
}

func (u *netUpdate) invalid(format string, a ...any) error {
	return lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromNetwork, prefixInvalid, format, a...)
}

// xmlDetail is libvirt's VIR_ERR_XML_DETAIL for the network parser: no
// prefix.
func xmlDetail(format string, a ...any) error {
	return lvErrorf(libvirt.ErrXMLDetail, libvirt.FromNetwork, "", format, a...)
}

func netXMLError(format string, a ...any) error {
	return xmlErrorIn(libvirt.FromNetwork, fmt.Sprintf(format, a...))
}

// checkElement refuses a snippet whose element is not the section's.
func (u *netUpdate) checkElement(sn *xnode, want string) error {
	if sn.name != want {
		return netXMLError("unexpected element <%s>, expecting <%s>, while updating network '%s'", sn.name, want, u.net)
	}
	return nil
}

func (u *netUpdate) adding() bool {
	return u.cmd == libvirt.NetworkUpdateCommandAddFirst || u.cmd == libvirt.NetworkUpdateCommandAddLast
}

func (u *netUpdate) first() bool { return u.cmd == libvirt.NetworkUpdateCommandAddFirst }

// orderAttrs puts an element's attributes in libvirt's order; others
// follow in their order.
func orderAttrs(n *xnode, order ...string) {
	out := n.attrs[:0:0]
	for _, name := range order {
		if v, ok := n.attr(name); ok {
			out = append(out, xml.Attr{Name: xml.Name{Local: name}, Value: v})
		}
	}
	for _, a := range n.attrs {
		if rank(order, a.Name.Local) == len(order) {
			out = append(out, a)
		}
	}
	n.attrs = out
}
