package libvirttest

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// The host's network interfaces: test:///default starts with one (eth1,
// up). Like the test driver, the fake defines, undefines, starts and
// stops them, and runs change transactions (ChangeBegin saves the list,
// ChangeRollback restores it, ChangeCommit drops the copy). Interface XML
// is kept as given.

// hostIface is a host network interface.
type hostIface struct {
	name, mac string
	active    bool
	xml       string
}

var defaultIfaces = []hostIface{{
	name: "eth1", mac: "aa:bb:cc:dd:ee:ff", active: true,
	xml: `<interface type='ethernet' name='eth1'>
  <start mode='onboot'/>
  <mtu size='1492'/>
  <protocol family='ipv4'>
    <ip address='192.168.0.5' prefix='24'/>
    <route gateway='192.168.0.1'/>
  </protocol>
  <mac address='aa:bb:cc:dd:ee:ff'/>
</interface>
`,
}}

func (i *hostIface) ref() libvirt.Interface { return libvirt.Interface{Name: i.name, MAC: i.mac} }

func noIface(detail string) error {
	return lvError(libvirt.ErrNoInterface, libvirt.FromTest, "Interface not found: ", detail)
}

// ifaceState is the driver's interfaces and its change transaction.
type ifaceState struct {
	list   []*hostIface
	backup []*hostIface // the list at ChangeBegin; nil without a transaction
	txn    bool
}

// cloneIfaces copies the interfaces as libvirt's list clone does: from
// their definitions, so every copy is inactive (after a rollback even
// interfaces that were up are down, as with the test driver).
func cloneIfaces(list []*hostIface) []*hostIface {
	out := make([]*hostIface, 0, len(list))
	for _, i := range list {
		c := *i
		c.active = false
		out = append(out, &c)
	}
	return out
}

// ifaces returns the driver's interfaces, starting from the defaults;
// d.mu is held.
func (d *driver) ifaces() *ifaceState {
	if d.ifaceSt == nil {
		d.ifaceSt = &ifaceState{}
		for i := range defaultIfaces {
			c := defaultIfaces[i]
			d.ifaceSt.list = append(d.ifaceSt.list, &c)
		}
	}
	return d.ifaceSt
}

// ifaceByName finds an interface; d.mu is held.
func (d *driver) ifaceByName(name string) (*hostIface, error) {
	for _, i := range d.ifaces().list {
		if i.name == name {
			return i, nil
		}
	}
	return nil, noIface(fmt.Sprintf("no interface with matching name '%s'", name))
}

// withIface runs f on the interface named name, under the driver's lock.
func (d *driver) withIface(name string, f func(i *hostIface) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	i, err := d.ifaceByName(name)
	if err != nil {
		return err
	}
	return f(i)
}

// ConnectListAllInterfaces lists the host's interfaces.
func (d *driver) ConnectListAllInterfaces(ctx context.Context, args *protocol.ConnectListAllInterfacesArgs) (*protocol.ConnectListAllInterfacesRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ret := &protocol.ConnectListAllInterfacesRet{}
	for _, i := range d.ifaces().list {
		if !listFilter(uint32(args.Flags), uint32(libvirt.ConnectListInterfacesActive), uint32(libvirt.ConnectListInterfacesInactive), i.active) {
			continue
		}
		ret.Ret++
		if args.NeedResults != 0 {
			ret.Ifaces = append(ret.Ifaces, i.ref())
		}
	}
	return ret, nil
}

func (d *driver) ifaceNames(active bool, max int32) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := []string{}
	for _, i := range d.ifaces().list {
		if i.active == active && int32(len(out)) < max {
			out = append(out, i.name)
		}
	}
	return out
}

// ConnectNumOfInterfaces counts active interfaces.
func (d *driver) ConnectNumOfInterfaces(ctx context.Context) (*protocol.ConnectNumOfInterfacesRet, error) {
	return &protocol.ConnectNumOfInterfacesRet{Num: int32(len(d.ifaceNames(true, 1<<30)))}, nil
}

