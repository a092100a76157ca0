package libvirttest

import (
	"bytes"
	"net"
	"strconv"
	"strings"

	"github.com/virtwire/libvirt"
)

// NetworkUpdate's DHCP sections: static hosts and address ranges of one
// <ip> element's <dhcp>.

// ipAddr is an <ip> element's address and prefix length.
func ipAddr(ip *xnode) (net.IP, int) {
	a, _ := ip.attr("address")
	addr := net.ParseIP(a)
	if p, ok := ip.attr("prefix"); ok {
		n, _ := strconv.Atoi(p)
		return addr, n
	}
	if m, ok := ip.attr("netmask"); ok {
		if mask := net.ParseIP(m).To4(); mask != nil {
			n, _ := net.IPMask(mask).Size()
			return addr, n
		}
	}
	if v4 := addr.To4(); v4 != nil {
		// libvirt's classful default.
		switch {
		case v4[0] < 128:
			return addr, 8
		case v4[0] < 192:
			return addr, 16
		}
		return addr, 24
	}
	return addr, 64
}

func isV6(ip net.IP) bool { return ip != nil && ip.To4() == nil }

// ipByIndex finds the <ip> element a DHCP edit applies to: the one at
// index u.idx or, for -1, the first with DHCP ranges or hosts, else the
// first IPv4 one, else the first IPv6 one.
func (u *netUpdate) ipByIndex(root *xnode) (*xnode, error) {
	ips := root.childrenNamed("ip")
	if u.idx >= 0 {
		if int(u.idx) < len(ips) {
			return ips[u.idx], nil
		}
		return nil, u.invalid("couldn't update dhcp host entry - no <ip> element found at index %d in network '%s'", u.idx, u.net)
	}
	for _, ip := range ips {
		if dhcp := ip.child("dhcp"); dhcp != nil && (dhcp.child("range") != nil || dhcp.child("host") != nil) {
			return ip, nil
		}
	}
	for _, v6 := range []bool{false, true} {
		for _, ip := range ips {
			if a, _ := ipAddr(ip); a != nil && isV6(a) == v6 {
				return ip, nil
			}
		}
	}
	return nil, u.invalid("couldn't update dhcp host entry - no <ip> element found in network '%s'", u.net)
}

// dhcpOf returns ip's <dhcp>, made (first among ip's children, after a
// <tftp>) when create is set and there is none.
func dhcpOf(ip *xnode, create bool) *xnode {
	if d := ip.child("dhcp"); d != nil || !create {
		return d
	}
	d := &xnode{name: "dhcp"}
	at := 0
	if ip.child("tftp") != nil {
		at = 1
	}
	ip.addChild(d, false, at)
	return d
}

// pruneDHCP drops a <dhcp> left empty.
func pruneDHCP(ip, dhcp *xnode) {
	if dhcp != nil && len(dhcp.children) == 0 {
		ip.removeChild(dhcp)
	}
}

// dhcpHost is a parsed <host> of a <dhcp>.
type dhcpHost struct {
	id, mac, name, ipText string
	ip                    net.IP
	hw                    net.HardwareAddr
	lease                 *xnode
}

func (h *dhcpHost) node() *xnode {
	n := newXNode("host", "id", h.id, "mac", h.mac, "name", h.name, "ip", h.ipText)
	if h.lease != nil {
		orderAttrs(h.lease, "expiry", "unit")
		n.children = []*xnode{h.lease}
	}
	return n
}

func parseDHCPHostNode(n *xnode) *dhcpHost {
	h := &dhcpHost{}
	h.id, _ = n.attr("id")
	h.mac, _ = n.attr("mac")
	h.name, _ = n.attr("name")
	h.ipText, _ = n.attr("ip")
	h.ip = net.ParseIP(h.ipText)
	h.hw, _ = net.ParseMAC(h.mac)
	h.lease = n.child("lease")
	return h
}

