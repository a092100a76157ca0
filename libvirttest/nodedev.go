package libvirttest

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// The host devices of test:///default: the computer and three SCSI
// hosts, two of them Fibre Channel HBAs that can create virtual ports.
// NodeDeviceCreateXML makes a vHBA the test driver's way (a copy of
// scsi_host11 named scsi_host12 with the requested WWNs) and
// NodeDeviceDestroy removes a Fibre Channel host, each with its
// lifecycle event.

// nodeDev is a host device: its first capability is the one it reports;
// the nested ones (fc_host, vports) only count for list filters.
type nodeDev struct {
	name, parent string
	caps         []string
	scsi         *scsiHost // nil for the computer
}

// scsiHost is a SCSI host's capability.
type scsiHost struct {
	host, uniqueID     int
	wwnn, wwpn, fabric string
	vportOps           bool
}

// systemXML is the computer's capability, as the test driver reports it.
const systemXML = `  <capability type='system'>
    <hardware>
      <vendor>Libvirt</vendor>
      <version>Test driver</version>
      <serial>123456</serial>
      <uuid>11111111-2222-3333-4444-555555555555</uuid>
    </hardware>
    <firmware>
      <vendor>Libvirt</vendor>
      <version>Test Driver</version>
      <release_date>01/22/2007</release_date>
    </firmware>
  </capability>
`

// defaultNodeDevs are in the order libvirtd lists them (its hash
// table's).
func defaultNodeDevs() []*nodeDev {
	return []*nodeDev{
		{name: "scsi_host11", parent: "scsi_host1", caps: []string{"scsi_host", "fc_host"},
			scsi: &scsiHost{host: 11, uniqueID: 10, wwnn: "2000000034563456", wwpn: "1000000034563456", fabric: "2000000043214321"}},
		{name: "computer", caps: []string{"system"}},
		{name: "scsi_host1", parent: "computer", caps: []string{"scsi_host", "fc_host", "vports"},
			scsi: &scsiHost{host: 1, uniqueID: 0, wwnn: "2000000012341234", wwpn: "1000000012341234", fabric: "2000000043214321", vportOps: true}},
		{name: "scsi_host2", parent: "computer", caps: []string{"scsi_host", "fc_host", "vports"},
			scsi: &scsiHost{host: 2, uniqueID: 1, wwnn: "2000000056785678", wwpn: "1000000056785678", fabric: "2000000087658765", vportOps: true}},
	}
}

// xml formats the device as libvirt does.
func (n *nodeDev) xml() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<device>\n  <name>%s</name>\n", n.name)
	if n.parent != "" {
		fmt.Fprintf(&b, "  <parent>%s</parent>\n", n.parent)
	}
	if n.scsi == nil {
		b.WriteString(systemXML)
	} else {
		h := n.scsi
		fmt.Fprintf(&b, "  <capability type='scsi_host'>\n    <host>%d</host>\n    <unique_id>%d</unique_id>\n", h.host, h.uniqueID)
		fmt.Fprintf(&b, "    <capability type='fc_host'>\n      <wwnn>%s</wwnn>\n      <wwpn>%s</wwpn>\n      <fabric_wwn>%s</fabric_wwn>\n    </capability>\n", h.wwnn, h.wwpn, h.fabric)
		if h.vportOps {
			b.WriteString("    <capability type='vport_ops'>\n      <max_vports>0</max_vports>\n      <vports>0</vports>\n    </capability>\n")
		}
		b.WriteString("  </capability>\n")
	}
	b.WriteString("</device>\n")
	return b.String()
}

// devs returns the driver's node devices, starting from the defaults;
// d.mu is held.
func (d *driver) devs() []*nodeDev {
	if d.nodeDevs == nil {
		d.nodeDevs = defaultNodeDevs()
	}
	return d.nodeDevs
}

// nodeDevByName finds a device; d.mu is held.
func (d *driver) nodeDevByName(name string) (*nodeDev, error) {
	for _, n := range d.devs() {
		if n.name == name {
			return n, nil
		}
	}
	return nil, lvErrorf(libvirt.ErrNoNodeDevice, libvirt.FromTest, "Node device not found: ", "no node device with matching name '%s'", name)
}

// withNodeDev runs f on the device named name, under the driver's lock.
func (d *driver) withNodeDev(name string, f func(n *nodeDev) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, err := d.nodeDevByName(name)
	if err != nil {
		return err
	}
	return f(n)
}

