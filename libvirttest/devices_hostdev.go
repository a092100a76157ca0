package libvirttest

import (
	"github.com/virtwire/libvirt"
	"libvirt.org/go/libvirtxml"
)

// Host device (<hostdev>) hotplug as libvirt 11.3's test driver does it:
// only PCI devices of the subsystem mode are attached (to the running
// definition, with no alias of their own and so no event unless the
// caller gave a "ua-" alias); nothing is checked against the host.

// hostdevSubsysType is the subsystem type a <hostdev> names and, for
// the capabilities mode, the type libvirt reads in its place (the two
// share storage in libvirt's definition: storage reads as usb, misc as
// pci, net as scsi).
func hostdevSubsysType(h *libvirtxml.DomainHostdev) string {
	switch {
	case h.SubsysUSB != nil, h.CapsStorage != nil:
		return "usb"
	case h.SubsysPCI != nil, h.CapsMisc != nil:
		return "pci"
	case h.SubsysSCSI != nil, h.CapsNet != nil:
		return "scsi"
	case h.SubsysSCSIHost != nil:
		return "scsi_host"
	case h.SubsysMDev != nil:
		return "mdev"
	}
	return ""
}

// hostdevTypeAsDriverName is libvirt's message for a refused subsystem
// type, which names the PCI driver whose number the type has.
var hostdevTypeAsDriverName = map[string]string{
	"usb": "default", "pci": "kvm", "scsi": "vfio", "scsi_host": "xen", "mdev": "(null)",
}

// hostdevCompatible is libvirt's check of a device against the domain
// before the driver sees it: USB host devices need a USB bus.
func hostdevCompatible(dom *domain, h *libvirtxml.DomainHostdev) error {
	if hostdevSubsysType(h) == "usb" && !hasUSB(dom.running()) {
		return lvError(libvirt.ErrConfigUnsupported, libvirt.FromDomain, "unsupported configuration: ",
			"Device configuration is not compatible: Domain has no USB bus support")
	}
	return nil
}

func attachHostdev(dom *domain, h *libvirtxml.DomainHostdev) (string, error) {
	unsupported := func(format string, a ...any) error {
		return lvErrorf(libvirt.ErrConfigUnsupported, libvirt.FromTest, "unsupported configuration: ", format, a...)
	}
	if h.CapsStorage != nil || h.CapsMisc != nil || h.CapsNet != nil {
		return "", unsupported("hotplug is not supported for hostdev mode '%s'", "capabilities")
	}
	if typ := hostdevSubsysType(h); typ != "pci" {
		return "", unsupported("hotplug is not supported for hostdev subsys type '%s'", hostdevTypeAsDriverName[typ])
	}
	pci := h.SubsysPCI
	if pci.Driver != nil && pci.Driver.Name == "xen" {
		return "", unsupported("test hypervisor does not support device assignment mode '%s'", "xen")
	}
	// The parser's defaults: unmanaged, and address 0000:00:00.0.
	if h.Managed == "" {
		h.Managed = "no"
	}
	if pci.Source == nil {
		pci.Source = &libvirtxml.DomainHostdevSubsysPCISource{}
	}
	if pci.Source.Address == nil {
		pci.Source.Address = &libvirtxml.DomainAddressPCI{}
	}
	a := pci.Source.Address
	for _, f := range []**uint{&a.Domain, &a.Bus, &a.Slot, &a.Function} {
		if *f == nil {
			*f = new(uint)
		}
	}
	def := dom.liveForChange()
	def.doc.Devices.Hostdevs = append(def.doc.Devices.Hostdevs, *h)
	def.deriveDevices()
	if h.Alias == nil {
		return "", nil
	}
	return h.Alias.Name, nil
}

// detachHostdevAlias removes the host device with the alias, if any.
func detachHostdevAlias(dom *domain, alias string) bool {
	for i, h := range dom.running().doc.Devices.Hostdevs {
		if h.Alias == nil || h.Alias.Name != alias {
			continue
		}
		def := dom.liveForChange()
		def.doc.Devices.Hostdevs = append(def.doc.Devices.Hostdevs[:i:i], def.doc.Devices.Hostdevs[i+1:]...)
		def.deriveDevices()
		return true
	}
	return false
}
