package libvirttest

import (
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
	"libvirt.org/go/libvirtxml"
)

// Device hotplug as libvirt 11.3's test driver implements it (added in
// 10.0 and 10.6; libvirt 9.0's driver answers "not supported"): attach
// and detach by alias act on the running definition only and send
// device-added and device-removed events; update replaces a disk in the
// running and/or persistent definition. The running definition is kept
// apart from the persistent one (domain.live) from the first change on,
// so dumpxml --inactive still shows the persistent one.

// running is the definition the domain runs with.
func (dom *domain) running() *domainDef {
	if dom.live != nil {
		return dom.live
	}
	return dom.def
}

// clone copies a definition deeply enough to change its devices.
func (def *domainDef) clone() *domainDef {
	c := *def
	s, err := def.doc.Marshal()
	x := &libvirtxml.Domain{}
	if err != nil || x.Unmarshal(s) != nil {
		// A document libvirtxml parsed marshals and parses again.
		panic("libvirttest: copying a domain definition: " + fmt.Sprint(err))
	}
	c.doc = x
	c.deriveDevices()
	return &c
}

// liveForChange returns the running definition to change, separating it
// from the persistent one first.
func (dom *domain) liveForChange() *domainDef {
	if !dom.persistent {
		dom.def = dom.def.clone()
		return dom.def
	}
	if dom.live == nil {
		dom.live = dom.def.clone()
	}
	return dom.live
}

// modificationImpact resolves VIR_DOMAIN_AFFECT_CURRENT and checks the
// flags against the domain's state, as virDomainObjUpdateModificationImpact.
func (dom *domain) modificationImpact(flags uint32) (uint32, error) {
	live, config := uint32(libvirt.DomainAffectLive), uint32(libvirt.DomainAffectConfig)
	if flags&(live|config) == 0 {
		if dom.active() {
			flags |= live
		} else {
			flags |= config
		}
	}
	if flags&live != 0 && !dom.active() {
		return 0, notActive()
	}
	if flags&config != 0 && !dom.persistent {
		return 0, lvError(libvirt.ErrOperationInvalid, libvirt.FromDomain, prefixInvalid, "transient domains do not have any persistent config")
	}
	return flags, nil
}

// device is a parsed device definition: one of its fields is set.
type device struct {
	kind    string // the root element
	disk    *libvirtxml.DomainDisk
	net     *libvirtxml.DomainInterface
	hostdev *libvirtxml.DomainHostdev
}

// deviceKinds maps device elements to libvirt's device type names
// (virDomainDeviceType), which are the element names but for character
// devices.
var deviceKinds = map[string]string{
	"disk": "disk", "interface": "interface", "hostdev": "hostdev", "controller": "controller", "graphics": "graphics",
	"video": "video", "input": "input", "sound": "sound", "watchdog": "watchdog", "memballoon": "memballoon",
	"serial": "chr", "console": "chr", "channel": "chr", "parallel": "chr", "filesystem": "filesystem", "rng": "rng",
	"tpm": "tpm", "panic": "panic", "memory": "memory", "redirdev": "redirdev", "smartcard": "smartcard",
	"hub": "hub", "lease": "lease", "shmem": "shmem", "iommu": "iommu", "vsock": "vsock", "audio": "audio",
	"crypto": "crypto", "pstore": "pstore", "nvram": "nvram",
}

// parseDevice parses one device's XML with the domain's defaults (a
// generated MAC, a disk's bus and drive address).
func parseDevice(doc string) (*device, string, error) {
	var root struct{ XMLName xml.Name }
	if err := parseXML(doc, "device_definition", &root); err != nil {
		return nil, "", err
	}
	typ, ok := deviceKinds[root.XMLName.Local]
	if !ok {
		return nil, "", xmlError(fmt.Sprintf("unknown device type '%s'", root.XMLName.Local))
	}
	dev := &device{kind: root.XMLName.Local}
	switch dev.kind {
	case "disk":
		dev.disk = &libvirtxml.DomainDisk{}
		if err := dev.disk.Unmarshal(doc); err != nil {
			return nil, "", xmlError(err.Error())
		}
		if dev.disk.Target == nil || dev.disk.Target.Dev == "" {
			return nil, "", xmlError("missing target information for device " + diskSource(dev.disk))
		}
		diskDefaults(dev.disk)
	case "hostdev":
		dev.hostdev = &libvirtxml.DomainHostdev{}
		if err := dev.hostdev.Unmarshal(doc); err != nil {
			return nil, "", xmlError(err.Error())
		}
	case "interface":
		dev.net = &libvirtxml.DomainInterface{}
		if err := dev.net.Unmarshal(doc); err != nil {
			return nil, "", xmlError(err.Error())
		}
		if dev.net.MAC == nil || dev.net.MAC.Address == "" {
			dev.net.MAC = &libvirtxml.DomainInterfaceMAC{Address: newMAC()}
		}
	}
	// libvirt's parser keeps only user aliases ("ua-") of a device it
	// is given.
	userAlias := func(a **libvirtxml.DomainAlias) {
		if *a != nil && !strings.HasPrefix((*a).Name, "ua-") {
			*a = nil
		}
	}
	switch {
	case dev.disk != nil:
		userAlias(&dev.disk.Alias)
	case dev.net != nil:
		userAlias(&dev.net.Alias)
	case dev.hostdev != nil:
		userAlias(&dev.hostdev.Alias)
	}
	return dev, typ, nil
}

