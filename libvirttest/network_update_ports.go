package libvirttest

import "github.com/virtwire/libvirt"

// NetworkUpdate's sections for where guests connect: port groups and
// the forward element's interfaces.

// portgroup edits port groups, keyed by name; at most one may be the
// default. Modifying replaces the whole group.
func (u *netUpdate) portgroup(root, sn *xnode) error {
	if err := u.checkElement(sn, "portgroup"); err != nil {
		return err
	}
	name, ok := sn.attr("name")
	if !ok {
		return netXMLError("Missing required name attribute in portgroup")
	}
	orderAttrs(sn, "name", "default", "trustGuestRxFilters")
	var match, def *xnode
	for _, o := range root.childrenNamed("portgroup") {
		if n, _ := o.attr("name"); n == name && match == nil {
			match = o
		}
		if d, _ := o.attr("default"); d == "yes" && def == nil {
			def = o
		}
	}
	notFound := func() error {
		return u.invalid("couldn't find a portgroup entry in network '%s' matching <portgroup name='%s'>", u.net, name)
	}
	isDefault := func() bool { d, _ := sn.attr("default"); return d == "yes" }
	otherDefault := func() error {
		return u.invalid("a different portgroup entry in network '%s' is already set as the default. Only one default is allowed.", u.net)
	}
	switch {
	case u.cmd == libvirt.NetworkUpdateCommandModify:
		if match == nil {
			return notFound()
		}
		if isDefault() && def != nil && def != match {
			return otherDefault()
		}
		root.replaceChild(match, sn)
		return nil
	case u.adding():
		if match != nil {
			return u.invalid(`there is an existing portgroup entry in network '%s' that matches "<portgroup name='%s'>"`, u.net, name)
		}
		if isDefault() && def != nil {
			return otherDefault()
		}
		root.addChild(sn, u.first(), len(root.children))
		return nil
	case u.cmd == libvirt.NetworkUpdateCommandDelete:
		if match == nil {
			return notFound()
		}
		root.removeChild(match)
		return nil
	}
	return u.unknownCommand()
}

// forwardInterface edits the <forward> element's interfaces, which can
// only be added or deleted. The forward element names its first
// interface in dev; NAT and routed networks take one interface only.
func (u *netUpdate) forwardInterface(root, sn *xnode) error {
	if err := u.checkElement(sn, "interface"); err != nil {
		return err
	}
	if u.cmd == libvirt.NetworkUpdateCommandModify {
		return u.noModify("forward interface entries")
	}
	dev, ok := sn.attr("dev")
	if !ok {
		return netXMLError("missing dev attribute in <interface> element")
	}
	fwd := root.child("forward")
	if fwd == nil {
		// libvirt keeps interfaces of a network without forwarding in a
		// definition that never shows them; the fake has nowhere to keep
		// them and accepts the edit without effect (see the package doc).
		if u.adding() || u.cmd == libvirt.NetworkUpdateCommandDelete {
			if u.cmd == libvirt.NetworkUpdateCommandDelete {
				return u.invalid("couldn't find an interface entry in network '%s' matching <interface dev='%s'>", u.net, dev)
			}
			return nil
		}
		return u.unknownCommand()
	}
	var match *xnode
	for _, o := range fwd.childrenNamed("interface") {
		if d, _ := o.attr("dev"); d == dev {
			match = o
			break
		}
	}
	switch {
	case u.adding():
		if match != nil {
			return u.invalid(`there is an existing interface entry in network '%s' that matches "<interface dev='%s'>"`, u.net, dev)
		}
		fwd.addChild(newXNode("interface", "dev", dev), u.first(), len(fwd.children))
		mode, _ := fwd.attr("mode")
		if (mode == "nat" || mode == "route") && len(fwd.childrenNamed("interface")) > 1 {
			return netXMLError("multiple forwarding interfaces specified for network '%s', only one is supported", u.net)
		}
	case u.cmd == libvirt.NetworkUpdateCommandDelete:
		if match == nil {
			return u.invalid("couldn't find an interface entry in network '%s' matching <interface dev='%s'>", u.net, dev)
		}
		fwd.removeChild(match)
	default:
		return u.unknownCommand()
	}
	fwd.delAttr("dev")
	if ifs := fwd.childrenNamed("interface"); len(ifs) > 0 && fwd.child("pf") == nil {
		first, _ := ifs[0].attr("dev")
		fwd.setAttr("dev", first)
	}
	orderAttrs(fwd, "dev", "mode", "managed")
	return nil
}
