package libvirttest

import (
	"context"
	"encoding/xml"
	"net"
	"strings"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// network is one virtual network.
type network struct {
	xml        string // as defined; a running network's running definition
	configXML  string // a running network's persistent definition, once libvirt made one apart
	name       string
	uuid       libvirt.UUID
	bridge     string
	active     bool
	persistent bool
	autostart  bool
	ip         net.IP // the first <ip> element's address, its prefix,
	prefix     int    // and the start of its first DHCP range
	dhcpStart  net.IP
	metadata   metaSet // title, description and elements
	configMeta metaSet // the metadata of configXML
}

// splitConfig gives a running network a persistent definition of its
// own, a copy of the running one, unless it has one.
func (n *network) splitConfig() {
	if n.configXML == "" {
		n.configXML, n.configMeta = n.xml, n.metadata.reparsed()
	}
}

func (n *network) ref() libvirt.Network { return libvirt.Network{Name: n.name, UUID: n.uuid} }

// The test driver's default network, as its net-dumpxml shows it.
const defaultNetworkXML = `<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
`

func (d *driver) addDefaultNetwork() {
	n, err := parseNetwork(defaultNetworkXML)
	if err != nil {
		panic("libvirttest: built-in network XML: " + err.Error())
	}
	n.active, n.persistent = true, true
	d.networks = append(d.networks, n)
}

// parseNetwork reads a network's name, UUID and bridge.
func parseNetwork(doc string) (*network, error) {
	var v struct {
		XMLName     xml.Name
		Name        string `xml:"name"`
		UUID        string `xml:"uuid"`
		Title       string `xml:"title"`
		Description string `xml:"description"`
		Metadata    *struct {
			Inner string `xml:",innerxml"`
		} `xml:"metadata"`
		Bridge struct {
			Name string `xml:"name,attr"`
		} `xml:"bridge"`
		IPs []struct {
			Address string `xml:"address,attr"`
			Netmask string `xml:"netmask,attr"`
			Prefix  int    `xml:"prefix,attr"`
			Ranges  []struct {
				Start string `xml:"start,attr"`
			} `xml:"dhcp>range"`
		} `xml:"ip"`
	}
	if err := parseXML(doc, "network_definition", &v); err != nil {
		return nil, err
	}
	if v.XMLName.Local != "network" {
		return nil, xmlErrorIn(libvirt.FromNetwork, "expected root element 'network', not '"+v.XMLName.Local+"'")
	}
	n := &network{xml: doc, name: strings.TrimSpace(v.Name), bridge: v.Bridge.Name, metadata: metaSet{}}
	md := ""
	if v.Metadata != nil {
		md = v.Metadata.Inner
	}
	n.metadata.setFromDef(v.Title, v.Description, md)
	if len(v.IPs) > 0 {
		ip := v.IPs[0]
		n.ip, n.prefix = net.ParseIP(ip.Address), ip.Prefix
		if m := net.ParseIP(ip.Netmask).To4(); m != nil {
			n.prefix, _ = net.IPMask(m).Size()
		}
		if len(ip.Ranges) > 0 {
			n.dhcpStart = net.ParseIP(ip.Ranges[0].Start)
		}
	}
	if n.name == "" {
		return nil, xmlErrorIn(libvirt.FromNetwork, "Missing network name")
	}
	u, err := uuidOrNew(v.UUID, libvirt.FromNetwork)
	if err != nil {
		return nil, err
	}
	n.uuid = u
	if n.xml, err = canonicalNetwork(doc, u); err != nil {
		return nil, err
	}
	return n, nil
}

// firstLease is where the test driver starts handing out guest
// addresses: the first DHCP range's start, else the network's own
// address; with the prefix length.
func (n *network) firstLease() (net.IP, int) {
	if n.dhcpStart != nil {
		return n.dhcpStart, n.prefix
	}
	return n.ip, n.prefix
}

// networkByName finds a network by name; d.mu is held.
func (d *driver) networkByName(name string) *network {
	for _, n := range d.networks {
		if n.name == name {
			return n
		}
	}
	return nil
}

func (d *driver) networkOf(ref libvirt.Network) (*network, error) {
	for _, n := range d.networks {
		if n.uuid == ref.UUID {
			return n, nil
		}
	}
	return nil, lvErrorf(libvirt.ErrNoNetwork, libvirt.FromTest, "Network not found: ",
		"no network with matching uuid '%s' (%s)", ref.UUID, ref.Name)
}

func (d *driver) withNetwork(ref libvirt.Network, f func(n *network) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, err := d.networkOf(ref)
	if err != nil {
		return err
	}
	return f(n)
}

func (d *driver) emitNetwork(ctx context.Context, n *network, ev libvirt.NetworkEventLifecycleType) {
	ref := n.ref()
	d.emit(ctx, famNetwork, int32(libvirt.NetworkEventIDLifecycle), n.uuid, libvirt.ProcNetworkEventLifecycle,
		func(cb int32) encodable {
			return &libvirt.NetworkEventLifecycleMsg{CallbackID: cb, Net: ref, Event: ev}
		})
}

// addNetwork stores a new or redefined network; d.mu is held.
func (d *driver) addNetwork(ctx context.Context, n *network, persistent bool) (*network, error) {
	for _, o := range d.networks {
		switch {
		case o.name == n.name && o.uuid != n.uuid:
			return nil, lvErrorf(libvirt.ErrOperationFailed, libvirt.FromNetwork, prefixFailed,
				"network '%s' already exists with uuid %s", o.name, o.uuid)
		case o.uuid == n.uuid && o.name != n.name:
			return nil, lvErrorf(libvirt.ErrOperationFailed, libvirt.FromNetwork, prefixFailed,
				"network '%s' is already defined with uuid %s", o.name, o.uuid)
		case o.uuid == n.uuid:
			if !persistent {
				return nil, lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromNetwork, prefixInvalid, "network is already active as '%s'", o.name)
			}
			if o.active {
				// libvirt keeps the new definition apart from the
				// running one, which stays what GetXMLDesc shows.
				o.configXML, o.configMeta, o.persistent = n.xml, n.metadata, true
			} else {
				o.xml, o.bridge, o.persistent, o.metadata = n.xml, n.bridge, true, n.metadata
				o.ip, o.prefix, o.dhcpStart = n.ip, n.prefix, n.dhcpStart
			}
			d.emitNetwork(ctx, o, libvirt.NetworkEventDefined)
			return o, nil
		}
	}
	n.persistent = persistent
	d.networks = append(d.networks, n)
	if persistent {
		d.emitNetwork(ctx, n, libvirt.NetworkEventDefined)
	} else {
		n.active = true
		d.emitNetwork(ctx, n, libvirt.NetworkEventStarted)
	}
	return n, nil
}