func diskSource(dk *libvirtxml.DomainDisk) string {
	if dk.Source != nil {
		if dk.Source.File != nil {
			return dk.Source.File.File
		}
		if dk.Source.Block != nil {
			return dk.Source.Block.Dev
		}
	}
	return ""
}

// DomainAttachDevice hot-plugs a device into a running domain.
func (d *driver) DomainAttachDevice(ctx context.Context, args *protocol.DomainAttachDeviceArgs) error {
	return d.DomainAttachDeviceFlags(ctx, &protocol.DomainAttachDeviceFlagsArgs{Dom: args.Dom, XML: args.XML})
}

// DomainAttachDeviceFlags hot-plugs a disk (virtio or USB; a CD-ROM or
// floppy whose target exists gets new media) or an ethernet or bridge
// interface; only VIR_DOMAIN_AFFECT_LIVE is accepted.
func (d *driver) DomainAttachDeviceFlags(ctx context.Context, args *protocol.DomainAttachDeviceFlagsArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		flags, err := dom.modificationImpact(uint32(args.Flags))
		if err != nil {
			return err
		}
		if extra := flags &^ uint32(libvirt.DomainAffectLive); extra != 0 {
			return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, "",
				"unsupported flags (0x%x) in function testDomainAttachDeviceLiveAndConfig", extra)
		}
		dev, typ, err := parseDevice(args.XML)
		if err != nil {
			return err
		}
		if dev.disk != nil && dev.disk.Target.Bus == "usb" && !hasUSB(dom.running()) {
			// virDomainDefCompatibleDevice
			return lvError(libvirt.ErrConfigUnsupported, libvirt.FromDomain, "unsupported configuration: ",
				"Device configuration is not compatible: Domain has no USB bus support")
		}
		if dev.hostdev != nil {
			if err := hostdevCompatible(dom, dev.hostdev); err != nil {
				return err
			}
		}
		var alias string
		switch dev.kind {
		case "hostdev":
			alias, err = attachHostdev(dom, dev.hostdev)
		case "disk":
			alias, err = attachDisk(dom, dev.disk)
		case "interface":
			alias, err = attachNet(dom, dev.net)
		default:
			err = lvErrorf(libvirt.ErrOperationUnsupported, libvirt.FromTest, "Operation not supported: ",
				"live attach of device '%s' is not supported", typ)
		}
		if err != nil || alias == "" {
			return err
		}
		msg := libvirt.DomainEventCallbackDeviceAddedMsg{Dom: dom.ref(), DevAlias: alias}
		d.emit(ctx, famDomain, int32(libvirt.DomainEventIDDeviceAdded), dom.uuid, libvirt.ProcDomainEventCallbackDeviceAdded,
			func(cb int32) encodable { m := msg; m.CallbackID = cb; return &m })
		return nil
	})
}

const prefixUnsupported = "Operation not supported: "