// ConnectNumOfDefinedInterfaces counts inactive interfaces.
func (d *driver) ConnectNumOfDefinedInterfaces(ctx context.Context) (*protocol.ConnectNumOfDefinedInterfacesRet, error) {
	return &protocol.ConnectNumOfDefinedInterfacesRet{Num: int32(len(d.ifaceNames(false, 1<<30)))}, nil
}

// ConnectListInterfaces names active interfaces.
func (d *driver) ConnectListInterfaces(ctx context.Context, args *protocol.ConnectListInterfacesArgs) (*protocol.ConnectListInterfacesRet, error) {
	return &protocol.ConnectListInterfacesRet{Names: d.ifaceNames(true, args.Maxnames)}, nil
}

// ConnectListDefinedInterfaces names inactive interfaces.
func (d *driver) ConnectListDefinedInterfaces(ctx context.Context, args *protocol.ConnectListDefinedInterfacesArgs) (*protocol.ConnectListDefinedInterfacesRet, error) {
	return &protocol.ConnectListDefinedInterfacesRet{Names: d.ifaceNames(false, args.Maxnames)}, nil
}

// InterfaceLookupByName finds a host interface by name.
func (d *driver) InterfaceLookupByName(ctx context.Context, args *protocol.InterfaceLookupByNameArgs) (*protocol.InterfaceLookupByNameRet, error) {
	var ret *protocol.InterfaceLookupByNameRet
	err := d.withIface(args.Name, func(i *hostIface) error {
		ret = &protocol.InterfaceLookupByNameRet{Iface: i.ref()}
		return nil
	})
	return ret, err
}