// ConnectListAllNodeDevices lists the host's devices (flags filter by
// capability).
func (d *driver) ConnectListAllNodeDevices(ctx context.Context, args *protocol.ConnectListAllNodeDevicesArgs) (*protocol.ConnectListAllNodeDevicesRet, error) {
	capBits := map[string]libvirt.ConnectListAllNodeDeviceFlags{
		"system": libvirt.ConnectListNodeDevicesCapSystem, "scsi_host": libvirt.ConnectListNodeDevicesCapSCSIHost,
		"fc_host": libvirt.ConnectListNodeDevicesCapFcHost, "vports": libvirt.ConnectListNodeDevicesCapVports,
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ret := &protocol.ConnectListAllNodeDevicesRet{}
	for _, n := range d.devs() {
		var have libvirt.ConnectListAllNodeDeviceFlags
		for _, c := range n.caps {
			have |= capBits[c]
		}
		want := args.Flags & 0x0fffffff // capability bits; the state bits pass every device here
		if want != 0 && have&want == 0 {
			continue
		}
		ret.Ret++
		if args.NeedResults != 0 {
			ret.Devices = append(ret.Devices, libvirt.NodeDevice{Name: n.name})
		}
	}
	return ret, nil
}

func (d *driver) nodeDevNames(capName *string, max int32) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := []string{}
	for _, n := range d.devs() {
		if (capName == nil || n.caps[0] == *capName) && int32(len(out)) < max {
			out = append(out, n.name)
		}
	}
	return out
}

// NodeNumOfDevices counts host devices, of one capability if given.
func (d *driver) NodeNumOfDevices(ctx context.Context, args *protocol.NodeNumOfDevicesArgs) (*protocol.NodeNumOfDevicesRet, error) {
	return &protocol.NodeNumOfDevicesRet{Num: int32(len(d.nodeDevNames(args.Cap, 1<<30)))}, nil
}

// NodeListDevices names host devices, of one capability if given.
func (d *driver) NodeListDevices(ctx context.Context, args *protocol.NodeListDevicesArgs) (*protocol.NodeListDevicesRet, error) {
	return &protocol.NodeListDevicesRet{Names: d.nodeDevNames(args.Cap, args.Maxnames)}, nil
}

// NodeDeviceLookupByName finds a host device.
func (d *driver) NodeDeviceLookupByName(ctx context.Context, args *protocol.NodeDeviceLookupByNameArgs) (*protocol.NodeDeviceLookupByNameRet, error) {
	var ret *protocol.NodeDeviceLookupByNameRet
	err := d.withNodeDev(args.Name, func(n *nodeDev) error {
		ret = &protocol.NodeDeviceLookupByNameRet{Dev: libvirt.NodeDevice{Name: n.name}}
		return nil
	})
	return ret, err
}