func (d *driver) removeNetwork(n *network) {
	for i, o := range d.networks {
		if o == n {
			d.networks = append(d.networks[:i], d.networks[i+1:]...)
			return
		}
	}
}

// NetworkLookupByName finds a network by name.
func (d *driver) NetworkLookupByName(ctx context.Context, args *protocol.NetworkLookupByNameArgs) (*protocol.NetworkLookupByNameRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range d.networks {
		if n.name == args.Name {
			return &protocol.NetworkLookupByNameRet{Net: n.ref()}, nil
		}
	}
	return nil, lvErrorf(libvirt.ErrNoNetwork, libvirt.FromTest, "Network not found: ", "no network with matching name '%s'", args.Name)
}

// NetworkLookupByUUID finds a network by UUID.
func (d *driver) NetworkLookupByUUID(ctx context.Context, args *protocol.NetworkLookupByUUIDArgs) (*protocol.NetworkLookupByUUIDRet, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range d.networks {
		if n.uuid == args.UUID {
			return &protocol.NetworkLookupByUUIDRet{Net: n.ref()}, nil
		}
	}
	return nil, lvErrorf(libvirt.ErrNoNetwork, libvirt.FromTest, "Network not found: ", "no network with matching uuid '%s'", args.UUID)
}

// NetworkDefineXML defines a persistent network.
func (d *driver) NetworkDefineXML(ctx context.Context, args *protocol.NetworkDefineXMLArgs) (*protocol.NetworkDefineXMLRet, error) {
	n, err := parseNetwork(args.XML)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if n, err = d.addNetwork(ctx, n, true); err != nil {
		return nil, err
	}
	return &protocol.NetworkDefineXMLRet{Net: n.ref()}, nil
}

