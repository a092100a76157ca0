package libvirttest

import (
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/virtwire/libvirt"
	"libvirt.org/go/libvirtxml"
)

// domainDoc is the part of a domain's XML the driver reads.
type domainDoc struct {
	XMLName       xml.Name
	Type          string `xml:"type,attr"`
	Name          string `xml:"name"`
	UUID          string `xml:"uuid"`
	Memory        scaled `xml:"memory"`
	CurrentMemory scaled `xml:"currentMemory"`
	VCPU          struct {
		Value   string `xml:",chardata"`
		Current string `xml:"current,attr"`
	} `xml:"vcpu"`
	OS struct {
		Type struct {
			Value string `xml:",chardata"`
		} `xml:"type"`
	} `xml:"os"`
	Devices struct {
		Disks []struct {
			Device string `xml:"device,attr"`
			Source struct {
				File string `xml:"file,attr"`
				Dev  string `xml:"dev,attr"`
			} `xml:"source"`
			Target struct {
				Dev string `xml:"dev,attr"`
			} `xml:"target"`
		} `xml:"disk"`
		Interfaces []struct {
			Type string `xml:"type,attr"`
			MAC  struct {
				Address string `xml:"address,attr"`
			} `xml:"mac"`
			Source struct {
				Network string `xml:"network,attr"`
			} `xml:"source"`
			Target struct {
				Dev string `xml:"dev,attr"`
			} `xml:"target"`
		} `xml:"interface"`
		Memballoon *struct {
			Model string `xml:"model,attr"`
		} `xml:"memballoon"`
	} `xml:"devices"`
}

// diskDef is a disk of a domain: its target name and source path.
type diskDef struct {
	device, target, source string
	readonly               bool // <readonly/>, or a CD-ROM
}

// netDef is a network interface of a domain.
type netDef struct {
	typ, mac, network, ifname string
}

// domainDef is a parsed domain definition.
type domainDef struct {
	doc     *libvirtxml.Domain // parsed, with libvirt's defaults filled in
	name    string
	uuid    libvirt.UUID
	typ     string
	maxKiB  uint64
	memKiB  uint64
	vcpus   int
	maxCPUs int
	osType  string
	disks   []diskDef
	nets    []netDef
	balloon bool // a memory balloon other than model='none'
}

// parseDomain reads the fields the driver needs from a domain's XML and
// checks them the way libvirt's parser does.
func parseDomain(doc string) (*domainDef, error) {
	var v domainDoc
	if err := parseXML(doc, "domain_definition", &v); err != nil {
		return nil, err
	}
	if v.XMLName.Local != "domain" {
		return nil, xmlError("expected root element 'domain', not '" + v.XMLName.Local + "'")
	}
	def := &domainDef{name: strings.TrimSpace(v.Name), typ: v.Type, osType: strings.TrimSpace(v.OS.Type.Value)}
	if def.typ == "" {
		return nil, xmlError("missing domain type attribute")
	}
	if def.name == "" {
		return nil, lvError(libvirt.ErrNoName, libvirt.FromDomain, "missing name information", "")
	}
	if def.osType == "" {
		return nil, xmlError("an os <type> must be specified")
	}
	u, err := uuidOrNew(v.UUID, libvirt.FromDomain)
	if err != nil {
		return nil, err
	}
	def.uuid = u
	maxB, ok, err := v.Memory.bytes("kib")
	if err != nil {
		return nil, err
	}
	if !ok || maxB == 0 {
		return nil, xmlError("Memory size must be specified via <memory> or in the <numa> configuration")
	}
	// libvirt rounds sizes up to whole KiB.
	def.maxKiB = (maxB + 1023) / 1024
	def.memKiB = def.maxKiB
	if curB, ok, err := v.CurrentMemory.bytes("kib"); err != nil {
		return nil, err
	} else if ok && (curB+1023)/1024 < def.maxKiB {
		def.memKiB = (curB + 1023) / 1024
	}
	def.balloon = v.Devices.Memballoon != nil && v.Devices.Memballoon.Model != "none"
	def.maxCPUs, def.vcpus = 1, 1
	if s := strings.TrimSpace(v.VCPU.Value); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, xmlError("maximum vcpus count must be an integer")
		}
		def.maxCPUs, def.vcpus = n, n
		if c := strings.TrimSpace(v.VCPU.Current); c != "" {
			cur, err := strconv.Atoi(c)
			if err != nil || cur < 1 || cur > n {
				return nil, xmlError("current vcpus count must be an integer")
			}
			def.vcpus = cur
		}
	}
	x, err := parseDomainDoc(doc)
	if err != nil {
		return nil, err
	}
	def.doc = x
	def.deriveDevices()
	return def, nil
}

// deriveDevices fills the disk and interface lists the statistics calls
// use from the parsed definition (defaults applied: generated MACs and
// testnetN names).
func (def *domainDef) deriveDevices() {
	def.disks, def.nets = nil, nil
	for _, dk := range def.doc.Devices.Disks {
		src := ""
		if dk.Source != nil {
			if dk.Source.File != nil {
				src = dk.Source.File.File
			} else if dk.Source.Block != nil {
				src = dk.Source.Block.Dev
			}
		}
		target := ""
		if dk.Target != nil {
			target = dk.Target.Dev
		}
		ro := dk.ReadOnly != nil || dk.Device == "cdrom"
		def.disks = append(def.disks, diskDef{device: dk.Device, target: target, source: src, readonly: ro})
	}
	for _, n := range def.doc.Devices.Interfaces {
		nd := netDef{typ: interfaceType(&n)}
		if n.MAC != nil {
			nd.mac = strings.ToLower(n.MAC.Address)
		}
		if n.Target != nil {
			// Interfaces hot-plugged into a running domain have none.
			nd.ifname = n.Target.Dev
		}
		if n.Source != nil && n.Source.Network != nil {
			nd.network = n.Source.Network.Network
		}
		def.nets = append(def.nets, nd)
	}
}

// interfaceType is the type attribute libvirtxml keeps as the kind of
// the interface's source.
func interfaceType(n *libvirtxml.DomainInterface) string {
	if n.Source == nil {
		return ""
	}
	s := n.Source
	switch {
	case s.Network != nil:
		return "network"
	case s.Bridge != nil:
		return "bridge"
	case s.User != nil:
		return "user"
	case s.Ethernet != nil:
		return "ethernet"
	case s.Direct != nil:
		return "direct"
	}
	return ""
}
