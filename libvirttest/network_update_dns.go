package libvirttest

import (
	"net"
	"strconv"
	"strings"

	"github.com/virtwire/libvirt"
)

// NetworkUpdate's DNS sections: host, TXT and SRV records of <dns>.

// dnsOf returns the network's <dns>, made (after the elements libvirt
// formats before it) when create is set and there is none.
func dnsOf(root *xnode, create bool) *xnode {
	if d := root.child("dns"); d != nil || !create {
		return d
	}
	d := &xnode{name: "dns"}
	at := 0
	for i, c := range root.children {
		switch c.name {
		case "name", "uuid", "title", "description", "metadata", "forward", "bridge", "mtu", "mac", "domain":
			at = i + 1
		}
	}
	root.addChild(d, false, at)
	return d
}

// pruneDNS drops a <dns> left with nothing to say.
func pruneDNS(root, dns *xnode) {
	if dns != nil && len(dns.children) == 0 && len(dns.attrs) == 0 {
		root.removeChild(dns)
	}
}

// dnsHost is a parsed DNS <host>.
type dnsHost struct {
	ip    net.IP
	names []string
}

func parseDNSHostNode(n *xnode) dnsHost {
	a, _ := n.attr("ip")
	h := dnsHost{ip: net.ParseIP(a)}
	for _, c := range n.childrenNamed("hostname") {
		h.names = append(h.names, strings.TrimSpace(c.text))
	}
	return h
}

func (h dnsHost) node() *xnode {
	n := newXNode("host", "ip", h.ip.String())
	for _, name := range h.names {
		n.children = append(n.children, &xnode{name: "hostname", text: name})
	}
	return n
}

// dnsHost edits DNS host records. Adding refuses a record for an address
// that has one; modifying (libvirt 11.3; 9.0 refused it) replaces the
// record for the address; deleting needs exactly one record sharing the
// address or a host name.
func (u *netUpdate) dnsHost(root, sn *xnode) error {
	if err := u.checkElement(sn, "host"); err != nil {
		return err
	}
	partial := !u.adding()
	ipText, hasIP := sn.attr("ip")
	h := parseDNSHostNode(sn)
	if hasIP && h.ip == nil {
		return xmlDetail("Invalid IP address in network '%s' DNS HOST record", u.net)
	}
	for _, name := range h.names {
		if name == "" {
			return xmlDetail("Missing hostname in network '%s' DNS HOST record", u.net)
		}
	}
	if len(h.names) == 0 && !(partial && h.ip != nil) {
		return xmlDetail("Missing hostname in network '%s' DNS HOST record", u.net)
	}
	if !partial && ipText == "" {
		return xmlDetail("Missing IP address in network '%s' DNS HOST record", u.net)
	}
	dns := dnsOf(root, false)
	var hosts []*xnode
	if dns != nil {
		hosts = dns.childrenNamed("host")
	}
	var found []*xnode
	for _, o := range hosts {
		e := parseDNSHostNode(o)
		match := h.ip != nil && h.ip.Equal(e.ip)
		if u.cmd == libvirt.NetworkUpdateCommandDelete {
			for _, a := range h.names {
				for _, b := range e.names {
					match = match || a == b
				}
			}
		}
		if match {
			found = append(found, o)
		}
	}
	switch {
	case u.adding():
		if len(found) > 0 {
			return u.invalid("there is already at least one DNS HOST record with a matching field in network %s", u.net)
		}
		d := dnsOf(root, true)
		d.addChild(h.node(), u.first(), len(d.children))
		return nil
	case u.cmd == libvirt.NetworkUpdateCommandModify || u.cmd == libvirt.NetworkUpdateCommandDelete:
		if len(found) == 0 {
			return u.invalid("couldn't locate a matching DNS HOST record in network %s", u.net)
		}
		if len(found) > 1 {
			return u.invalid("multiple matching DNS HOST records were found in network %s", u.net)
		}
		if u.cmd == libvirt.NetworkUpdateCommandModify {
			dns.replaceChild(found[0], h.node())
			return nil
		}
		dns.removeChild(found[0])
		pruneDNS(root, dns)
		return nil
	}
	return u.unknownCommand()
}

