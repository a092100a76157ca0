//go:build integration

package libvirttest_test

import (
	"context"
	"strings"

	"github.com/virtwire/libvirt"
)

// The definitions xmlSteps send. Each is returned by libvirt in its
// canonical form, with defaults filled in; the fake must return the same
// document byte for byte (generated UUIDs, MACs and times aside).

const xmlMinimalDomain = `<domain type='test'><name>m1</name><memory>65536</memory><os><type>hvm</type></os></domain>`

const xmlFullDomain = `<domain type='test'>
  <name>m2</name>
  <uuid>4dea22b3-1d52-d8f3-2516-782e98a23fa0</uuid>
  <title>A title</title>
  <description>Some &lt;text&gt; &amp; 'quotes'</description>
  <memory unit='MiB'>1024</memory>
  <currentMemory unit='MiB'>512</currentMemory>
  <vcpu current='1'>4</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='cdrom'/>
    <boot dev='hd'/>
  </os>
  <features><acpi/><apic/><pae/></features>
  <cpu mode='host-model'/>
  <clock offset='localtime'/>
  <on_reboot>destroy</on_reboot>
  <on_crash>restart</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/guest/m2.img'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/guest/m2.iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <disk type='block' device='disk'>
      <source dev='/dev/sdz'/>
      <target dev='sda' bus='scsi'/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:11:22:33'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <interface type='bridge'>
      <source bridge='br0'/>
    </interface>
    <serial type='pty'/>
    <console type='pty'/>
    <input type='tablet' bus='usb'/>
    <graphics type='vnc' port='-1' autoport='yes' passwd='secret'/>
    <video><model type='vga'/></video>
    <memballoon model='none'/>
  </devices>
</domain>`

const xmlUnitsDomain = `<domain type='test'>
  <name>m3</name>
  <memory unit='G'>2</memory>
  <currentMemory unit='M'>1000</currentMemory>
  <memoryBacking><hugepages/></memoryBacking>
  <vcpu placement='auto'>2</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file'>
      <source file='/guest/m3.img'/>
      <target dev='hda'/>
    </disk>
    <interface type='user'/>
  </devices>
</domain>`

const xmlKitchenSinkDomain = `<domain type='test'>
  <name>m6</name>
  <memory>131072</memory>
  <vcpu>4</vcpu>
  <cpu mode='custom' match='exact'><model>qemu64</model><topology sockets='1' cores='2' threads='2'/></cpu>
  <os><type arch='x86_64'>hvm</type></os>
  <features><acpi/><apic/><vmport state='off'/></features>
  <pm><suspend-to-mem enabled='no'/></pm>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source file='/guest/m6.img'/>
      <target dev='vda' bus='virtio'/>
      <boot order='1'/>
    </disk>
    <controller type='usb' model='qemu-xhci'/>
    <interface type='bridge'>
      <source bridge='br0'/>
      <model type='e1000'/>
      <link state='up'/>
    </interface>
    <serial type='file'><source path='/tmp/s'/></serial>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <input type='keyboard' bus='usb'/>
    <watchdog model='i6300esb'/>
    <sound model='ich6'/>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
  </devices>
</domain>`

const xmlKBDomain = `<domain type='test'><name>m4</name><memory unit='KB'>1000000</memory><os><type>xen</type></os><unknownelem foo='bar'/><devices><memballoon model='virtio'/></devices></domain>`

const xmlMinimalNet = `<network><name>n1</name></network>`

const xmlFullNet = `<network>
  <name>n2</name>
  <uuid>7b5d6a6e-0a43-4c2a-9a0e-1b5b2a7d3c11</uuid>
  <forward mode='route'/>
  <bridge name='difftbr0'/>
  <mac address='52:54:00:aa:bb:cc'/>
  <domain name='example.org'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.150.10' end='192.168.150.20'/><host mac='52:54:00:00:00:01' name='h1' ip='192.168.150.11'/></dhcp>
  </ip>
  <ip family='ipv6' address='fd00::1' prefix='64'/>
</network>`

