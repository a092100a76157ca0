package libvirttest

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// The host's interfaces and node devices of test:///default, read-only:
// one interface (eth1) and four node devices. Defining, starting and
// destroying them is not implemented and answers "not supported".

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

func (i hostIface) ref() libvirt.Interface { return libvirt.Interface{Name: i.name, MAC: i.mac} }

func noIface(detail string) error {
	return lvError(libvirt.ErrNoInterface, libvirt.FromTest, "Interface not found: ", detail)
}

func ifaceByName(name string) (hostIface, error) {
	for _, i := range defaultIfaces {
		if i.name == name {
			return i, nil
		}
	}
	return hostIface{}, noIface(fmt.Sprintf("no interface with matching name '%s'", name))
}

// ConnectListAllInterfaces lists the host's interfaces.
func (d *driver) ConnectListAllInterfaces(ctx context.Context, args *protocol.ConnectListAllInterfacesArgs) (*protocol.ConnectListAllInterfacesRet, error) {
	ret := &protocol.ConnectListAllInterfacesRet{}
	for _, i := range defaultIfaces {
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

func ifaceNames(active bool, max int32) []string {
	out := []string{}
	for _, i := range defaultIfaces {
		if i.active == active && int32(len(out)) < max {
			out = append(out, i.name)
		}
	}
	return out
}

// ConnectNumOfInterfaces counts active interfaces.
func (d *driver) ConnectNumOfInterfaces(ctx context.Context) (*protocol.ConnectNumOfInterfacesRet, error) {
	return &protocol.ConnectNumOfInterfacesRet{Num: int32(len(ifaceNames(true, 1<<30)))}, nil
}

// ConnectNumOfDefinedInterfaces counts inactive interfaces.
func (d *driver) ConnectNumOfDefinedInterfaces(ctx context.Context) (*protocol.ConnectNumOfDefinedInterfacesRet, error) {
	return &protocol.ConnectNumOfDefinedInterfacesRet{Num: int32(len(ifaceNames(false, 1<<30)))}, nil
}

// ConnectListInterfaces names active interfaces.
func (d *driver) ConnectListInterfaces(ctx context.Context, args *protocol.ConnectListInterfacesArgs) (*protocol.ConnectListInterfacesRet, error) {
	return &protocol.ConnectListInterfacesRet{Names: ifaceNames(true, args.Maxnames)}, nil
}

// ConnectListDefinedInterfaces names inactive interfaces.
func (d *driver) ConnectListDefinedInterfaces(ctx context.Context, args *protocol.ConnectListDefinedInterfacesArgs) (*protocol.ConnectListDefinedInterfacesRet, error) {
	return &protocol.ConnectListDefinedInterfacesRet{Names: ifaceNames(false, args.Maxnames)}, nil
}

// InterfaceLookupByName finds a host interface by name.
func (d *driver) InterfaceLookupByName(ctx context.Context, args *protocol.InterfaceLookupByNameArgs) (*protocol.InterfaceLookupByNameRet, error) {
	i, err := ifaceByName(args.Name)
	if err != nil {
		return nil, err
	}
	return &protocol.InterfaceLookupByNameRet{Iface: i.ref()}, nil
}

// InterfaceLookupByMACString finds a host interface by MAC address.
func (d *driver) InterfaceLookupByMACString(ctx context.Context, args *protocol.InterfaceLookupByMACStringArgs) (*protocol.InterfaceLookupByMACStringRet, error) {
	for _, i := range defaultIfaces {
		if strings.EqualFold(i.mac, args.MAC) {
			return &protocol.InterfaceLookupByMACStringRet{Iface: i.ref()}, nil
		}
	}
	return nil, noIface(fmt.Sprintf("no interface with matching mac '%s'", args.MAC))
}

// InterfaceIsActive tells whether a host interface is up.
func (d *driver) InterfaceIsActive(ctx context.Context, args *protocol.InterfaceIsActiveArgs) (*protocol.InterfaceIsActiveRet, error) {
	i, err := ifaceByName(args.Iface.Name)
	if err != nil {
		return nil, err
	}
	ret := &protocol.InterfaceIsActiveRet{}
	if i.active {
		ret.Active = 1
	}
	return ret, nil
}

// InterfaceGetXMLDesc returns a host interface's definition.
func (d *driver) InterfaceGetXMLDesc(ctx context.Context, args *protocol.InterfaceGetXMLDescArgs) (*protocol.InterfaceGetXMLDescRet, error) {
	i, err := ifaceByName(args.Iface.Name)
	if err != nil {
		return nil, err
	}
	return &protocol.InterfaceGetXMLDescRet{XML: i.xml}, nil
}

// nodeDev is a host device of test:///default: its first capability is
// the one it reports; the nested ones (fc_host, vports) only count for
// list filters.
type nodeDev struct {
	name, parent string
	caps         []string
}

// defaultNodeDevs are in the order libvirtd lists them (its hash
// table's).
var defaultNodeDevs = []nodeDev{
	{name: "scsi_host11", parent: "scsi_host1", caps: []string{"scsi_host", "fc_host"}},
	{name: "computer", caps: []string{"system"}},
	{name: "scsi_host1", parent: "computer", caps: []string{"scsi_host", "fc_host", "vports"}},
	{name: "scsi_host2", parent: "computer", caps: []string{"scsi_host", "fc_host", "vports"}},
}

func nodeDevByName(name string) (nodeDev, error) {
	for _, n := range defaultNodeDevs {
		if n.name == name {
			return n, nil
		}
	}
	return nodeDev{}, lvErrorf(libvirt.ErrNoNodeDevice, libvirt.FromTest, "Node device not found: ", "no node device with matching name '%s'", name)
}

// ConnectListAllNodeDevices lists the host's devices (flags filter by
// capability).
func (d *driver) ConnectListAllNodeDevices(ctx context.Context, args *protocol.ConnectListAllNodeDevicesArgs) (*protocol.ConnectListAllNodeDevicesRet, error) {
	capBits := map[string]libvirt.ConnectListAllNodeDeviceFlags{
		"system": libvirt.ConnectListNodeDevicesCapSystem, "scsi_host": libvirt.ConnectListNodeDevicesCapSCSIHost,
		"fc_host": libvirt.ConnectListNodeDevicesCapFcHost, "vports": libvirt.ConnectListNodeDevicesCapVports,
	}
	ret := &protocol.ConnectListAllNodeDevicesRet{}
	for _, n := range defaultNodeDevs {
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

func nodeDevNames(capName *string, max int32) []string {
	out := []string{}
	for _, n := range defaultNodeDevs {
		if (capName == nil || n.caps[0] == *capName) && int32(len(out)) < max {
			out = append(out, n.name)
		}
	}
	return out
}

// NodeNumOfDevices counts host devices, of one capability if given.
func (d *driver) NodeNumOfDevices(ctx context.Context, args *protocol.NodeNumOfDevicesArgs) (*protocol.NodeNumOfDevicesRet, error) {
	return &protocol.NodeNumOfDevicesRet{Num: int32(len(nodeDevNames(args.Cap, 1<<30)))}, nil
}

// NodeListDevices names host devices, of one capability if given.
func (d *driver) NodeListDevices(ctx context.Context, args *protocol.NodeListDevicesArgs) (*protocol.NodeListDevicesRet, error) {
	return &protocol.NodeListDevicesRet{Names: nodeDevNames(args.Cap, args.Maxnames)}, nil
}

// NodeDeviceLookupByName finds a host device.
func (d *driver) NodeDeviceLookupByName(ctx context.Context, args *protocol.NodeDeviceLookupByNameArgs) (*protocol.NodeDeviceLookupByNameRet, error) {
	n, err := nodeDevByName(args.Name)
	if err != nil {
		return nil, err
	}
	return &protocol.NodeDeviceLookupByNameRet{Dev: libvirt.NodeDevice{Name: n.name}}, nil
}

// NodeDeviceGetParent names a host device's parent.
func (d *driver) NodeDeviceGetParent(ctx context.Context, args *protocol.NodeDeviceGetParentArgs) (*protocol.NodeDeviceGetParentRet, error) {
	n, err := nodeDevByName(args.Name)
	if err != nil {
		return nil, err
	}
	ret := &protocol.NodeDeviceGetParentRet{}
	if n.parent != "" {
		p := n.parent
		ret.ParentName = &p
	}
	return ret, nil
}

// NodeDeviceNumOfCaps counts the capabilities a host device reports (one).
func (d *driver) NodeDeviceNumOfCaps(ctx context.Context, args *protocol.NodeDeviceNumOfCapsArgs) (*protocol.NodeDeviceNumOfCapsRet, error) {
	_, err := nodeDevByName(args.Name)
	if err != nil {
		return nil, err
	}
	return &protocol.NodeDeviceNumOfCapsRet{Num: 1}, nil
}

// NodeDeviceListCaps names a host device's capabilities.
func (d *driver) NodeDeviceListCaps(ctx context.Context, args *protocol.NodeDeviceListCapsArgs) (*protocol.NodeDeviceListCapsRet, error) {
	n, err := nodeDevByName(args.Name)
	if err != nil {
		return nil, err
	}
	return &protocol.NodeDeviceListCapsRet{Names: n.caps[:min(1, int(max(args.Maxnames, 0)))]}, nil
}

// NodeDeviceIsActive reports every host device as active.
func (d *driver) NodeDeviceIsActive(ctx context.Context, args *protocol.NodeDeviceIsActiveArgs) (*protocol.NodeDeviceIsActiveRet, error) {
	if _, err := nodeDevByName(args.Name); err != nil {
		return nil, err
	}
	return &protocol.NodeDeviceIsActiveRet{Active: 1}, nil
}

// NodeDeviceIsPersistent reports every host device as persistent.
func (d *driver) NodeDeviceIsPersistent(ctx context.Context, args *protocol.NodeDeviceIsPersistentArgs) (*protocol.NodeDeviceIsPersistentRet, error) {
	if _, err := nodeDevByName(args.Name); err != nil {
		return nil, err
	}
	return &protocol.NodeDeviceIsPersistentRet{Persistent: 1}, nil
}

// Storage pool types by name, numbered as libvirt's
// virStoragePoolType: 0 (dir) is what libvirt's parser cannot tell from
// "unknown", which is why the test driver reports "dir" as unknown.
var poolTypes = map[string]int{
	"dir": 0, "fs": 1, "netfs": 2, "logical": 3, "disk": 4, "iscsi": 5, "iscsi-direct": 6,
	"scsi": 7, "mpath": 8, "rbd": 9, "sheepdog": 10, "gluster": 11, "zfs": 12, "vstorage": 13,
}

const logicalPoolSources = `<sources>
  <source>
    <device path='/dev/sda20'/>
    <name>testvg1</name>
    <format type='lvm2'/>
  </source>
  <source>
    <device path='/dev/sda21'/>
    <name>testvg2</name>
    <format type='lvm2'/>
  </source>
</sources>
`

// ConnectFindStoragePoolSources answers the test driver's canned
// discovery: two volume groups for "logical", the host's /testshare for
// "netfs" (which needs a source host), and no discovery for other types.
func (d *driver) ConnectFindStoragePoolSources(ctx context.Context, args *protocol.ConnectFindStoragePoolSourcesArgs) (*protocol.ConnectFindStoragePoolSourcesRet, error) {
	t, known := poolTypes[args.Type]
	if known && t == 0 {
		return nil, lvErrorf(libvirt.ErrInternalError, libvirt.FromTest, prefixInternal, "unknown storage pool type %s", args.Type)
	}
	var host string
	if args.SrcSpec != nil {
		var src struct {
			XMLName xml.Name
			Host    struct {
				Name string `xml:"name,attr"`
			} `xml:"host"`
		}
		if err := parseXML(*args.SrcSpec, "srcSpec", &src); err != nil {
			return nil, err
		}
		host = src.Host.Name
	}
	switch args.Type {
	case "logical":
		return &protocol.ConnectFindStoragePoolSourcesRet{XML: logicalPoolSources}, nil
	case "netfs":
		if host == "" {
			return nil, inArg("hostname must be specified for netfs sources")
		}
		return &protocol.ConnectFindStoragePoolSourcesRet{XML: fmt.Sprintf(`<sources>
  <source>
    <host name='%s'/>
    <dir path='/testshare'/>
    <format type='nfs'/>
  </source>
</sources>
`, host)}, nil
	}
	return nil, lvErrorf(libvirt.ErrNoSupport, libvirt.FromTest, prefixNoSupport, "pool type '%s' does not support source discovery", args.Type)
}

func noSnapshot(name string) error {
	return lvErrorf(libvirt.ErrNoDomainSnapshot, libvirt.FromTest, "Domain snapshot not found: ", "no domain snapshot with matching name '%s'", name)
}
