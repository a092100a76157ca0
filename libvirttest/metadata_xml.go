package libvirttest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespaced metadata elements as libvirt keeps and shows them. libvirt
// stores each element as a libxml2 node under its namespace and writes it
// with libxml2's serialiser, not its own formatter: attributes in double
// quotes, libxml2's escapes, children indented only when the element
// holds no text. In a definition's XML every element of the piece
// carries the prefix the caller gave (the key) and the root declares it;
// DomainGetMetadata returns the piece without them.

// mnode is one element of a metadata piece; names keep the prefix they
// were written with.
type mnode struct {
	name  string
	attrs []xml.Attr // names as written ("xmlns:x", "a")
	kids  []mkid
}

// mkid is an element's child: an element or a run of text.
type mkid struct {
	elem *mnode
	text string
}

// metaElem is one stored metadata element.
type metaElem struct {
	uri    string // the namespace it is filed under
	prefix string // the prefix it is shown with
	root   *mnode
	seq    uint64 // libvirt appends a new or replaced piece at the end
}

// metaSeq orders metadata elements by when they were set; d.mu is held
// by every writer.
var metaSeq uint64

func newMetaElem(uri, prefix string, root *mnode) *metaElem {
	metaSeq++
	return &metaElem{uri: uri, prefix: prefix, root: root, seq: metaSeq}
}

// qname writes a raw name as it appeared (prefix:local).
func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// parseMetaPieces reads a metadata document: one or more elements (the
// caller checks how many it accepts). With keepBlanks unset, text made
// of whitespace only between elements is dropped, as libvirt's parser of
// whole definitions does; SetMetadata's parser keeps it.
func parseMetaPieces(doc string, keepBlanks bool) ([]*mnode, error) {
	d := xml.NewDecoder(strings.NewReader(doc))
	var roots []*mnode
	var stack []*mnode
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &mnode{name: qname(t.Name)}
			for _, a := range t.Attr {
				n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: qname(a.Name)}, Value: a.Value})
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, mkid{elem: n})
			} else {
				roots = append(roots, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, fmt.Errorf("unexpected end element")
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if strings.TrimSpace(string(t)) != "" {
					return nil, fmt.Errorf("text outside of an element")
				}
				continue
			}
			p := stack[len(stack)-1]
			if k := len(p.kids); k > 0 && p.kids[k-1].elem == nil {
				p.kids[k-1].text += string(t)
			} else {
				p.kids = append(p.kids, mkid{text: string(t)})
			}
		}
	}
	if len(stack) > 0 {
		return nil, io.ErrUnexpectedEOF
	}
	if len(roots) == 0 {
		return nil, errors.New("document is empty")
	}
	if !keepBlanks {
		for _, r := range roots {
			dropBlanks(r)
		}
	}
	return roots, nil
}

func dropBlanks(n *mnode) {
	hasElem := false
	for _, k := range n.kids {
		if k.elem != nil {
			hasElem = true
		}
	}
	out := n.kids[:0]
	for _, k := range n.kids {
		if k.elem != nil {
			dropBlanks(k.elem)
		} else if hasElem && strings.TrimSpace(k.text) == "" {
			continue
		}
		out = append(out, k)
	}
	n.kids = out
}

func (n *mnode) clone() *mnode {
	c := &mnode{name: n.name, attrs: append([]xml.Attr(nil), n.attrs...)}
	for _, k := range n.kids {
		if k.elem != nil {
			c.kids = append(c.kids, mkid{elem: k.elem.clone()})
		} else {
			c.kids = append(c.kids, k)
		}
	}
	return c
}

// rename applies f to the names of n and its descendants.
func (n *mnode) rename(f func(string) string) {
	n.name = f(n.name)
	for _, k := range n.kids {
		if k.elem != nil {
			k.elem.rename(f)
		}
	}
}

// ownPrefix is the prefix the root element was written with, if any.
func (n *mnode) ownPrefix() string {
	if i := strings.IndexByte(n.name, ':'); i >= 0 {
		return n.name[:i]
	}
	return ""
}

func (n *mnode) attrValue(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// ownURI is the namespace the root element declares for its own prefix.
func (n *mnode) ownURI() string {
	if p := n.ownPrefix(); p != "" {
		v, _ := n.attrValue("xmlns:" + p)
		return v
	}
	return ""
}

// shown is the element as a definition's XML shows it: unprefixed
// elements take the key's prefix, and the root declares the key's
// namespace (first, or after its own declarations).
func (m *metaElem) shown() *mnode {
	n := m.root.clone()
	decl := []xml.Attr{{Name: xml.Name{Local: "xmlns:" + m.prefix}, Value: m.uri}}
	if m.prefix == "xml" {
		decl = nil // predeclared
	}
	if own := n.ownPrefix(); own != "" {
		if own != m.prefix {
			n.attrs = append(n.attrs, decl...)
		}
		return n
	}
	n.rename(func(s string) string {
		if strings.IndexByte(s, ':') < 0 {
			return m.prefix + ":" + s
		}
		return s
	})
	n.attrs = append(decl, n.attrs...)
	return n
}

// bare is the element as GetMetadata returns it: without its own prefix
// and declaration.
func (m *metaElem) bare() *mnode {
	n := m.root.clone()
	own := n.ownPrefix()
	if own == "" {
		return n
	}
	n.rename(func(s string) string { return strings.TrimPrefix(s, own+":") })
	attrs := n.attrs[:0]
	for _, a := range n.attrs {
		if a.Name.Local != "xmlns:"+own {
			attrs = append(attrs, a)
		}
	}
	n.attrs = attrs
	if own != m.prefix {
		n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: "xmlns:" + m.prefix}, Value: m.uri})
	}
	return n
}

// serialize writes n as libxml2's xmlNodeDump does with formatting on,
// at the given nesting level (children are indented by level+1 steps).
func (n *mnode) serialize(sb *strings.Builder, level int, format bool) {
	sb.WriteByte('<')
	sb.WriteString(n.name)
	for _, a := range n.attrs {
		sb.WriteString(" " + a.Name.Local + `="` + escapeAttr2(a.Value) + `"`)
	}
	if len(n.kids) == 0 {
		sb.WriteString("/>")
		return
	}
	sb.WriteByte('>')
	for _, k := range n.kids {
		if k.elem == nil {
			format = false // libxml2 indents no element holding text
		}
	}
	for _, k := range n.kids {
		if k.elem == nil {
			sb.WriteString(escapeText2(k.text))
			continue
		}
		if format {
			sb.WriteString("\n" + strings.Repeat("  ", level+1))
		}
		k.elem.serialize(sb, level+1, format)
	}
	if format {
		sb.WriteString("\n" + strings.Repeat("  ", level))
	}
	sb.WriteString("</" + n.name + ">")
}

func (n *mnode) String(level int) string {
	var sb strings.Builder
	n.serialize(&sb, level, true)
	return sb.String()
}

// escapeAttr2 and escapeText2 are libxml2's escapes for attribute values
// and text.
func escapeAttr2(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
		"\n", "&#10;", "\r", "&#13;", "\t", "&#9;").Replace(s)
}

func escapeText2(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#13;").Replace(s)
}
