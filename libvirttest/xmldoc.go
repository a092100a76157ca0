package libvirttest

import (
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/virtwire/libvirt"
)

// The helpers here read the few fields the driver needs from a
// definition and raise libvirt's errors for documents it cannot use;
// canonxml.go and canondomain.go format definitions as libvirt does.

// xmlError is libvirt's error for a document it cannot use.
func xmlError(detail string) error {
	return xmlErrorIn(libvirt.FromDomain, detail)
}

// xmlErrorIn is xmlError raised by the parser of another kind of object,
// under that object's error domain.
func xmlErrorIn(dom libvirt.ErrorDomain, detail string) error {
	return lvError(libvirt.ErrXMLError, dom, prefixXML, detail)
}

// xmlDomains are the error domains of libvirt's XML parsers, by the name
// the parser gives its document in errors.
var xmlDomains = map[string]libvirt.ErrorDomain{
	"domain_definition":         libvirt.FromDomain,
	"network_definition":        libvirt.FromNetwork,
	"network_update_xml":        libvirt.FromNetwork,
	"storage_pool_definition":   libvirt.FromStorage,
	"storage_volume_definition": libvirt.FromStorage,
	"secret_definition":         libvirt.FromSecret,
	"domainsnapshot":            libvirt.FromDomainSnapshot,
	"device_definition":         libvirt.FromDomain,
}

// xmlSyntaxError is libvirt's error for a document that is not
// well-formed XML.
func xmlSyntaxError(what string, err error) error {
	return lvErrorf(libvirt.ErrXMLDetail, xmlDomains[what], "", "(%s): %v", what, err)
}

// parseXML decodes doc into v, which names its root element.
func parseXML(doc, what string, v any) error {
	if err := xml.Unmarshal([]byte(doc), v); err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return xmlSyntaxError(what, err)
		}
		return xmlErrorIn(xmlDomains[what], err.Error())
	}
	return nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() libvirt.UUID {
	var u libvirt.UUID
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// uuidOrNew parses s, or makes a new UUID when s is empty. A malformed
// UUID gets libvirt's "malformed uuid element" error, which the parsers
// raise as an internal error under the object's error domain (the
// storage pool parser as an XML error: see badUUIDIn).
func uuidOrNew(s string, dom libvirt.ErrorDomain) (libvirt.UUID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return newUUID(), nil
	}
	u, err := libvirt.ParseUUID(s)
	if err != nil {
		return u, badUUIDIn(dom)
	}
	return u, nil
}

func badUUIDIn(dom libvirt.ErrorDomain) error {
	if dom == libvirt.FromStorage {
		return xmlErrorIn(dom, "malformed uuid element")
	}
	return lvError(libvirt.ErrInternalError, dom, prefixInternal, "malformed uuid element")
}

// scaled is a number with libvirt's optional unit attribute.
type scaled struct {
	Value string `xml:",chardata"`
	Unit  string `xml:"unit,attr"`
}

// unitScale maps libvirt's size units to bytes.
var unitScale = map[string]uint64{
	"b": 1, "bytes": 1,
	"kb": 1000, "k": 1 << 10, "kib": 1 << 10,
	"mb": 1000 * 1000, "m": 1 << 20, "mib": 1 << 20,
	"gb": 1000 * 1000 * 1000, "g": 1 << 30, "gib": 1 << 30,
	"tb": 1000 * 1000 * 1000 * 1000, "t": 1 << 40, "tib": 1 << 40,
	"pb": 1000 * 1000 * 1000 * 1000 * 1000, "p": 1 << 50, "pib": 1 << 50,
}

// bytes returns the value in bytes; defUnit applies without a unit.
func (s scaled) bytes(defUnit string) (uint64, bool, error) {
	v := strings.TrimSpace(s.Value)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, true, xmlError(fmt.Sprintf("invalid value '%s'", v))
	}
	u := strings.ToLower(s.Unit)
	if u == "" {
		u = defUnit
	}
	m, ok := unitScale[u]
	if !ok {
		return 0, true, xmlError(fmt.Sprintf("unknown suffix '%s'", s.Unit))
	}
	return n * m, true, nil
}