func attachDisk(dom *domain, dk *libvirtxml.DomainDisk) (string, error) {
	if dk.Device == "floppy" {
		return "", lvError(libvirt.ErrOperationUnsupported, libvirt.FromTest, prefixUnsupported, "floppy device hotplug isn't supported")
	}
	cur := dom.running().doc.Devices.Disks
	if dk.Device == "cdrom" {
		for _, o := range cur {
			if o.Target != nil && o.Target.Dev == dk.Target.Dev {
				// New media in an existing drive: no event.
				def := dom.liveForChange()
				for i := range def.doc.Devices.Disks {
					if t := def.doc.Devices.Disks[i].Target; t != nil && t.Dev == dk.Target.Dev {
						def.doc.Devices.Disks[i].Source = dk.Source
					}
				}
				def.deriveDevices()
				return "", nil
			}
		}
	}
	for _, o := range cur {
		if o.Target != nil && o.Target.Dev == dk.Target.Dev {
			return "", xmlError(fmt.Sprintf("target '%s' duplicated for disk sources '%s' and '%s'",
				dk.Target.Dev, diskSource(&o), diskSource(dk)))
		}
	}
	switch dk.Target.Bus {
	case "usb":
	case "virtio":
		if dk.Device == "cdrom" {
			return "", lvError(libvirt.ErrOperationUnsupported, libvirt.FromTest, prefixUnsupported, "cdrom device with virtio bus isn't supported")
		}
	default:
		return "", lvErrorf(libvirt.ErrOperationUnsupported, libvirt.FromTest, prefixUnsupported, "disk bus '%s' cannot be hotplugged.", dk.Target.Bus)
	}
	if dk.Alias == nil {
		dk.Alias = &libvirtxml.DomainAlias{Name: fmt.Sprintf("%s-disk%d", dk.Target.Bus, diskIndex(dk.Target.Dev))}
	}
	def := dom.liveForChange()
	devs := def.doc.Devices
	// virDomainDiskInsert: before the first disk on the same bus with a
	// later target, else after the last disk on that bus, else last.
	at := -1
	for i := len(devs.Disks) - 1; i >= 0; i-- {
		o := devs.Disks[i]
		if o.Target == nil || o.Target.Bus != dk.Target.Bus {
			continue
		}
		if diskIndex(o.Target.Dev) > diskIndex(dk.Target.Dev) {
			at = i
		} else if at == -1 {
			at = i + 1
		}
	}
	if at < 0 {
		at = len(devs.Disks)
	}
	devs.Disks = append(devs.Disks[:at], append([]libvirtxml.DomainDisk{*dk}, devs.Disks[at:]...)...)
	def.deriveDevices()
	return dk.Alias.Name, nil
}

func attachNet(dom *domain, n *libvirtxml.DomainInterface) (string, error) {
	typ := interfaceType(n)
	if typ != "ethernet" && typ != "bridge" {
		return "", lvErrorf(libvirt.ErrOperationUnsupported, libvirt.FromTest, prefixUnsupported,
			"hotplug of interface type of %s is not implemented yet", typ)
	}
	def := dom.liveForChange()
	devs := def.doc.Devices
	if n.Alias == nil {
		idx := 0
		for _, o := range devs.Interfaces {
			if o.Alias == nil || !strings.HasPrefix(o.Alias.Name, "net") {
				continue
			}
			if i, err := strconv.Atoi(o.Alias.Name[3:]); err == nil && i >= idx {
				idx = i + 1
			}
		}
		n.Alias = &libvirtxml.DomainAlias{Name: fmt.Sprintf("net%d", idx)}
	}
	devs.Interfaces = append(devs.Interfaces, *n)
	def.deriveDevices()
	return n.Alias.Name, nil
}

// DomainDetachDeviceAlias unplugs a device of a running domain by its
// alias; only VIR_DOMAIN_AFFECT_LIVE is accepted.
func (d *driver) DomainDetachDeviceAlias(ctx context.Context, args *protocol.DomainDetachDeviceAliasArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		flags, err := dom.modificationImpact(uint32(args.Flags))
		if err != nil {
			return err
		}
		if extra := flags &^ uint32(libvirt.DomainAffectLive); extra != 0 {
			return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, "",
				"unsupported flags (0x%x) in function testDomainDetachDeviceAliasLiveAndConfig", extra)
		}
		if err := detachAlias(dom, args.Alias); err != nil {
			return err
		}
		msg := libvirt.DomainEventDeviceRemovedMsg{Dom: dom.ref(), DevAlias: args.Alias}
		d.emit(ctx, famDomain, int32(libvirt.DomainEventIDDeviceRemoved), dom.uuid, libvirt.ProcDomainEventCallbackDeviceRemoved,
			func(cb int32) encodable {
				return &libvirt.DomainEventCallbackDeviceRemovedMsg{CallbackID: cb, Msg: msg}
			})
		d.emitLegacy(ctx, int32(libvirt.DomainEventIDDeviceRemoved), libvirt.ProcDomainEventDeviceRemoved, &msg)
		return nil
	})
}

