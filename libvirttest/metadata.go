package libvirttest

import (
	"errors"
	"sort"
	"strings"
	"unicode"

	"github.com/virtwire/libvirt"
)

// The metadata of a domain's or a network's definition: title,
// description and namespaced elements, set through the XML or the
// metadata calls, shown in the XML and read by the metadata calls.

// metaKey names a piece of metadata: a type, and for elements the
// namespace URI.
type metaKey struct {
	typ int32
	uri string
}

// metaVal is a piece of metadata: the text of a title or description,
// or an element.
type metaVal struct {
	text string
	elem *metaElem
}

// metaSet is one definition's metadata.
type metaSet map[metaKey]metaVal

// The metadata types; domains and networks number them alike.
const (
	metaDescription = int32(libvirt.DomainMetadataDescription)
	metaTitle       = int32(libvirt.DomainMetadataTitle)
	metaElement     = int32(libvirt.DomainMetadataElement)
)

func (s metaSet) title() string       { return s[metaKey{typ: metaTitle}].text }
func (s metaSet) description() string { return s[metaKey{typ: metaDescription}].text }

// setFromDef replaces the set's contents with what a definition's XML
// holds: its title, description and <metadata> children (metaXML, the
// element's inner XML). Elements are filed under the namespace they
// declare for their own prefix.
func (s metaSet) setFromDef(title, desc, metaXML string) {
	for k := range s {
		delete(s, k)
	}
	if title != "" {
		s[metaKey{typ: metaTitle}] = metaVal{text: title}
	}
	if desc != "" {
		s[metaKey{typ: metaDescription}] = metaVal{text: desc}
	}
	if strings.TrimSpace(metaXML) == "" {
		return
	}
	roots, err := parseMetaPieces(metaXML, false)
	if err != nil {
		return // the definition's parser accepted it: not reached
	}
	for _, r := range roots {
		uri := r.ownURI()
		s[metaKey{typ: metaElement, uri: uri}] = metaVal{elem: newMetaElem(uri, r.ownPrefix(), r)}
	}
}

// reparsed is a copy of the set as libvirt copies a definition (by
// formatting and parsing it again): elements lose the whitespace between
// their children that SetMetadata kept.
func (s metaSet) reparsed() metaSet {
	out := metaSet{}
	for k, v := range s {
		if v.elem != nil {
			root := v.elem.root.clone()
			dropBlanks(root)
			e := *v.elem
			e.root = root
			v.elem = &e
		}
		out[k] = v
	}
	return out
}

// elements returns the set's elements in the order libvirt keeps them.
func (s metaSet) elements() []*metaElem {
	var out []*metaElem
	for k, v := range s {
		if k.typ == metaElement && v.elem != nil {
			out = append(out, v.elem)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// get returns a piece as the metadata calls return it.
func (v metaVal) get() string {
	if v.elem != nil {
		return v.elem.bare().String(0)
	}
	return v.text
}

// block is the definition's <metadata> element as libvirt formats it
// (at the top level of a definition), or "" without elements.
func (s metaSet) block() string {
	els := s.elements()
	if len(els) == 0 {
		return ""
	}
	var sb strings.Builder
	sb.WriteString("  <metadata>\n")
	for _, e := range els {
		n := e.root.clone()
		if e.prefix != "" {
			n = e.shown()
		}
		sb.WriteString("    " + n.String(2) + "\n")
	}
	sb.WriteString("  </metadata>\n")
	return sb.String()
}

// insertTopLevel inserts block into a formatted definition before the
// first top-level element not named in after (the elements libvirt
// writes before it).
func insertTopLevel(doc, block string, after ...string) string {
	if block == "" {
		return doc
	}
	lines := strings.SplitAfter(doc, "\n")
	for i, l := range lines {
		if i == 0 || !strings.HasPrefix(l, "  <") || strings.HasPrefix(l, "   ") {
			continue
		}
		name := strings.TrimPrefix(l, "  <")
		if j := strings.IndexAny(name, " />"); j >= 0 {
			name = name[:j]
		}
		skip := false
		for _, a := range after {
			skip = skip || name == a
		}
		if !skip {
			return strings.Join(lines[:i], "") + block + strings.Join(lines[i:], "")
		}
	}
	return doc
}

// newMetaVal checks and parses a piece given to SetMetadata; an element
// is filed under uri with the caller's key as its prefix, or under the
// namespace it declares for its own prefix (libvirt looks elements up by
// their namespace). It returns the key to file the piece under. A nil or
// empty md (a removal) gives the zero value. Syntax errors are reported
// under the error domain of the object's XML (dom).
func newMetaVal(key metaKey, md, prefix *string, dom libvirt.ErrorDomain) (metaKey, metaVal, error) {
	k, v, err := parseMetaVal(key, md, prefix, dom)
	if err == nil && v.elem != nil {
		if own := v.elem.root.ownURI(); own != "" {
			k.uri = own
		}
	}
	return k, v, err
}

func parseMetaVal(key metaKey, md, prefix *string, dom libvirt.ErrorDomain) (metaKey, metaVal, error) {
	if md == nil || *md == "" {
		return key, metaVal{}, nil
	}
	if key.typ != metaElement {
		return key, metaVal{text: *md}, nil
	}
	if strings.HasPrefix(strings.TrimSpace(*md), "<!--") {
		// libvirt takes the comment for the element and cannot give
		// it a namespace.
		return key, metaVal{}, lvError(libvirt.ErrInternalError, libvirt.FromXML, prefixInternal, "failed to create a new XML namespace")
	}
	roots, err := parseMetaPieces(*md, true)
	if err == nil && len(roots) > 1 {
		err = errors.New("extra content at the end of the document")
	}
	if err != nil {
		return key, metaVal{}, lvErrorf(libvirt.ErrXMLDetail, dom, "", "(metadata_xml): %v", err)
	}
	if prefix == nil || !validNCName(*prefix) {
		return key, metaVal{}, lvError(libvirt.ErrInternalError, libvirt.FromXML, prefixInternal, "failed to validate prefix for a new XML namespace")
	}
	return key, metaVal{elem: newMetaElem(key.uri, *prefix, roots[0])}, nil
}

// validNCName reports whether s can be a namespace prefix.
func validNCName(s string) bool {
	for i, r := range s {
		letter := r == '_' || unicode.IsLetter(r)
		if !letter && (i == 0 || !(unicode.IsDigit(r) || r == '-' || r == '.')) {
			return false
		}
	}
	return s != ""
}
