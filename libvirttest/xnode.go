package libvirttest

import (
	"encoding/xml"
	"strings"
)

// Small edits of an xnode tree (canonxml.go), for the drivers that
// change a stored definition in place (network updates).

// attr returns an attribute's value and whether it is present.
func (n *xnode) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// setAttr sets an attribute, appending it when absent.
func (n *xnode) setAttr(name, value string) {
	for i, a := range n.attrs {
		if a.Name.Local == name {
			n.attrs[i].Value = value
			return
		}
	}
	n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: name}, Value: value})
}

// delAttr removes an attribute if present.
func (n *xnode) delAttr(name string) {
	for i, a := range n.attrs {
		if a.Name.Local == name {
			n.attrs = append(n.attrs[:i], n.attrs[i+1:]...)
			return
		}
	}
}

// child returns the first child element with the name, or nil.
func (n *xnode) child(name string) *xnode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// childrenNamed returns the child elements with the name, in order.
func (n *xnode) childrenNamed(name string) []*xnode {
	var out []*xnode
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// removeChild removes c from n's children.
func (n *xnode) removeChild(c *xnode) {
	for i, o := range n.children {
		if o == c {
			n.children = append(n.children[:i], n.children[i+1:]...)
			if len(n.children) == 0 && strings.TrimSpace(n.text) == "" {
				n.text = "" // the layout around the last child
			}
			return
		}
	}
}

// replaceChild puts c in old's place.
func (n *xnode) replaceChild(old, c *xnode) {
	for i, o := range n.children {
		if o == old {
			n.children[i] = c
			return
		}
	}
}

// addChild inserts c among the children named like it: before the first
// of them (first) or after the last; with none, at index at.
func (n *xnode) addChild(c *xnode, first bool, at int) {
	pos := -1
	for i, o := range n.children {
		if o.name == c.name {
			if first {
				pos = i
				break
			}
			pos = i + 1
		}
	}
	if pos < 0 {
		pos = at
	}
	n.children = append(n.children, nil)
	copy(n.children[pos+1:], n.children[pos:])
	n.children[pos] = c
}

// newXNode makes an element with attributes given as name, value pairs;
// empty values are left out, as libvirt's formatter leaves out unset
// attributes.
func newXNode(name string, kv ...string) *xnode {
	n := &xnode{name: name}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			n.setAttr(kv[i], kv[i+1])
		}
	}
	return n
}

// clone copies a tree.
func (n *xnode) clone() *xnode {
	c := &xnode{name: n.name, text: n.text, attrs: append([]xml.Attr(nil), n.attrs...)}
	for _, ch := range n.children {
		c.children = append(c.children, ch.clone())
	}
	return c
}