// NodeDeviceGetParent names a host device's parent.
func (d *driver) NodeDeviceGetParent(ctx context.Context, args *protocol.NodeDeviceGetParentArgs) (*protocol.NodeDeviceGetParentRet, error) {
	ret := &protocol.NodeDeviceGetParentRet{}
	err := d.withNodeDev(args.Name, func(n *nodeDev) error {
		if n.parent != "" {
			p := n.parent
			ret.ParentName = &p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ret, nil
}

// NodeDeviceNumOfCaps counts the capabilities a host device reports (one).
func (d *driver) NodeDeviceNumOfCaps(ctx context.Context, args *protocol.NodeDeviceNumOfCapsArgs) (*protocol.NodeDeviceNumOfCapsRet, error) {
	err := d.withNodeDev(args.Name, func(*nodeDev) error { return nil })
	if err != nil {
		return nil, err
	}
	return &protocol.NodeDeviceNumOfCapsRet{Num: 1}, nil
}

// NodeDeviceListCaps names a host device's capabilities.
func (d *driver) NodeDeviceListCaps(ctx context.Context, args *protocol.NodeDeviceListCapsArgs) (*protocol.NodeDeviceListCapsRet, error) {
	var ret *protocol.NodeDeviceListCapsRet
	err := d.withNodeDev(args.Name, func(n *nodeDev) error {
		ret = &protocol.NodeDeviceListCapsRet{Names: n.caps[:min(1, int(max(args.Maxnames, 0)))]}
		return nil
	})
	return ret, err
}

// NodeDeviceIsActive reports every host device as active.
func (d *driver) NodeDeviceIsActive(ctx context.Context, args *protocol.NodeDeviceIsActiveArgs) (*protocol.NodeDeviceIsActiveRet, error) {
	if err := d.withNodeDev(args.Name, func(*nodeDev) error { return nil }); err != nil {
		return nil, err
	}
	return &protocol.NodeDeviceIsActiveRet{Active: 1}, nil
}

// NodeDeviceIsPersistent reports every host device as persistent.
func (d *driver) NodeDeviceIsPersistent(ctx context.Context, args *protocol.NodeDeviceIsPersistentArgs) (*protocol.NodeDeviceIsPersistentRet, error) {
	if err := d.withNodeDev(args.Name, func(*nodeDev) error { return nil }); err != nil {
		return nil, err
	}
	return &protocol.NodeDeviceIsPersistentRet{Persistent: 1}, nil
}

// NodeDeviceGetXMLDesc returns a host device's definition. Every device
// is active, so INACTIVE changes nothing.
func (d *driver) NodeDeviceGetXMLDesc(ctx context.Context, args *protocol.NodeDeviceGetXMLDescArgs) (*protocol.NodeDeviceGetXMLDescRet, error) {
	var ret *protocol.NodeDeviceGetXMLDescRet
	err := d.withNodeDev(args.Name, func(n *nodeDev) error {
		ret = &protocol.NodeDeviceGetXMLDescRet{XML: n.xml()}
		return nil
	})
	return ret, err
}

// nodeDevDoc is the part of a device's XML NodeDeviceCreateXML reads.
type nodeDevDoc struct {
	XMLName xml.Name
	Name    string `xml:"name"`
	Parent  string `xml:"parent"`
	Caps    []struct {
		Type string `xml:"type,attr"`
		Caps []struct {
			Type string `xml:"type,attr"`
			WWNN string `xml:"wwnn"`
			WWPN string `xml:"wwpn"`
		} `xml:"capability"`
	} `xml:"capability"`
}

func (d *driver) emitNodeDev(ctx context.Context, name string, ev libvirt.NodeDeviceEventLifecycleType) {
	var key libvirt.UUID
	copy(key[:], name)
	msg := libvirt.NodeDeviceEventLifecycleMsg{Dev: libvirt.NodeDevice{Name: name}, Event: ev}
	d.emit(ctx, famNodeDev, int32(libvirt.NodeDeviceEventIDLifecycle), key, libvirt.ProcNodeDeviceEventLifecycle,
		func(cb int32) encodable { m := msg; m.CallbackID = cb; return &m })
}

func notFCHost() error {
	return lvError(libvirt.ErrInternalError, libvirt.FromNodedev, prefixInternal, "Device is not a fibre channel HBA")
}

// NodeDeviceCreateXML creates a vHBA under a vport-capable Fibre Channel
// host: as the test driver mocks it, a copy of scsi_host11 named
// scsi_host12 with the requested WWNs.
func (d *driver) NodeDeviceCreateXML(ctx context.Context, args *protocol.NodeDeviceCreateXMLArgs) (*protocol.NodeDeviceCreateXMLRet, error) {
	var v nodeDevDoc
	if err := xml.Unmarshal([]byte(args.XMLDesc), &v); err != nil {
		return nil, lvErrorf(libvirt.ErrXMLDetail, libvirt.FromNodedev, "", "(node_device_definition): %v", err)
	}
	if v.XMLName.Local != "device" {
		return nil, lvErrorf(libvirt.ErrXMLError, libvirt.FromXML, prefixXML, "expecting root element of 'device', not '%s'", v.XMLName.Local)
	}
	var wwnn, wwpn string
	fc := false
	for _, c := range v.Caps {
		for _, sub := range c.Caps {
			if c.Type == "scsi_host" && sub.Type == "fc_host" {
				fc, wwnn, wwpn = true, strings.TrimSpace(sub.WWNN), strings.TrimSpace(sub.WWPN)
			}
		}
	}
	if !fc {
		return nil, notFCHost()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	parent, err := d.nodeDevByName(v.Parent)
	if err != nil {
		name := v.Name
		if name == "" {
			name = "new device" // libvirt's name for a device to create
		}
		return nil, lvErrorf(libvirt.ErrInternalError, libvirt.FromNodedev, prefixInternal, "Could not find parent device for '%s'", name)
	}
	if parent.scsi == nil || !parent.scsi.vportOps {
		return nil, lvErrorf(libvirt.ErrInternalError, libvirt.FromNodedev, prefixInternal, "Parent device %s is not capable of vport operations", parent.name)
	}
	tmpl, err := d.nodeDevByName("scsi_host11")
	if err != nil {
		return nil, err
	}
	h := *tmpl.scsi
	h.wwnn, h.wwpn = wwnn, wwpn
	dev := &nodeDev{name: "scsi_host12", parent: tmpl.parent, caps: append([]string{}, tmpl.caps...), scsi: &h}
	if old, err := d.nodeDevByName(dev.name); err == nil {
		*old = *dev
	} else {
		d.nodeDevs = append(d.nodeDevs, dev)
	}
	d.emitNodeDev(ctx, dev.name, libvirt.NodeDeviceEventCreated)
	return &protocol.NodeDeviceCreateXMLRet{Dev: libvirt.NodeDevice{Name: dev.name}}, nil
}

// NodeDeviceDestroy removes a Fibre Channel host whose parent exists.
// The test driver's entry point reports success even when it refuses (a
// device that is not an HBA, or whose parent is gone): the device stays
// and the caller sees no error, as here.
func (d *driver) NodeDeviceDestroy(ctx context.Context, args *protocol.NodeDeviceDestroyArgs) error {
	return d.withNodeDev(args.Name, func(n *nodeDev) error {
		if n.scsi == nil {
			return nil
		}
		if _, err := d.nodeDevByName(n.parent); err != nil {
			return nil
		}
		for i, o := range d.nodeDevs {
			if o == n {
				d.nodeDevs = append(d.nodeDevs[:i], d.nodeDevs[i+1:]...)
				break
			}
		}
		d.emitNodeDev(ctx, args.Name, libvirt.NodeDeviceEventDeleted)
		return nil
	})
}
