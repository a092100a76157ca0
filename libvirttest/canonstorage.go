package libvirttest

import (
	"encoding/xml"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// Pools and volumes are formatted by their own templates (storage.go);
// the parts a definition may carry in any shape (a pool's <source>, the
// <permissions> of a target) are parsed with libvirtxml and formatted
// here in libvirt's layout, as indented lines.

// poolSourceDefaults are the source formats libvirt's pool parser fills
// in per pool type.
var poolSourceDefaults = map[string]string{"logical": "lvm2", "fs": "auto", "netfs": "auto", "disk": "unknown"}

// poolParts returns a pool definition's <source> children and target
// <permissions> in libvirt's layout (lines indented for their place in
// the pool document, each ending in a newline).
func poolParts(doc, typ string) (source, perms string) {
	var x libvirtxml.StoragePool
	if err := x.Unmarshal(doc); err != nil {
		return "", ""
	}
	src := x.Source
	if src == nil {
		src = &libvirtxml.StoragePoolSource{}
	}
	if f, ok := poolSourceDefaults[typ]; ok && (src.Format == nil || src.Format.Type == "") {
		src.Format = &libvirtxml.StoragePoolSourceFormat{Type: f}
	}
	source = innerLines(struct {
		XMLName xml.Name                      `xml:"pool"`
		Source  *libvirtxml.StoragePoolSource `xml:"source"`
	}{Source: src}, "source")
	if x.Target != nil && x.Target.Permissions != nil {
		perms = wholeLines(struct {
			XMLName xml.Name                                 `xml:"target"`
			Perms   *libvirtxml.StoragePoolTargetPermissions `xml:"permissions"`
		}{Perms: x.Target.Permissions}, "    ")
	}
	return source, perms
}

// volumePerms returns a volume definition's target <permissions> in
// libvirt's layout.
func volumePerms(doc string) string {
	var x libvirtxml.StorageVolume
	if err := x.Unmarshal(doc); err != nil || x.Target == nil || x.Target.Permissions == nil {
		return ""
	}
	return wholeLines(struct {
		XMLName xml.Name                                   `xml:"target"`
		Perms   *libvirtxml.StorageVolumeTargetPermissions `xml:"permissions"`
	}{Perms: x.Target.Permissions}, "    ")
}

// innerLines formats v and returns the lines inside its child element
// elem, as indented in the whole document.
func innerLines(v any, elem string) string {
	out, err := xml.Marshal(v)
	if err != nil {
		return ""
	}
	doc, err := libvirtStyle(string(out))
	if err != nil {
		return ""
	}
	lines := strings.SplitAfter(doc, "\n")
	var b strings.Builder
	in := false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case !in && (t == "<"+elem+">"):
			in = true
		case in && t == "</"+elem+">":
			return b.String()
		case in:
			b.WriteString(l)
		}
	}
	return b.String()
}

// wholeLines formats v and returns its children's lines, indented by
// indent instead of the two spaces under v's root.
func wholeLines(v any, indent string) string {
	out, err := xml.Marshal(v)
	if err != nil {
		return ""
	}
	doc, err := libvirtStyle(string(out))
	if err != nil {
		return ""
	}
	lines := strings.SplitAfter(strings.TrimSuffix(doc, "\n"), "\n")
	if len(lines) < 3 {
		return ""
	}
	var b strings.Builder
	for _, l := range lines[1 : len(lines)-1] {
		b.WriteString(indent + strings.TrimPrefix(l, "  "))
	}
	return b.String()
}
