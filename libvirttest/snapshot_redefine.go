package libvirttest

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"

	"github.com/virtwire/libvirt"
)

// Redefining snapshots from their XML (VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE),
// as libvirt's snapshot parser and its redefinition checks do: the
// snapshot is taken as described (name, state, parent, creation time and
// the domain's definition), replacing one of the same name, which keeps
// its children. Only with CREATE_CURRENT does it become current.

// snapshotStates are the states a snapshot's XML may name.
var snapshotStates = map[string]libvirt.DomainState{
	"running": libvirt.DomainRunning, "blocked": libvirt.DomainBlocked, "paused": libvirt.DomainPaused,
	"shutdown": libvirt.DomainShutdown, "shutoff": libvirt.DomainShutoff, "crashed": libvirt.DomainCrashed,
	"pmsuspended": libvirt.DomainPMSuspended, "disk-snapshot": diskSnapshotState,
}

// diskSnapshotState is libvirt's extra snapshot state for disk-only
// snapshots (VIR_DOMAIN_SNAPSHOT_DISK_SNAPSHOT).
const diskSnapshotState = libvirt.DomainState(8)

func snapshotOnline(st libvirt.DomainState) bool {
	return st == libvirt.DomainRunning || st == libvirt.DomainPaused
}

// elementSource returns the source of the first child element of doc's
// root named name, or "" without one.
func elementSource(doc, name string) string {
	dec := xml.NewDecoder(strings.NewReader(doc))
	depth, start := 0, int64(-1)
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 && t.Name.Local == name && start < 0 {
				start = off
			}
		case xml.EndElement:
			depth--
			if depth == 1 && start >= 0 {
				return doc[start:dec.InputOffset()]
			}
		}
	}
}

// redefineSnapshot stores the snapshot doc describes; d.mu is held.
func (d *driver) redefineSnapshot(dom *domain, doc string, current bool) (*snapshot, error) {
	var v struct {
		XMLName      xml.Name
		Name         string  `xml:"name"`
		Description  string  `xml:"description"`
		State        *string `xml:"state"`
		CreationTime *string `xml:"creationTime"`
		Parent       struct {
			Name string `xml:"name"`
		} `xml:"parent"`
		Domain *struct {
			Type string `xml:"type,attr"`
		} `xml:"domain"`
	}
	if err := parseXML(doc, "domainsnapshot", &v); err != nil {
		return nil, err
	}
	if v.XMLName.Local != "domainsnapshot" {
		return nil, xmlErrorIn(libvirt.FromDomainSnapshot, "unexpected root element <"+v.XMLName.Local+">, expecting <domainsnapshot>")
	}
	name, created, err := redefinedMoment("snapshot", libvirt.FromDomainSnapshot, v.Name, v.CreationTime)
	if err != nil {
		return nil, err
	}
	s := &snapshot{name: name, desc: v.Description, parent: strings.TrimSpace(v.Parent.Name), created: created}
	if v.State == nil {
		return nil, xmlErrorIn(libvirt.FromDomainSnapshot, "missing state from existing snapshot")
	}
	st, ok := snapshotStates[strings.TrimSpace(*v.State)]
	if !ok {
		return nil, lvErrorf(libvirt.ErrConfigUnsupported, libvirt.FromDomainSnapshot, "unsupported configuration: ",
			"Invalid state '%s' in domain snapshot XML", *v.State)
	}
	s.state = st
	if v.Domain != nil && v.Domain.Type != "" {
		if s.def, err = parseDomain(elementSource(doc, "domain")); err != nil {
			return nil, err
		}
	}
	if err := checkMomentParent(dom.snaps, s.name, s.parent); err != nil {
		return nil, err
	}
	if s.def != nil && s.def.uuid != dom.uuid {
		return nil, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomainSnapshot, prefixInvArg,
			"definition for snapshot %s must use uuid %s", s.name, dom.uuid)
	}
	other, _ := nodeByName(dom.snaps, s.name)
	if other != nil {
		if snapshotOnline(other.state) != snapshotOnline(s.state) {
			return nil, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomainSnapshot, prefixInvArg,
				"cannot change between online and offline snapshot state in snapshot %s", s.name)
		}
		if (other.state == diskSnapshotState) != (s.state == diskSnapshotState) {
			return nil, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomainSnapshot, prefixInvArg,
				"cannot change between disk only and full system in snapshot %s", s.name)
		}
		if s.def == nil {
			// The new description takes the old one's domain.
			s.def, s.memKiB, s.vcpus = other.def, other.memKiB, other.vcpus
		}
	}
	if s.def == nil {
		return nil, lvError(libvirt.ErrInternalError, libvirt.FromDomainSnapshot, prefixInternal, "missing domain in snapshot")
	}
	if s.memKiB == 0 {
		s.memKiB, s.vcpus = s.def.memKiB, s.def.vcpus
	}
	if other != nil {
		*other = *s
		s = other
	} else {
		dom.snaps = append(dom.snaps, s)
	}
	if current {
		dom.currentSnap = s.name
	}
	return s, nil
}

// redefinedMoment checks the name and creation time every redefined
// snapshot or checkpoint (kind) must carry, with libvirt's errors in
// error domain from.
func redefinedMoment(kind string, from libvirt.ErrorDomain, name string, creation *string) (string, int64, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", 0, xmlErrorIn(from, "a redefined "+kind+" must have a name")
	}
	created, err := strconv.ParseInt(strings.TrimSpace(deref(creation)), 10, 64)
	if creation == nil || err != nil {
		return "", 0, lvError(libvirt.ErrInternalError, from, prefixInternal, "missing creationTime from existing "+kind)
	}
	return name, created, nil
}

// checkMomentParent refuses a parent (of a snapshot or checkpoint named
// name) that is missing, the moment itself, or one of its descendants
// (libvirt's cycle check).
func checkMomentParent[T treeNode](moments []T, name, parent string) error {
	if parent == "" {
		return nil
	}
	invalid := func(format string, a ...any) error {
		return lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomain, prefixInvArg, format, a...)
	}
	if parent == name {
		return invalid("cannot set moment %s as its own parent", name)
	}
	p, ok := nodeByName(moments, parent)
	if !ok {
		return invalid("parent %s for moment %s not found", parent, name)
	}
	for ok {
		_, pp := p.names()
		if pp == "" {
			break
		}
		if pp == name {
			return invalid("parent %s would create cycle to %s", parent, name)
		}
		p, ok = nodeByName(moments, pp)
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