// parseDHCPHost checks a host entry as libvirt's parser does; partial
// (for deletion) needs only one of mac, name and ip.
func (u *netUpdate) parseDHCPHost(sn *xnode, v6, partial bool) (*dhcpHost, error) {
	h := parseDHCPHostNode(sn)
	if h.mac != "" {
		if v6 {
			return nil, netXMLError("Invalid to specify MAC address '%s' in network '%s' IPv6 static host definition", h.mac, u.net)
		}
		if len(h.hw) != 6 {
			return nil, netXMLError("Cannot parse MAC address '%s' in network '%s'", h.mac, u.net)
		}
		if h.hw[0]&1 != 0 {
			return nil, netXMLError("expected unicast mac address, found multicast '%s' in network '%s'", h.mac, u.net)
		}
	}
	if h.ipText != "" && h.ip == nil {
		return nil, netXMLError("Invalid IP address in static host definition for network '%s'", u.net)
	}
	if partial {
		if h.mac == "" && h.name == "" && h.ipText == "" {
			return nil, netXMLError("At least one of name, mac, or ip attribute must be specified for static host definition in network '%s'", u.net)
		}
		return h, nil
	}
	switch {
	case v6 && h.id == "" && h.name == "":
		return nil, netXMLError("Static host definition in IPv6 network '%s' must have id or name attribute", u.net)
	case !v6 && h.mac == "" && h.name == "":
		return nil, netXMLError("Static host definition in IPv4 network '%s' must have mac or name attribute", u.net)
	case h.ip == nil:
		return nil, netXMLError("Missing IP address in static host definition for network '%s'", u.net)
	}
	return h, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func orNull(s string) string {
	if s == "" {
		return "(null)"
	}
	return s
}

// dhcpHost edits the static hosts of a <dhcp>. Adding refuses an entry
// sharing the MAC, the name or the address of an existing one; modifying
// replaces the first such entry; deleting removes the first entry that
// every given attribute matches.
func (u *netUpdate) dhcpHost(root, sn *xnode) error {
	if err := u.checkElement(sn, "host"); err != nil {
		return err
	}
	ip, err := u.ipByIndex(root)
	if err != nil {
		return err
	}
	netAddr, _ := ipAddr(ip)
	partial := u.cmd == libvirt.NetworkUpdateCommandDelete
	h, err := u.parseDHCPHost(sn, isV6(netAddr), partial)
	if err != nil {
		return err
	}
	if !partial && isV6(netAddr) != isV6(h.ip) {
		return u.invalid("the address family of a host entry IP must match the address family of the dhcp element's parent")
	}
	dhcp := dhcpOf(ip, false)
	var hosts []*xnode
	if dhcp != nil {
		hosts = dhcp.childrenNamed("host")
	}
	sameAny := func(e *dhcpHost) bool {
		return (h.hw != nil && e.hw != nil && bytes.Equal(h.hw, e.hw)) ||
			(h.name != "" && h.name == e.name) ||
			(h.ip != nil && h.ip.Equal(e.ip))
	}
	switch {
	case u.cmd == libvirt.NetworkUpdateCommandModify:
		for _, o := range hosts {
			if sameAny(parseDHCPHostNode(o)) {
				dhcp.replaceChild(o, h.node())
				return nil
			}
		}
		return u.invalid(`couldn't locate an existing dhcp host entry with "mac='%s'" "name='%s'" "ip='%s'" in network '%s'`,
			orUnknown(h.mac), orNull(h.name), orUnknown(ipString(h.ip)), u.net)
	case u.adding():
		for _, o := range hosts {
			if sameAny(parseDHCPHostNode(o)) {
				return u.invalid(`there is an existing dhcp host entry in network '%s' that matches "<host mac='%s' name='%s' ip='%s'/>"`,
					u.net, orUnknown(h.mac), orNull(h.name), orUnknown(ipString(h.ip)))
			}
		}
		dhcpOf(ip, true).addChild(h.node(), u.first(), len(dhcpOf(ip, true).children))
		return nil
	case u.cmd == libvirt.NetworkUpdateCommandDelete:
		for _, o := range hosts {
			e := parseDHCPHostNode(o)
			if (h.hw == nil || e.hw == nil || bytes.Equal(h.hw, e.hw)) &&
				(h.name == "" || h.name == e.name) &&
				(h.ip == nil || h.ip.Equal(e.ip)) {
				dhcp.removeChild(o)
				pruneDHCP(ip, dhcp)
				return nil
			}
		}
		return u.invalid("couldn't locate a matching dhcp host entry in network '%s'", u.net)
	}
	return u.unknownCommand()
}

func ipString(ip net.IP) string {
	if ip == nil {
		return ""
	}
	return ip.String()
}

// parseAddr reads an address as libvirt's virSocketAddrParse does.
func parseAddr(s string) (net.IP, error) {
	ip := net.ParseIP(strings.TrimSpace(s))
	if ip == nil {
		return nil, lvErrorf(libvirt.ErrSystemError, libvirt.FromNone, "", "Cannot parse socket address '%s': Name or service not known", s)
	}
	return ip, nil
}

// dhcpRange edits the address ranges of a <dhcp>; ranges can only be
// added (not twice) or deleted.
func (u *netUpdate) dhcpRange(root, sn *xnode) error {
	if err := u.checkElement(sn, "range"); err != nil {
		return err
	}
	if u.cmd == libvirt.NetworkUpdateCommandModify {
		return u.noModify("dhcp ranges")
	}
	ip, err := u.ipByIndex(root)
	if err != nil {
		return err
	}
	start, end, err := u.parseRange(ip, sn)
	if err != nil {
		return err
	}
	dhcp := dhcpOf(ip, false)
	var match *xnode
	if dhcp != nil {
		for _, o := range dhcp.childrenNamed("range") {
			s, _ := o.attr("start")
			e, _ := o.attr("end")
			if start.Equal(net.ParseIP(s)) && end.Equal(net.ParseIP(e)) {
				match = o
				break
			}
		}
	}
	switch {
	case u.adding():
		if match != nil {
			return u.invalid(`there is an existing dhcp range entry in network '%s' that matches "<range start='%s' end='%s'/>"`, u.net, start, end)
		}
		n := newXNode("range", "start", start.String(), "end", end.String())
		if l := sn.child("lease"); l != nil {
			orderAttrs(l, "expiry", "unit")
			n.children = []*xnode{l}
		}
		d := dhcpOf(ip, true)
		d.addChild(n, u.first(), 0)
		return nil
	case u.cmd == libvirt.NetworkUpdateCommandDelete:
		if match == nil {
			return u.invalid("couldn't locate a matching dhcp range entry in network '%s'", u.net)
		}
		dhcp.removeChild(match)
		pruneDHCP(ip, dhcp)
		return nil
	}
	return u.unknownCommand()
}

// parseRange reads a <range> and checks it against its network as
// libvirt does: one address family, inside the network, not reversed.
func (u *netUpdate) parseRange(ip, sn *xnode) (net.IP, net.IP, error) {
	s, ok := sn.attr("start")
	if !ok {
		return nil, nil, netXMLError("Missing 'start' attribute in dhcp range for network '%s'", u.net)
	}
	start, err := parseAddr(s)
	if err != nil {
		return nil, nil, err
	}
	e, ok := sn.attr("end")
	if !ok {
		return nil, nil, netXMLError("Missing 'end' attribute in dhcp range for network '%s'", u.net)
	}
	end, err := parseAddr(e)
	if err != nil {
		return nil, nil, err
	}
	netAddr, prefix := ipAddr(ip)
	internal := func(format string, a ...any) error {
		return lvErrorf(libvirt.ErrInternalError, libvirt.FromNone, prefixInternal, format, a...)
	}
	if isV6(start) != isV6(end) || isV6(start) != isV6(netAddr) {
		return nil, nil, internal("mismatch of address family in range %s - %s for network %s", start, end, netAddr)
	}
	bits := 32
	if isV6(netAddr) {
		bits = 128
	}
	ipnet := &net.IPNet{IP: netAddr.Mask(net.CIDRMask(prefix, bits)), Mask: net.CIDRMask(prefix, bits)}
	if !ipnet.Contains(start) || !ipnet.Contains(end) {
		return nil, nil, internal("range %s - %s is not entirely within network %s/%d", start, end, netAddr, prefix)
	}
	if bytes.Compare(start.To16(), end.To16()) > 0 {
		return nil, nil, internal("range %s - %s is reversed ", start, end)
	}
	return start, end, nil
}