// dnsTXT edits DNS TXT records, keyed by name. Modifying replaces the
// value (libvirt 10.x and later; 9.0 refused it).
func (u *netUpdate) dnsTXT(root, sn *xnode) error {
	if err := u.checkElement(sn, "txt"); err != nil {
		return err
	}
	name, ok := sn.attr("name")
	if !ok {
		return xmlDetail("missing required name attribute in DNS TXT record of network %s", u.net)
	}
	if strings.ContainsAny(name, " ") {
		return xmlDetail("prohibited character in DNS TXT record name '%s' of network %s", name, u.net)
	}
	value, hasValue := sn.attr("value")
	if !hasValue && u.cmd != libvirt.NetworkUpdateCommandDelete {
		return xmlDetail("missing required value attribute in DNS TXT record named '%s' of network %s", name, u.net)
	}
	dns := dnsOf(root, false)
	var match *xnode
	if dns != nil {
		for _, o := range dns.childrenNamed("txt") {
			if n, _ := o.attr("name"); n == name {
				match = o
				break
			}
		}
	}
	rec := &xnode{name: "txt"}
	rec.setAttr("name", name)
	rec.setAttr("value", value)
	switch {
	case u.adding():
		if match != nil {
			return u.invalid("there is already a DNS TXT record with name '%s' in network %s", name, u.net)
		}
		d := dnsOf(root, true)
		d.addChild(rec, u.first(), 0)
		return nil
	case u.cmd == libvirt.NetworkUpdateCommandModify || u.cmd == libvirt.NetworkUpdateCommandDelete:
		if match == nil {
			return u.invalid("couldn't locate a matching DNS TXT record in network %s", u.net)
		}
		if u.cmd == libvirt.NetworkUpdateCommandModify {
			dns.replaceChild(match, rec)
			return nil
		}
		dns.removeChild(match)
		pruneDNS(root, dns)
		return nil
	}
	return u.unknownCommand()
}

const (
	srvServiceChars  = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+/*"
	srvProtocolChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-+/"
)

func onlyChars(s, set string) bool {
	for _, r := range s {
		if !strings.ContainsRune(set, r) {
			return false
		}
	}
	return true
}

// parseSRV checks a DNS SRV record as libvirt's parser does; partial
// (for deletion) needs neither service nor protocol.
func (u *netUpdate) parseSRV(sn *xnode, partial bool) (*xnode, error) {
	service, hasService := sn.attr("service")
	if !hasService && !partial {
		return nil, xmlDetail("missing required service attribute in DNS SRV record of network '%s'", u.net)
	}
	if hasService && !onlyChars(service, srvServiceChars) {
		return nil, xmlDetail("invalid character in service attribute '%s' in DNS SRV record of network '%s'", service, u.net)
	}
	protocol, hasProtocol := sn.attr("protocol")
	if !hasProtocol && !partial {
		return nil, xmlDetail("missing required protocol attribute in DNS SRV record '%s' of network '%s'", service, u.net)
	}
	if hasProtocol && !onlyChars(protocol, srvProtocolChars) {
		return nil, xmlDetail("invalid character in protocol attribute '%s' in DNS SRV record of network '%s'", protocol, u.net)
	}
	domain, _ := sn.attr("domain")
	target, hasTarget := sn.attr("target")
	rec := newXNode("srv", "service", service, "protocol", protocol, "domain", domain, "target", target)
	for _, f := range []struct {
		attr, cap string
		min       uint64
	}{{"port", "port", 1}, {"priority", "priority", 0}, {"weight", "weight", 0}} {
		v, ok := sn.attr(f.attr)
		if !ok {
			continue
		}
		if !hasTarget {
			return nil, xmlDetail("DNS SRV %s attribute not permitted without target for service '%s' in network '%s'", f.attr, service, u.net)
		}
		n, err := strconv.ParseUint(v, 10, 16)
		if err != nil || n < f.min {
			return nil, xmlDetail("invalid DNS SRV %s attribute for service '%s' in network '%s'", f.cap, service, u.net)
		}
		rec.setAttr(f.attr, strconv.FormatUint(n, 10))
	}
	return rec, nil
}

// dnsSRV edits DNS SRV records; they can only be added or deleted, and
// a record matches when its service, protocol, domain and target equal
// those given.
func (u *netUpdate) dnsSRV(root, sn *xnode) error {
	if err := u.checkElement(sn, "srv"); err != nil {
		return err
	}
	if u.cmd == libvirt.NetworkUpdateCommandModify {
		return u.noModify("DNS SRV records")
	}
	rec, err := u.parseSRV(sn, u.cmd == libvirt.NetworkUpdateCommandDelete)
	if err != nil {
		return err
	}
	dns := dnsOf(root, false)
	var found []*xnode
	if dns != nil {
		for _, o := range dns.childrenNamed("srv") {
			match := true
			for _, a := range []string{"domain", "service", "protocol", "target"} {
				if want, ok := rec.attr(a); ok {
					got, _ := o.attr(a)
					match = match && got == want
				}
			}
			if match {
				found = append(found, o)
			}
		}
	}
	switch {
	case u.adding():
		if len(found) > 0 {
			return u.invalid("there is already at least one DNS SRV record matching all specified fields in network %s", u.net)
		}
		d := dnsOf(root, true)
		d.addChild(rec, u.first(), 0)
		return nil
	case u.cmd == libvirt.NetworkUpdateCommandDelete:
		if len(found) == 0 {
			return u.invalid("couldn't locate a matching DNS SRV record in network %s", u.net)
		}
		if len(found) > 1 {
			return u.invalid("multiple DNS SRV records matching all specified fields were found in network %s", u.net)
		}
		dns.removeChild(found[0])
		pruneDNS(root, dns)
		return nil
	}
	return u.unknownCommand()
}