// InterfaceLookupByMACString finds the one host interface with a MAC
// address.
func (d *driver) InterfaceLookupByMACString(ctx context.Context, args *protocol.InterfaceLookupByMACStringArgs) (*protocol.InterfaceLookupByMACStringRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var found []*hostIface
	for _, i := range d.ifaces().list {
		if strings.EqualFold(i.mac, args.MAC) {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return nil, noIface(fmt.Sprintf("no interface with matching mac '%s'", args.MAC))
	case 1:
		return &protocol.InterfaceLookupByMACStringRet{Iface: found[0].ref()}, nil
	}
	return nil, lvError(libvirt.ErrMultipleInterfaces, libvirt.FromTest, "multiple matching interfaces found", "")
}

// InterfaceIsActive tells whether a host interface is up.
func (d *driver) InterfaceIsActive(ctx context.Context, args *protocol.InterfaceIsActiveArgs) (*protocol.InterfaceIsActiveRet, error) {
	ret := &protocol.InterfaceIsActiveRet{}
	err := d.withIface(args.Iface.Name, func(i *hostIface) error {
		ret.Active = b2i(i.active)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ret, nil
}

// InterfaceGetXMLDesc returns a host interface's definition.
func (d *driver) InterfaceGetXMLDesc(ctx context.Context, args *protocol.InterfaceGetXMLDescArgs) (*protocol.InterfaceGetXMLDescRet, error) {
	var ret *protocol.InterfaceGetXMLDescRet
	err := d.withIface(args.Iface.Name, func(i *hostIface) error {
		ret = &protocol.InterfaceGetXMLDescRet{XML: i.xml}
		return nil
	})
	return ret, err
}

// ifaceDoc is the part of an interface's XML the driver reads.
type ifaceDoc struct {
	XMLName xml.Name
	Type    *string `xml:"type,attr"`
	Name    string  `xml:"name,attr"`
	MAC     struct {
		Address string `xml:"address,attr"`
	} `xml:"mac"`
}

// parseIface reads an interface definition, checking what libvirt's
// parser checks first: the root element, the type and the name.
func parseIface(doc string) (*hostIface, error) {
	var v ifaceDoc
	if err := xml.Unmarshal([]byte(doc), &v); err != nil {
		return nil, lvErrorf(libvirt.ErrXMLDetail, libvirt.FromInterface, "", "(interface_definition): %v", err)
	}
	if v.XMLName.Local != "interface" {
		return nil, lvErrorf(libvirt.ErrXMLError, libvirt.FromXML, prefixXML, "expecting root element of 'interface', not '%s'", v.XMLName.Local)
	}
	if v.Type == nil {
		return nil, lvError(libvirt.ErrXMLError, libvirt.FromXML, prefixXML, "Missing required attribute 'type' in element 'interface'")
	}
	switch *v.Type {
	case "ethernet", "bridge", "bond", "vlan":
	default:
		return nil, lvErrorf(libvirt.ErrXMLError, libvirt.FromInterface, prefixXML, "unknown interface type %s", *v.Type)
	}
	if strings.TrimSpace(v.Name) == "" {
		return nil, lvError(libvirt.ErrXMLError, libvirt.FromInterface, prefixXML, "interface has no name")
	}
	return &hostIface{name: v.Name, mac: v.MAC.Address, xml: doc}, nil
}

// InterfaceDefineXML defines an interface, or replaces the definition of
// the one of that name (which keeps its state).
func (d *driver) InterfaceDefineXML(ctx context.Context, args *protocol.InterfaceDefineXMLArgs) (*protocol.InterfaceDefineXMLRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i, err := parseIface(args.XML)
	if err != nil {
		return nil, err
	}
	st := d.ifaces()
	if old, err := d.ifaceByName(i.name); err == nil {
		old.mac, old.xml = i.mac, i.xml
		return &protocol.InterfaceDefineXMLRet{Iface: old.ref()}, nil
	}
	st.list = append(st.list, i)
	return &protocol.InterfaceDefineXMLRet{Iface: i.ref()}, nil
}

// InterfaceUndefine removes an interface, whatever its state.
func (d *driver) InterfaceUndefine(ctx context.Context, args *protocol.InterfaceUndefineArgs) error {
	return d.withIface(args.Iface.Name, func(i *hostIface) error {
		st := d.ifaces()
		for j, o := range st.list {
			if o == i {
				st.list = append(st.list[:j], st.list[j+1:]...)
				break
			}
		}
		return nil
	})
}

// ifaceStateError is the test driver's bare "operation invalid" for
// starting an active or stopping an inactive interface.
func ifaceStateError() error {
	return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, "", "Requested operation is not valid")
}

// InterfaceCreate brings an interface up.
func (d *driver) InterfaceCreate(ctx context.Context, args *protocol.InterfaceCreateArgs) error {
	return d.withIface(args.Iface.Name, func(i *hostIface) error {
		if i.active {
			return ifaceStateError()
		}
		i.active = true
		return nil
	})
}

// InterfaceDestroy brings an interface down.
func (d *driver) InterfaceDestroy(ctx context.Context, args *protocol.InterfaceDestroyArgs) error {
	return d.withIface(args.Iface.Name, func(i *hostIface) error {
		if !i.active {
			return ifaceStateError()
		}
		i.active = false
		return nil
	})
}

// InterfaceChangeBegin saves the interfaces for a later rollback.
func (d *driver) InterfaceChangeBegin(ctx context.Context, args *protocol.InterfaceChangeBeginArgs) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.ifaces()
	if st.txn {
		return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "there is another transaction running.")
	}
	st.txn, st.backup = true, cloneIfaces(st.list)
	return nil
}

// InterfaceChangeCommit keeps the changes made since ChangeBegin.
func (d *driver) InterfaceChangeCommit(ctx context.Context, args *protocol.InterfaceChangeCommitArgs) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.ifaces()
	if !st.txn {
		return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "no transaction running, nothing to be committed.")
	}
	st.txn, st.backup = false, nil
	return nil
}

// InterfaceChangeRollback restores the interfaces saved by ChangeBegin.
func (d *driver) InterfaceChangeRollback(ctx context.Context, args *protocol.InterfaceChangeRollbackArgs) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.ifaces()
	if !st.txn {
		return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "no transaction running, nothing to rollback.")
	}
	st.list, st.backup, st.txn = st.backup, nil, false
	return nil
}
