//go:build integration

package libvirttest_test

import (
	"context"
	"strings"

	"github.com/virtwire/libvirt"
)

const devDomainXML = `<domain type='test'>
  <name>m5</name>
  <memory unit='MiB'>128</memory>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/m5.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/guest/m5.iso'/>
      <target dev='hdc'/>
      <readonly/>
    </disk>
    <interface type='bridge'>
      <mac address='52:54:00:5e:00:01'/>
      <source bridge='br0'/>
    </interface>
  </devices>
</domain>`

// updateDeviceSince is the libvirt version whose test driver first
// serves device update (attach and detach came in 10.0).
const updateDeviceSince = 10_006_000

// deviceSteps hot-plug, unplug and update devices of a running domain
// and compare the XML after each change (live and inactive).
func deviceSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	withDom := func(f func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error)) func(ctx context.Context, s *side) ([]any, error) {
		return func(ctx context.Context, s *side) ([]any, error) {
			dom, err := s.c.DomainLookupByName(ctx, "m5")
			if err != nil {
				return nil, err
			}
			return f(ctx, s, dom)
		}
	}
	attach := func(doc string, flags libvirt.DomainDeviceModifyFlags) func(ctx context.Context, s *side) ([]any, error) {
		return withDom(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
			return nil, s.c.DomainAttachDeviceFlags(ctx, dom, doc, flags)
		})
	}
	detach := func(alias string, flags libvirt.DomainDeviceModifyFlags) func(ctx context.Context, s *side) ([]any, error) {
		return withDom(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
			return nil, s.c.DomainDetachDeviceAlias(ctx, dom, alias, flags)
		})
	}
	update := func(doc string, flags libvirt.DomainDeviceModifyFlags) func(ctx context.Context, s *side) ([]any, error) {
		return withDom(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
			return nil, s.c.DomainUpdateDeviceFlags(ctx, dom, doc, flags)
		})
	}
	dumpxml := func(flags libvirt.DomainXMLFlags) func(ctx context.Context, s *side) ([]any, error) {
		return withDom(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
			return xmlDoc(s.c.DomainGetXMLDesc(ctx, dom, flags))
		})
	}
	const (
		vdb    = `<disk type='file' device='disk'><source file='/guest/m5b.img'/><target dev='vdb' bus='virtio'/></disk>`
		sdb    = `<disk type='file' device='disk'><source file='/guest/m5s.img'/><target dev='sdb' bus='usb'/></disk>`
		hdd    = `<disk type='file' device='disk'><source file='/guest/m5h.img'/><target dev='hdd'/></disk>`
		floppy = `<disk type='file' device='floppy'><source file='/guest/m5.fd'/><target dev='fda'/></disk>`
		cdrom  = `<disk type='file' device='cdrom'><source file='/guest/m5-new.iso'/><target dev='hdc'/><readonly/></disk>`
		br     = `<interface type='bridge'><mac address='52:54:00:5e:00:02'/><source bridge='br1'/></interface>`
		netw   = `<interface type='network'><source network='default'/></interface>`
		vda2   = `<disk type='file' device='disk'><source file='/guest/m5-updated.img'/><target dev='vda' bus='virtio'/></disk>`
		vdc    = `<disk type='file' device='disk'><source file='/guest/m5c.img'/><target dev='vdc' bus='virtio'/></disk>`
		vdz    = `<disk type='file' device='disk'><source file='/guest/m5z.img'/><target dev='vdz' bus='virtio'/></disk>`
	)
	live, config := libvirt.DomainDeviceModifyLive, libvirt.DomainDeviceModifyConfig

	add("dev define m5", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainDefineXML(ctx, devDomainXML)
		return r(v), err
	})
	add("dev attach inactive", libvirt.ProcDomainAttachDeviceFlags, attach(vdb, 0))
	add("dev attach inactive live", libvirt.ProcDomainAttachDeviceFlags, attach(vdb, live))
	add("dev start m5", libvirt.ProcDomainCreate, withDom(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
		_, err := s.c.DomainCreate(ctx, dom)
		return nil, err
	}))
	add("dev attach vdb", libvirt.ProcDomainAttachDeviceFlags, attach(vdb, 0))
	add("dev xml after vdb", libvirt.ProcDomainGetXMLDesc, dumpxml(0))
	add("dev xml inactive after vdb", libvirt.ProcDomainGetXMLDesc, dumpxml(libvirt.DomainXMLInactive))
	add("dev attach vdb again", libvirt.ProcDomainAttachDeviceFlags, attach(vdb, live))
	add("dev attach ide", libvirt.ProcDomainAttachDeviceFlags, attach(hdd, 0))
	add("dev attach floppy", libvirt.ProcDomainAttachDeviceFlags, attach(floppy, 0))
	add("dev attach config", libvirt.ProcDomainAttachDeviceFlags, attach(vdb, live|config))
	add("dev attach media", libvirt.ProcDomainAttachDeviceFlags, attach(cdrom, 0))
	add("dev attach bridge", libvirt.ProcDomainAttachDeviceFlags, attach(br, 0))
	add("dev attach network", libvirt.ProcDomainAttachDeviceFlags, attach(netw, 0))
	add("dev attach video", libvirt.ProcDomainAttachDeviceFlags, attach(`<video><model type='vga'/></video>`, 0))
	add("dev attach malformed", libvirt.ProcDomainAttachDeviceFlags, attach(`<disk`, 0))
	add("dev attach usb", libvirt.ProcDomainAttachDeviceFlags, attach(sdb, 0))
	add("dev attach legacy", libvirt.ProcDomainAttachDevice, withDom(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
		return nil, s.c.DomainAttachDevice(ctx, dom, vdc)
	}))
	add("dev xml after attaches", libvirt.ProcDomainGetXMLDesc, dumpxml(0))
	add("dev xml inactive after attaches", libvirt.ProcDomainGetXMLDesc, dumpxml(libvirt.DomainXMLInactive))
	add("dev detach vdb", libvirt.ProcDomainDetachDeviceAlias, detach("virtio-disk1", 0))
	add("dev detach net0", libvirt.ProcDomainDetachDeviceAlias, detach("net0", live))
	add("dev detach missing", libvirt.ProcDomainDetachDeviceAlias, detach("nope", 0))
	add("dev detach config", libvirt.ProcDomainDetachDeviceAlias, detach("virtio-disk2", config))
	add("dev detach legacy", libvirt.ProcDomainDetachDevice, withDom(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
		return nil, s.c.DomainDetachDevice(ctx, dom, sdb)
	}))
	add("dev detach flags", libvirt.ProcDomainDetachDeviceFlags, withDom(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
		return nil, s.c.DomainDetachDeviceFlags(ctx, dom, sdb, 0)
	}))
	add("dev detach vdc", libvirt.ProcDomainDetachDeviceAlias, detach("virtio-disk2", live))
	add("dev xml after detaches", libvirt.ProcDomainGetXMLDesc, dumpxml(0))
	add("dev update live", libvirt.ProcDomainUpdateDeviceFlags, update(vda2, 0))
	add("dev update config", libvirt.ProcDomainUpdateDeviceFlags, update(vda2, config))
	add("dev update missing", libvirt.ProcDomainUpdateDeviceFlags, update(vdz, live))
	add("dev update interface", libvirt.ProcDomainUpdateDeviceFlags, update(br, live))
	add("dev update bogus", libvirt.ProcDomainUpdateDeviceFlags, update(vda2, bogus))
	add("dev xml after update", libvirt.ProcDomainGetXMLDesc, dumpxml(0))
	add("dev xml inactive after update", libvirt.ProcDomainGetXMLDesc, dumpxml(libvirt.DomainXMLInactive))
	// Host devices: PCI ones are attached to the running definition.
	for _, hd := range []struct{ name, doc string }{
		{"pci", `<hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source></hostdev>`},
		{"pci alias", `<hostdev mode='subsystem' type='pci' managed='yes'><driver name='vfio'/><source><address domain='0x0000' bus='0x06' slot='0x12' function='0x6'/></source><alias name='ua-hd1'/><address type='pci' domain='0x0000' bus='0x00' slot='0x09' function='0x0'/></hostdev>`},
		{"pci other alias", `<hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x06' slot='0x12' function='0x7'/></source><alias name='hostdev7'/></hostdev>`},
		{"pci again", `<hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source></hostdev>`},
		{"pci no address", `<hostdev mode='subsystem' type='pci'><source/></hostdev>`},
		{"pci xen", `<hostdev mode='subsystem' type='pci'><driver name='xen'/><source><address domain='0x0000' bus='0x06' slot='0x13' function='0x0'/></source></hostdev>`},
		{"usb", `<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/></source></hostdev>`},
		{"scsi", `<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/></source></hostdev>`},
		{"mdev", `<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>`},
		{"caps storage", `<hostdev mode='capabilities' type='storage'><source><block>/dev/sdf1</block></source></hostdev>`},
		{"caps misc", `<hostdev mode='capabilities' type='misc'><source><char>/dev/input/event3</char></source></hostdev>`},
	} {
		add("dev attach hostdev "+hd.name, libvirt.ProcDomainAttachDeviceFlags, attach(hd.doc, 0))
	}
	add("dev xml after hostdevs", libvirt.ProcDomainGetXMLDesc, dumpxml(0))
	add("dev xml inactive after hostdevs", libvirt.ProcDomainGetXMLDesc, dumpxml(libvirt.DomainXMLInactive))
	add("dev detach hostdev", libvirt.ProcDomainDetachDeviceAlias, detach("ua-hd1", 0))
	add("dev detach hostdev other alias", libvirt.ProcDomainDetachDeviceAlias, detach("hostdev7", 0))
	add("dev xml after hostdev detach", libvirt.ProcDomainGetXMLDesc, dumpxml(0))
	add("dev destroy m5", libvirt.ProcDomainDestroy, withDom(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
		return nil, s.c.DomainDestroy(ctx, dom)
	}))
	add("dev xml after destroy", libvirt.ProcDomainGetXMLDesc, dumpxml(0))
	add("dev update inactive", libvirt.ProcDomainUpdateDeviceFlags, update(vda2, 0))
	add("dev xml after inactive update", libvirt.ProcDomainGetXMLDesc, dumpxml(0))
	// A transient domain's devices change its only definition.
	add("dev create transient t2", libvirt.ProcDomainCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreateXML(ctx, strings.Replace(devDomainXML, "<name>m5</name>", "<name>t2</name>", 1), 0)
		return r(v), err
	})
	t2 := func(f func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error)) func(ctx context.Context, s *side) ([]any, error) {
		return func(ctx context.Context, s *side) ([]any, error) {
			dom, err := s.c.DomainLookupByName(ctx, "t2")
			if err != nil {
				return nil, err
			}
			return f(ctx, s, dom)
		}
	}
	add("dev attach t2", libvirt.ProcDomainAttachDeviceFlags, t2(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
		return nil, s.c.DomainAttachDeviceFlags(ctx, dom, br, 0)
	}))
	add("dev update t2 config", libvirt.ProcDomainUpdateDeviceFlags, t2(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
		return nil, s.c.DomainUpdateDeviceFlags(ctx, dom, vda2, config)
	}))
	add("dev update t2", libvirt.ProcDomainUpdateDeviceFlags, t2(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
		return nil, s.c.DomainUpdateDeviceFlags(ctx, dom, vda2, 0)
	}))
	for _, f := range []libvirt.DomainXMLFlags{0, libvirt.DomainXMLInactive} {
		f := f
		add("dev xml t2", libvirt.ProcDomainGetXMLDesc, t2(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
			return xmlDoc(s.c.DomainGetXMLDesc(ctx, dom, f))
		}))
	}
	add("dev destroy t2", libvirt.ProcDomainDestroy, t2(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
		return nil, s.c.DomainDestroy(ctx, dom)
	}))
	add("dev undefine m5", libvirt.ProcDomainUndefine, withDom(func(ctx context.Context, s *side, dom libvirt.Domain) ([]any, error) {
		return nil, s.c.DomainUndefine(ctx, dom)
	}))
	return steps
}
