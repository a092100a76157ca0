package libvirttest

import (
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/virtwire/libvirt"
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
}

// domainDef is a parsed domain definition.
type domainDef struct {
	xml     string // as given
	name    string
	uuid    libvirt.UUID
	typ     string
	maxKiB  uint64
	memKiB  uint64
	vcpus   int
	maxCPUs int
	osType  string
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
	def := &domainDef{xml: doc, name: strings.TrimSpace(v.Name), typ: v.Type, osType: strings.TrimSpace(v.OS.Type.Value)}
	if def.typ == "" {
		return nil, xmlError("missing domain type attribute")
	}
	if def.name == "" {
		return nil, lvError(libvirt.ErrNoName, libvirt.FromDomain, "missing name information", "")
	}
	if def.osType == "" {
		return nil, xmlError("an os <type> must be specified")
	}
	u, err := uuidOrNew(v.UUID)
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
	def.maxKiB = maxB / 1024
	def.memKiB = def.maxKiB
	if curB, ok, err := v.CurrentMemory.bytes("kib"); err != nil {
		return nil, err
	} else if ok && curB/1024 < def.maxKiB {
		def.memKiB = curB / 1024
	}
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
	return def, nil
}
