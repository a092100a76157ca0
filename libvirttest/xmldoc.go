package libvirttest

import (
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/virtwire/libvirt"
)

// Objects keep the XML they were defined with verbatim; the helpers here
// read the few fields the driver needs and make the small edits libvirt
// would (a generated <uuid>, the id attribute of a running domain).

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
	"storage_pool_definition":   libvirt.FromStorage,
	"storage_volume_definition": libvirt.FromStorage,
	"secret_definition":         libvirt.FromSecret,
	"domainsnapshot":            libvirt.FromDomainSnapshot,
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

// uuidOrNew parses s, or makes a new UUID when s is empty.
func uuidOrNew(s string) (libvirt.UUID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return newUUID(), nil
	}
	u, err := libvirt.ParseUUID(s)
	if err != nil {
		return u, xmlError(fmt.Sprintf("malformed uuid element '%s'", s))
	}
	return u, nil
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

// rootTag finds the root element's start tag in doc: its byte range.
func rootTag(doc string) (start, end int, ok bool) {
	d := xml.NewDecoder(strings.NewReader(doc))
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			return 0, 0, false
		}
		if _, isStart := tok.(xml.StartElement); isStart {
			return int(off), int(d.InputOffset()), true
		}
	}
}

var (
	idAttr   = regexp.MustCompile(`\s+id\s*=\s*('[^']*'|"[^"]*")`)
	typeAttr = regexp.MustCompile(`\s+type\s*=\s*('[^']*'|"[^"]*")`)
)

// setRootID sets (id >= 0) or removes (id < 0) the id attribute of the
// root element, placed after its type attribute as libvirt writes it.
func setRootID(doc string, id int32) string {
	start, end, ok := rootTag(doc)
	if !ok {
		return doc
	}
	tag := idAttr.ReplaceAllString(doc[start:end], "")
	if id >= 0 {
		attr := fmt.Sprintf(" id='%d'", id)
		if loc := typeAttr.FindStringIndex(tag); loc != nil {
			tag = tag[:loc[1]] + attr + tag[loc[1]:]
		} else {
			i := strings.IndexAny(tag, " \t\r\n/>")
			tag = tag[:i] + attr + tag[i:]
		}
	}
	return doc[:start] + tag + doc[end:]
}

// ensureUUID inserts <uuid>u</uuid> after the root's <name> element (or
// first in the root) when the document has no top-level <uuid>, indented
// like the element it follows.
func ensureUUID(doc string, u libvirt.UUID) string {
	d := xml.NewDecoder(strings.NewReader(doc))
	depth := 0
	insertAt, indentFrom := -1, -1
	for {
		off := int(d.InputOffset())
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				insertAt = int(d.InputOffset())
				indentFrom = -1
			}
			if depth == 2 {
				switch t.Name.Local {
				case "uuid":
					return doc
				case "name":
					indentFrom = off
				}
			}
		case xml.EndElement:
			if depth == 2 && t.Name.Local == "name" && indentFrom >= 0 {
				insertAt = int(d.InputOffset())
			}
			depth--
		}
	}
	if insertAt < 0 {
		return doc
	}
	indent := "\n  "
	if indentFrom >= 0 {
		line := doc[:indentFrom]
		if i := strings.LastIndexByte(line, '\n'); i >= 0 && strings.TrimSpace(line[i:]) == "" {
			indent = line[i:]
		}
	}
	return doc[:insertAt] + indent + "<uuid>" + u.String() + "</uuid>" + doc[insertAt:]
}