// NetworkDefineXMLFlags defines a persistent network.
func (d *driver) NetworkDefineXMLFlags(ctx context.Context, args *protocol.NetworkDefineXMLFlagsArgs) (*protocol.NetworkDefineXMLFlagsRet, error) {
	ret, err := d.NetworkDefineXML(ctx, &protocol.NetworkDefineXMLArgs{XML: args.XML})
	if err != nil {
		return nil, err
	}
	return &protocol.NetworkDefineXMLFlagsRet{Net: ret.Net}, nil
}

// NetworkCreateXML starts a transient network.
func (d *driver) NetworkCreateXML(ctx context.Context, args *protocol.NetworkCreateXMLArgs) (*protocol.NetworkCreateXMLRet, error) {
	n, err := parseNetwork(args.XML)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if n, err = d.addNetwork(ctx, n, false); err != nil {
		return nil, err
	}
	return &protocol.NetworkCreateXMLRet{Net: n.ref()}, nil
}

// NetworkCreateXMLFlags starts a transient network.
func (d *driver) NetworkCreateXMLFlags(ctx context.Context, args *protocol.NetworkCreateXMLFlagsArgs) (*protocol.NetworkCreateXMLFlagsRet, error) {
	ret, err := d.NetworkCreateXML(ctx, &protocol.NetworkCreateXMLArgs{XML: args.XML})
	if err != nil {
		return nil, err
	}
	return &protocol.NetworkCreateXMLFlagsRet{Net: ret.Net}, nil
}

// NetworkCreate starts a defined network.
func (d *driver) NetworkCreate(ctx context.Context, args *protocol.NetworkCreateArgs) error {
	return d.withNetwork(args.Net, func(n *network) error {
		if n.active {
			return lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "Network '%s' is already running", n.name)
		}
		n.active = true
		d.emitNetwork(ctx, n, libvirt.NetworkEventStarted)
		return nil
	})
}

// NetworkDestroy stops a network; a transient one disappears.
func (d *driver) NetworkDestroy(ctx context.Context, args *protocol.NetworkDestroyArgs) error {
	return d.withNetwork(args.Net, func(n *network) error {
		// The test driver stops a network without checking that it runs.
		n.active = false
		d.emitNetwork(ctx, n, libvirt.NetworkEventStopped)
		if !n.persistent {
			d.removeNetwork(n)
		}
		return nil
	})
}

// NetworkUndefine removes a network's persistent definition.
func (d *driver) NetworkUndefine(ctx context.Context, args *protocol.NetworkUndefineArgs) error {
	return d.withNetwork(args.Net, func(n *network) error {
		// The test driver refuses while the network runs (a transient
		// network always does), whether or not it is persistent.
		if n.active {
			return lvErrorf(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "Network '%s' is still running", n.name)
		}
		n.persistent, n.autostart = false, false
		d.emitNetwork(ctx, n, libvirt.NetworkEventUndefined)
		d.removeNetwork(n)
		return nil
	})
}