const xmlBridgeNet = `<network><name>n3</name><forward mode='bridge'/><bridge name='br5'/></network>`

const xmlDirPool = `<pool type='dir'><name>p1</name><target><path>/p1</path></target></pool>`

const xmlLogicalPool = `<pool type='logical'><name>p2</name><source><device path='/dev/sdx'/><name>vg</name></source><target><path>/dev/vg</path><permissions><mode>0755</mode></permissions></target></pool>`

const xmlRawVol = `<volume><name>v1.img</name><capacity unit='M'>10</capacity></volume>`

const xmlQcowVol = `<volume type='file'><name>v2.qcow2</name><capacity>1048576</capacity><allocation unit='KiB'>4</allocation><target><format type='qcow2'/><permissions><mode>0600</mode></permissions></target></volume>`

// xmlDoc splits a returned document into lines, one return value each,
// so that a difference names the first line that differs.
func xmlDoc(doc string, err error) ([]any, error) {
	var out []any
	for _, l := range strings.Split(doc, "\n") {
		out = append(out, l)
	}
	return out, err
}

// xmlSteps define objects from several documents (minimal ones, many
// devices, units other than KiB, unknown elements) and compare the full
// XML each side returns, with the flags dumpxml takes.
func xmlSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	domXML := func(name string, flags libvirt.DomainXMLFlags) func(ctx context.Context, s *side) ([]any, error) {
		return func(ctx context.Context, s *side) ([]any, error) {
			dom, err := s.c.DomainLookupByName(ctx, name)
			if err != nil {
				return nil, err
			}
			return xmlDoc(s.c.DomainGetXMLDesc(ctx, dom, flags))
		}
	}
	for _, f := range []struct {
		name  string
		flags libvirt.DomainXMLFlags
	}{{"", 0}, {" inactive", libvirt.DomainXMLInactive}, {" secure", libvirt.DomainXMLSecure}, {" migratable", libvirt.DomainXMLMigratable}, {" update-cpu", libvirt.DomainXMLUpdateCPU}} {
		add("xml test"+f.name, libvirt.ProcDomainGetXMLDesc, domXML("test", f.flags))
	}
	for _, d := range []struct{ name, doc string }{{"m1", xmlMinimalDomain}, {"m2", xmlFullDomain}, {"m3", xmlUnitsDomain}, {"m4", xmlKBDomain}, {"m6", xmlKitchenSinkDomain}} {
		d := d
		add("xml define "+d.name, libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainDefineXML(ctx, d.doc)
			return r(v), err
		})
		add("xml "+d.name, libvirt.ProcDomainGetXMLDesc, domXML(d.name, 0))
		add("xml "+d.name+" secure", libvirt.ProcDomainGetXMLDesc, domXML(d.name, libvirt.DomainXMLSecure))
		add("xml "+d.name+" migratable", libvirt.ProcDomainGetXMLDesc, domXML(d.name, libvirt.DomainXMLMigratable))
	}
	for _, name := range []string{"m1", "m2"} {
		name := name
		add("xml start "+name, libvirt.ProcDomainCreate, func(ctx context.Context, s *side) ([]any, error) {
			dom, err := s.c.DomainLookupByName(ctx, name)
			if err != nil {
				return nil, err
			}
			_, err = s.c.DomainCreate(ctx, dom)
			return nil, err
		})
		add("xml "+name+" running", libvirt.ProcDomainGetXMLDesc, domXML(name, 0))
		add("xml "+name+" running inactive", libvirt.ProcDomainGetXMLDesc, domXML(name, libvirt.DomainXMLInactive))
	}
	add("xml m1 setmem", libvirt.ProcDomainSetMemoryFlags, func(ctx context.Context, s *side) ([]any, error) {
		dom, err := s.c.DomainLookupByName(ctx, "m1")
		if err != nil {
			return nil, err
		}
		return nil, s.c.DomainSetMemoryFlags(ctx, dom, 32768, libvirt.DomainMemLive)
	})
	add("xml m1 after setmem", libvirt.ProcDomainGetXMLDesc, domXML("m1", 0))
	// A redefinition of a running domain waits for its next boot.
	add("xml redefine m2 running", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		doc := strings.Replace(strings.Replace(xmlFullDomain, "<title>A title</title>", "<title>New title</title>", 1),
			"<memory unit='MiB'>1024</memory>", "<memory unit='MiB'>2048</memory>", 1)
		v, err := s.c.DomainDefineXML(ctx, doc)
		return r(v), err
	})
	add("xml m2 after redefine", libvirt.ProcDomainGetXMLDesc, domXML("m2", 0))
	add("xml m2 after redefine inactive", libvirt.ProcDomainGetXMLDesc, domXML("m2", libvirt.DomainXMLInactive))
	// A transient domain has one definition.
	add("xml create transient", libvirt.ProcDomainCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		doc := strings.Replace(xmlUnitsDomain, "<name>m3</name>", "<name>t1</name>", 1)
		v, err := s.c.DomainCreateXML(ctx, doc, 0)
		return r(v), err
	})
	add("xml t1", libvirt.ProcDomainGetXMLDesc, domXML("t1", 0))
	add("xml t1 inactive", libvirt.ProcDomainGetXMLDesc, domXML("t1", libvirt.DomainXMLInactive))
	add("xml t1 set title", libvirt.ProcDomainSetMetadata, func(ctx context.Context, s *side) ([]any, error) {
		dom, err := s.c.DomainLookupByName(ctx, "t1")
		if err != nil {
			return nil, err
		}
		title := "transient <title>"
		return nil, s.c.DomainSetMetadata(ctx, dom, libvirt.DomainMetadataTitle, &title, nil, nil, libvirt.DomainAffectLive)
	})
	add("xml t1 set title config", libvirt.ProcDomainSetMetadata, func(ctx context.Context, s *side) ([]any, error) {
		dom, err := s.c.DomainLookupByName(ctx, "t1")
		if err != nil {
			return nil, err
		}
		title := "x"
		return nil, s.c.DomainSetMetadata(ctx, dom, libvirt.DomainMetadataTitle, &title, nil, nil, libvirt.DomainAffectConfig)
	})
	add("xml t1 after title", libvirt.ProcDomainGetXMLDesc, domXML("t1", 0))
	add("xml destroy t1", libvirt.ProcDomainDestroy, func(ctx context.Context, s *side) ([]any, error) {
		dom, err := s.c.DomainLookupByName(ctx, "t1")
		if err != nil {
			return nil, err
		}
		return nil, s.c.DomainDestroy(ctx, dom)
	})

	// Snapshots embed the domain's canonical definition.
	snapXML := func(dom, snap string, flags libvirt.DomainSnapshotXMLFlags) func(ctx context.Context, s *side) ([]any, error) {
		return func(ctx context.Context, s *side) ([]any, error) {
			d, err := s.c.DomainLookupByName(ctx, dom)
			if err != nil {
				return nil, err
			}
			return xmlDoc(s.c.DomainSnapshotGetXMLDesc(ctx, libvirt.DomainSnapshot{Name: snap, Dom: d}, flags))
		}
	}
	snapCreate := func(dom, doc string) func(ctx context.Context, s *side) ([]any, error) {
		return func(ctx context.Context, s *side) ([]any, error) {
			d, err := s.c.DomainLookupByName(ctx, dom)
			if err != nil {
				return nil, err
			}
			v, err := s.c.DomainSnapshotCreateXML(ctx, d, doc, 0)
			return r(v.Name), err
		}
	}
	add("xml snapshot m2 running", libvirt.ProcDomainSnapshotCreateXML, snapCreate("m2", "<domainsnapshot><name>s1</name><description>first &amp; only</description></domainsnapshot>"))
	add("xml snapshot m2 s1", libvirt.ProcDomainSnapshotGetXMLDesc, snapXML("m2", "s1", 0))
	add("xml snapshot m2 s1 secure", libvirt.ProcDomainSnapshotGetXMLDesc, snapXML("m2", "s1", libvirt.DomainSnapshotXMLSecure))
	add("xml snapshot m2 child", libvirt.ProcDomainSnapshotCreateXML, snapCreate("m2", "<domainsnapshot><name>s2</name></domainsnapshot>"))
	add("xml snapshot m2 s2", libvirt.ProcDomainSnapshotGetXMLDesc, snapXML("m2", "s2", 0))
	add("xml snapshot m3 shutoff", libvirt.ProcDomainSnapshotCreateXML, snapCreate("m3", "<domainsnapshot/>"))
	add("xml snapshot m3", libvirt.ProcDomainSnapshotGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
		d, err := s.c.DomainLookupByName(ctx, "m3")
		if err != nil {
			return nil, err
		}
		snaps, err := s.c.DomainListAllSnapshots(ctx, d, 0)
		if err != nil || len(snaps) != 1 {
			return r(len(snaps)), err
		}
		// The name is the creation time: compared as <time>.
		doc, err := s.c.DomainSnapshotGetXMLDesc(ctx, snaps[0], 0)
		return xmlDoc(strings.Replace(doc, "<name>"+snaps[0].Name+"</name>", "<name>TIME</name>", 1), err)
	})
	for _, name := range []string{"m1", "m2"} {
		name := name
		add("xml destroy "+name, libvirt.ProcDomainDestroy, func(ctx context.Context, s *side) ([]any, error) {
			dom, err := s.c.DomainLookupByName(ctx, name)
			if err != nil {
				return nil, err
			}
			return nil, s.c.DomainDestroy(ctx, dom)
		})
	}
	for _, name := range []string{"m1", "m2", "m3", "m4", "m6"} {
		name := name
		add("xml undefine "+name, libvirt.ProcDomainUndefineFlags, func(ctx context.Context, s *side) ([]any, error) {
			dom, err := s.c.DomainLookupByName(ctx, name)
			if err != nil {
				return nil, err
			}
			return nil, s.c.DomainUndefineFlags(ctx, dom, libvirt.DomainUndefineSnapshotsMetadata)
		})
	}

	// Networks.
	netXML := func(name string, flags libvirt.NetworkXMLFlags) func(ctx context.Context, s *side) ([]any, error) {
		return func(ctx context.Context, s *side) ([]any, error) {
			n, err := s.c.NetworkLookupByName(ctx, name)
			if err != nil {
				return nil, err
			}
			return xmlDoc(s.c.NetworkGetXMLDesc(ctx, n, flags))
		}
	}
	add("xml net default", libvirt.ProcNetworkGetXMLDesc, netXML("default", 0))
	add("xml net default inactive", libvirt.ProcNetworkGetXMLDesc, netXML("default", libvirt.NetworkXMLInactive))
	for _, n := range []struct{ name, doc string }{{"n1", xmlMinimalNet}, {"n2", xmlFullNet}, {"n3", xmlBridgeNet}} {
		n := n
		add("xml net define "+n.name, libvirt.ProcNetworkDefineXML, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.NetworkDefineXML(ctx, n.doc)
			return r(v), err
		})
		add("xml net "+n.name, libvirt.ProcNetworkGetXMLDesc, netXML(n.name, 0))
	}
	add("xml net start n1", libvirt.ProcNetworkCreate, func(ctx context.Context, s *side) ([]any, error) {
		n, err := s.c.NetworkLookupByName(ctx, "n1")
		if err != nil {
			return nil, err
		}
		return nil, s.c.NetworkCreate(ctx, n)
	})
	add("xml net n1 running", libvirt.ProcNetworkGetXMLDesc, netXML("n1", 0))
	add("xml net destroy n1", libvirt.ProcNetworkDestroy, func(ctx context.Context, s *side) ([]any, error) {
		n, err := s.c.NetworkLookupByName(ctx, "n1")
		if err != nil {
			return nil, err
		}
		return nil, s.c.NetworkDestroy(ctx, n)
	})
	for _, name := range []string{"n1", "n2", "n3"} {
		name := name
		add("xml net undefine "+name, libvirt.ProcNetworkUndefine, func(ctx context.Context, s *side) ([]any, error) {
			n, err := s.c.NetworkLookupByName(ctx, name)
			if err != nil {
				return nil, err
			}
			return nil, s.c.NetworkUndefine(ctx, n)
		})
	}

	// Pools and volumes.
	poolXML := func(name string) func(ctx context.Context, s *side) ([]any, error) {
		return func(ctx context.Context, s *side) ([]any, error) {
			p, err := s.c.StoragePoolLookupByName(ctx, name)
			if err != nil {
				return nil, err
			}
			return xmlDoc(s.c.StoragePoolGetXMLDesc(ctx, p, 0))
		}
	}
	add("xml pool default", libvirt.ProcStoragePoolGetXMLDesc, poolXML("default-pool"))
	for _, p := range []struct{ name, doc string }{{"p1", xmlDirPool}, {"p2", xmlLogicalPool}} {
		p := p
		add("xml pool define "+p.name, libvirt.ProcStoragePoolDefineXML, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.StoragePoolDefineXML(ctx, p.doc, 0)
			return r(v), err
		})
		add("xml pool "+p.name, libvirt.ProcStoragePoolGetXMLDesc, poolXML(p.name))
		add("xml pool undefine "+p.name, libvirt.ProcStoragePoolUndefine, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.StoragePoolLookupByName(ctx, p.name)
			if err != nil {
				return nil, err
			}
			return nil, s.c.StoragePoolUndefine(ctx, v)
		})
	}
	for _, v := range []struct{ name, doc string }{{"v1.img", xmlRawVol}, {"v2.qcow2", xmlQcowVol}} {
		v := v
		add("xml vol create "+v.name, libvirt.ProcStorageVolCreateXML, func(ctx context.Context, s *side) ([]any, error) {
			p, err := s.c.StoragePoolLookupByName(ctx, "default-pool")
			if err != nil {
				return nil, err
			}
			vol, err := s.c.StorageVolCreateXML(ctx, p, v.doc, 0)
			return r(vol), err
		})
		add("xml vol "+v.name, libvirt.ProcStorageVolGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
			vol, err := s.c.StorageVolLookupByPath(ctx, "/default-pool/"+v.name)
			if err != nil {
				return nil, err
			}
			return xmlDoc(s.c.StorageVolGetXMLDesc(ctx, vol, 0))
		})
		add("xml vol delete "+v.name, libvirt.ProcStorageVolDelete, func(ctx context.Context, s *side) ([]any, error) {
			vol, err := s.c.StorageVolLookupByPath(ctx, "/default-pool/"+v.name)
			if err != nil {
				return nil, err
			}
			return nil, s.c.StorageVolDelete(ctx, vol, 0)
		})
	}

	// Host interface and node devices (fixed documents).
	add("xml iface eth1", libvirt.ProcInterfaceGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
		i, err := s.c.InterfaceLookupByName(ctx, "eth1")
		if err != nil {
			return nil, err
		}
		return xmlDoc(s.c.InterfaceGetXMLDesc(ctx, i, 0))
	})
	for _, name := range []string{"computer", "scsi_host1", "scsi_host11", "scsi_host2", "nope"} {
		name := name
		add("xml nodedev "+name, libvirt.ProcNodeDeviceGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
			return xmlDoc(s.c.NodeDeviceGetXMLDesc(ctx, name, 0))
		})
	}
	add("xml nodedev bogus", libvirt.ProcNodeDeviceGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
		return xmlDoc(s.c.NodeDeviceGetXMLDesc(ctx, "computer", bogus))
	})
	return steps
}