func detachAlias(dom *domain, alias string) error {
	cur := dom.running().doc.Devices
	for i, dk := range cur.Disks {
		if dk.Alias == nil || dk.Alias.Name != alias {
			continue
		}
		bus := ""
		if dk.Target != nil {
			bus = dk.Target.Bus
		}
		switch {
		case dk.Device == "disk" || dk.Device == "lun":
			if bus != "virtio" && bus != "usb" && bus != "scsi" {
				return lvError(libvirt.ErrOperationUnsupported, libvirt.FromTest, prefixUnsupported, "This type of disk cannot be hot unplugged")
			}
		case dk.Device == "cdrom" && (bus == "usb" || bus == "scsi"):
		default:
			return lvErrorf(libvirt.ErrOperationUnsupported, libvirt.FromTest, prefixUnsupported, "disk device type '%s' cannot be detached", dk.Device)
		}
		def := dom.liveForChange()
		def.doc.Devices.Disks = append(def.doc.Devices.Disks[:i:i], def.doc.Devices.Disks[i+1:]...)
		def.deriveDevices()
		return nil
	}
	for i, n := range cur.Interfaces {
		if n.Alias == nil || n.Alias.Name != alias {
			continue
		}
		if typ := interfaceType(&n); typ != "ethernet" && typ != "bridge" {
			return lvErrorf(libvirt.ErrOperationUnsupported, libvirt.FromTest, prefixUnsupported, "live detach of interface type %s is not implemented yet", typ)
		}
		def := dom.liveForChange()
		def.doc.Devices.Interfaces = append(def.doc.Devices.Interfaces[:i:i], def.doc.Devices.Interfaces[i+1:]...)
		def.deriveDevices()
		return nil
	}
	if detachHostdevAlias(dom, alias) {
		return nil
	}
	return lvErrorf(libvirt.ErrInternalError, libvirt.FromDomain, prefixInternal, "no device found with alias %s", alias)
}

// DomainUpdateDeviceFlags replaces a disk (matched by target) in the
// running and/or persistent definition; a persistent change sends the
// defined/updated event.
func (d *driver) DomainUpdateDeviceFlags(ctx context.Context, args *protocol.DomainUpdateDeviceFlagsArgs) error {
	return d.withDomain(args.Dom, func(dom *domain) error {
		flags, err := dom.modificationImpact(uint32(args.Flags))
		if err != nil {
			return err
		}
		dev, typ, err := parseDevice(args.XML)
		if err != nil {
			return err
		}
		if dev.kind != "disk" {
			return lvErrorf(libvirt.ErrOperationUnsupported, libvirt.FromTest, prefixUnsupported,
				"persistent update of device '%s' is not supported", typ)
		}
		var config *domainDef
		if flags&uint32(libvirt.DomainAffectConfig) != 0 {
			config = dom.def.clone()
			if err := replaceDisk(config, dev.disk); err != nil {
				return err
			}
		}
		if flags&uint32(libvirt.DomainAffectLive) != 0 {
			live := dom.running().clone()
			if err := replaceDisk(live, dev.disk); err != nil {
				return err
			}
			if dom.persistent {
				dom.live = live
			} else {
				dom.def = live
			}
		}
		if config != nil {
			if dom.live == nil && dom.active() {
				dom.live = dom.def
			}
			dom.def = config
			d.emitLifecycle(ctx, dom, libvirt.DomainEventDefined, int32(libvirt.DomainEventDefinedUpdated))
		}
		return nil
	})
}

func replaceDisk(def *domainDef, dk *libvirtxml.DomainDisk) error {
	for i, o := range def.doc.Devices.Disks {
		if o.Target != nil && o.Target.Dev == dk.Target.Dev {
			def.doc.Devices.Disks[i] = *dk
			addDiskControllers(def.doc.Devices, dk.Target.Bus)
			def.deriveDevices()
			return nil
		}
	}
	return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromTest, prefixInvArg, "target %s doesn't exist.", dk.Target.Dev)
}

// hasUSB tells whether a definition has a USB controller (other than
// model='none'): libvirt adds none by itself to a test domain.
func hasUSB(def *domainDef) bool {
	for _, c := range def.doc.Devices.Controllers {
		if c.Type == "usb" && c.Model != "none" {
			return true
		}
	}
	return false
}