// NetworkGetXMLDesc returns the network's XML as defined, UUID filled in.
func (d *driver) NetworkGetXMLDesc(ctx context.Context, args *protocol.NetworkGetXMLDescArgs) (*protocol.NetworkGetXMLDescRet, error) {
	var ret protocol.NetworkGetXMLDescRet
	err := d.withNetwork(args.Net, func(n *network) error { ret.XML = n.shownXML(); return nil })
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// NetworkGetBridgeName reports the bridge named in the XML.
func (d *driver) NetworkGetBridgeName(ctx context.Context, args *protocol.NetworkGetBridgeNameArgs) (*protocol.NetworkGetBridgeNameRet, error) {
	var ret protocol.NetworkGetBridgeNameRet
	err := d.withNetwork(args.Net, func(n *network) error {
		if n.bridge == "" {
			return lvErrorf(libvirt.ErrInternalError, libvirt.FromNetwork, prefixInternal, "network '%s' does not have a bridge name.", n.name)
		}
		ret.Name = n.bridge
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// NetworkGetAutostart reports the autostart flag.
func (d *driver) NetworkGetAutostart(ctx context.Context, args *protocol.NetworkGetAutostartArgs) (*protocol.NetworkGetAutostartRet, error) {
	var ret protocol.NetworkGetAutostartRet
	err := d.withNetwork(args.Net, func(n *network) error { ret.Autostart = b2i(n.autostart); return nil })
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// NetworkSetAutostart sets the autostart flag of a persistent network.
func (d *driver) NetworkSetAutostart(ctx context.Context, args *protocol.NetworkSetAutostartArgs) error {
	return d.withNetwork(args.Net, func(n *network) error {
		if !n.persistent {
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromNetwork, prefixInvalid, "cannot set autostart for transient network")
		}
		n.autostart = args.Autostart != 0
		return nil
	})
}

// NetworkIsActive tells whether the network runs.
func (d *driver) NetworkIsActive(ctx context.Context, args *protocol.NetworkIsActiveArgs) (*protocol.NetworkIsActiveRet, error) {
	var ret protocol.NetworkIsActiveRet
	err := d.withNetwork(args.Net, func(n *network) error { ret.Active = b2i(n.active); return nil })
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// NetworkIsPersistent tells whether the network has a persistent
// definition.
func (d *driver) NetworkIsPersistent(ctx context.Context, args *protocol.NetworkIsPersistentArgs) (*protocol.NetworkIsPersistentRet, error) {
	var ret protocol.NetworkIsPersistentRet
	err := d.withNetwork(args.Net, func(n *network) error { ret.Persistent = b2i(n.persistent); return nil })
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// ConnectListAllNetworks lists the networks that pass flags' filters.
func (d *driver) ConnectListAllNetworks(ctx context.Context, args *protocol.ConnectListAllNetworksArgs) (*protocol.ConnectListAllNetworksRet, error) {
	f := uint32(args.Flags)
	d.mu.Lock()
	defer d.mu.Unlock()
	ret := &protocol.ConnectListAllNetworksRet{}
	for _, n := range d.networks {
		if !listFilter(f, uint32(libvirt.ConnectListNetworksActive), uint32(libvirt.ConnectListNetworksInactive), n.active) ||
			!listFilter(f, uint32(libvirt.ConnectListNetworksPersistent), uint32(libvirt.ConnectListNetworksTransient), n.persistent) ||
			!listFilter(f, uint32(libvirt.ConnectListNetworksAutostart), uint32(libvirt.ConnectListNetworksNoAutostart), n.autostart) {
			continue
		}
		ret.Ret++
		if args.NeedResults != 0 {
			ret.Nets = append(ret.Nets, n.ref())
		}
	}
	return ret, nil
}

// ConnectNumOfNetworks counts active networks.
func (d *driver) ConnectNumOfNetworks(ctx context.Context) (*protocol.ConnectNumOfNetworksRet, error) {
	return &protocol.ConnectNumOfNetworksRet{Num: int32(len(d.networkNames(true, -1)))}, nil
}

// ConnectListNetworks lists the names of active networks.
func (d *driver) ConnectListNetworks(ctx context.Context, args *protocol.ConnectListNetworksArgs) (*protocol.ConnectListNetworksRet, error) {
	return &protocol.ConnectListNetworksRet{Names: d.networkNames(true, args.Maxnames)}, nil
}

// ConnectNumOfDefinedNetworks counts inactive networks.
func (d *driver) ConnectNumOfDefinedNetworks(ctx context.Context) (*protocol.ConnectNumOfDefinedNetworksRet, error) {
	return &protocol.ConnectNumOfDefinedNetworksRet{Num: int32(len(d.networkNames(false, -1)))}, nil
}

// ConnectListDefinedNetworks lists the names of inactive networks.
func (d *driver) ConnectListDefinedNetworks(ctx context.Context, args *protocol.ConnectListDefinedNetworksArgs) (*protocol.ConnectListDefinedNetworksRet, error) {
	return &protocol.ConnectListDefinedNetworksRet{Names: d.networkNames(false, args.Maxnames)}, nil
}

// networkNames lists up to max (all if negative) names of networks whose
// active state is active.
func (d *driver) networkNames(active bool, max int32) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	names := []string{}
	for _, n := range d.networks {
		if n.active == active && (max < 0 || len(names) < int(max)) {
			names = append(names, n.name)
		}
	}
	return names
}
