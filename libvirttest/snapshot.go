package libvirttest

import (
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// snapshot is a domain snapshot: the state and definition the domain had
// when it was taken, in a tree by parent name.
type snapshot struct {
	name, desc string
	parent     string // "" for a root
	state      libvirt.DomainState
	def        *domainDef
	memKiB     uint64
	vcpus      int
	created    int64
}

// ref is the snapshot's handle. Like libvirtd, which builds it from the
// domain handle the client sent, it carries that handle (ID included).
func (s *snapshot) ref(dom libvirt.Domain) libvirt.DomainSnapshot {
	return libvirt.DomainSnapshot{Name: s.name, Dom: dom}
}

func (dom *domain) snapshotByName(name string) (*snapshot, error) {
	if s, ok := nodeByName(dom.snaps, name); ok {
		return s, nil
	}
	return nil, noSnapshot(name)
}

// children are the snapshots whose parent is name, or with all every
// descendant, in creation order.
func (dom *domain) children(name string, all bool) []*snapshot {
	return nodeChildren(dom.snaps, name, all)
}

// withSnapshot runs f on the snapshot ref names, under the driver's lock.
func (d *driver) withSnapshot(ref libvirt.DomainSnapshot, f func(dom *domain, s *snapshot) error) error {
	return d.withDomain(ref.Dom, func(dom *domain) error {
		s, err := dom.snapshotByName(ref.Name)
		if err != nil {
			return err
		}
		return f(dom, s)
	})
}

// DomainSnapshotCreateXML takes a snapshot of a domain's state and
// definition; it becomes the current snapshot, a child of the previous
// one. With HALT a running domain is stopped afterwards. With REDEFINE
// the snapshot is stored as its XML describes it (snapshot_redefine.go).
func (d *driver) DomainSnapshotCreateXML(ctx context.Context, args *protocol.DomainSnapshotCreateXMLArgs) (*protocol.DomainSnapshotCreateXMLRet, error) {
	if args.Flags&libvirt.DomainSnapshotCreateCurrent != 0 && args.Flags&libvirt.DomainSnapshotCreateRedefine == 0 {
		// The public API's check.
		return nil, lvError(libvirt.ErrInvalidArg, libvirt.FromDomainSnapshot, "",
			"Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'")
	}
	var ret *protocol.DomainSnapshotCreateXMLRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		if len(dom.checkpoints) > 0 {
			return lvError(libvirt.ErrOperationUnsupported, libvirt.FromTest, "Operation not supported: ", "cannot create snapshot while checkpoint exists")
		}
		halt := args.Flags&libvirt.DomainSnapshotCreateHalt != 0
		if !dom.persistent && halt {
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "cannot halt after transient domain snapshot")
		}
		if args.Flags&libvirt.DomainSnapshotCreateRedefine != 0 {
			s, err := d.redefineSnapshot(dom, args.XMLDesc, args.Flags&libvirt.DomainSnapshotCreateCurrent != 0)
			if err != nil {
				return err
			}
			ret = &protocol.DomainSnapshotCreateXMLRet{Snap: s.ref(args.Dom)}
			return nil
		}
		var v struct {
			XMLName     xml.Name
			Name        string `xml:"name"`
			Description string `xml:"description"`
		}
		if err := parseXML(args.XMLDesc, "domainsnapshot", &v); err != nil {
			return err
		}
		if v.XMLName.Local != "domainsnapshot" {
			return xmlErrorIn(libvirt.FromDomainSnapshot, "unexpected root element <"+v.XMLName.Local+">, expecting <domainsnapshot>")
		}
		now := time.Now().Unix()
		s := &snapshot{name: strings.TrimSpace(v.Name), desc: v.Description, parent: dom.currentSnap,
			state: dom.state, def: dom.tunedDef(dom.running(), false), memKiB: dom.memKiB, vcpus: dom.vcpus, created: now}
		if s.name == "" {
			s.name = strconv.FormatInt(now, 10) // libvirt names it by its creation time
		}
		if _, err := dom.snapshotByName(s.name); err == nil {
			return lvErrorf(libvirt.ErrOperationFailed, libvirt.FromDomain, prefixFailed, "domain moment %s already exists", s.name)
		}
		dom.snaps = append(dom.snaps, s)
		handle := args.Dom
		if halt && dom.active() {
			d.stop(ctx, dom, libvirt.DomainShutoffFromSnapshot, libvirt.DomainEventStoppedFromSnapshot)
			handle.ID = -1 // the test driver updates the caller's handle
		}
		dom.currentSnap = s.name
		ret = &protocol.DomainSnapshotCreateXMLRet{Snap: s.ref(handle)}
		return nil
	})
	return ret, err
}

// snapshotFilter applies ListAllSnapshots' ROOTS flag (the only filter
// the fake's snapshots need: they all have metadata, are internal and
// not disk-only).
func snapshotFilter(dom *domain, flags libvirt.DomainSnapshotListFlags) []*snapshot {
	if flags&libvirt.DomainSnapshotListRoots != 0 {
		return dom.children("", false)
	}
	return dom.snaps
}

// DomainListAllSnapshots lists a domain's snapshots.
func (d *driver) DomainListAllSnapshots(ctx context.Context, args *protocol.DomainListAllSnapshotsArgs) (*protocol.DomainListAllSnapshotsRet, error) {
	ret := &protocol.DomainListAllSnapshotsRet{}
	err := d.withDomain(args.Dom, func(dom *domain) error {
		list := snapshotFilter(dom, args.Flags)
		ret.Ret = int32(len(list))
		if args.NeedResults != 0 {
			for _, s := range list {
				ret.Snapshots = append(ret.Snapshots, s.ref(args.Dom))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ret, nil
}

// DomainSnapshotNum counts a domain's snapshots.
func (d *driver) DomainSnapshotNum(ctx context.Context, args *protocol.DomainSnapshotNumArgs) (*protocol.DomainSnapshotNumRet, error) {
	ret := &protocol.DomainSnapshotNumRet{}
	err := d.withDomain(args.Dom, func(dom *domain) error {
		ret.Num = int32(len(snapshotFilter(dom, args.Flags)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ret, nil
}

// DomainSnapshotListNames names a domain's snapshots.
func (d *driver) DomainSnapshotListNames(ctx context.Context, args *protocol.DomainSnapshotListNamesArgs) (*protocol.DomainSnapshotListNamesRet, error) {
	ret := &protocol.DomainSnapshotListNamesRet{Names: []string{}}
	err := d.withDomain(args.Dom, func(dom *domain) error {
		for _, s := range snapshotFilter(dom, args.Flags) {
			if int32(len(ret.Names)) < args.Maxnames {
				ret.Names = append(ret.Names, s.name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ret, nil
}

// DomainSnapshotLookupByName finds a snapshot.
func (d *driver) DomainSnapshotLookupByName(ctx context.Context, args *protocol.DomainSnapshotLookupByNameArgs) (*protocol.DomainSnapshotLookupByNameRet, error) {
	var ret *protocol.DomainSnapshotLookupByNameRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		s, err := dom.snapshotByName(args.Name)
		if err != nil {
			return err
		}
		ret = &protocol.DomainSnapshotLookupByNameRet{Snap: s.ref(args.Dom)}
		return nil
	})
	return ret, err
}

// DomainHasCurrentSnapshot tells whether the domain has a current
// snapshot.
func (d *driver) DomainHasCurrentSnapshot(ctx context.Context, args *protocol.DomainHasCurrentSnapshotArgs) (*protocol.DomainHasCurrentSnapshotRet, error) {
	ret := &protocol.DomainHasCurrentSnapshotRet{}
	err := d.withDomain(args.Dom, func(dom *domain) error {
		if dom.currentSnap != "" {
			ret.Result = 1
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ret, nil
}

// DomainSnapshotCurrent returns the current snapshot.
func (d *driver) DomainSnapshotCurrent(ctx context.Context, args *protocol.DomainSnapshotCurrentArgs) (*protocol.DomainSnapshotCurrentRet, error) {
	var ret *protocol.DomainSnapshotCurrentRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		if dom.currentSnap == "" {
			return lvError(libvirt.ErrNoDomainSnapshot, libvirt.FromTest, "Domain snapshot not found: ", "the domain does not have a current snapshot")
		}
		ret = &protocol.DomainSnapshotCurrentRet{Snap: libvirt.DomainSnapshot{Name: dom.currentSnap, Dom: args.Dom}}
		return nil
	})
	return ret, err
}

// DomainSnapshotIsCurrent tells whether a snapshot is the current one.
func (d *driver) DomainSnapshotIsCurrent(ctx context.Context, args *protocol.DomainSnapshotIsCurrentArgs) (*protocol.DomainSnapshotIsCurrentRet, error) {
	ret := &protocol.DomainSnapshotIsCurrentRet{}
	err := d.withSnapshot(args.Snap, func(dom *domain, s *snapshot) error {
		if dom.currentSnap == s.name {
			ret.Current = 1
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ret, nil
}

// DomainSnapshotHasMetadata reports that every snapshot has metadata.
func (d *driver) DomainSnapshotHasMetadata(ctx context.Context, args *protocol.DomainSnapshotHasMetadataArgs) (*protocol.DomainSnapshotHasMetadataRet, error) {
	if err := d.withSnapshot(args.Snap, func(*domain, *snapshot) error { return nil }); err != nil {
		return nil, err
	}
	return &protocol.DomainSnapshotHasMetadataRet{Metadata: 1}, nil
}

// DomainSnapshotGetParent returns a snapshot's parent.
func (d *driver) DomainSnapshotGetParent(ctx context.Context, args *protocol.DomainSnapshotGetParentArgs) (*protocol.DomainSnapshotGetParentRet, error) {
	var ret *protocol.DomainSnapshotGetParentRet
	err := d.withSnapshot(args.Snap, func(dom *domain, s *snapshot) error {
		if s.parent == "" {
			return lvErrorf(libvirt.ErrNoDomainSnapshot, libvirt.FromTest, "Domain snapshot not found: ", "snapshot '%s' does not have a parent", s.name)
		}
		ret = &protocol.DomainSnapshotGetParentRet{Snap: libvirt.DomainSnapshot{Name: s.parent, Dom: args.Snap.Dom}}
		return nil
	})
	return ret, err
}

// DomainSnapshotNumChildren counts a snapshot's children (descendants
// with VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS).
func (d *driver) DomainSnapshotNumChildren(ctx context.Context, args *protocol.DomainSnapshotNumChildrenArgs) (*protocol.DomainSnapshotNumChildrenRet, error) {
	ret := &protocol.DomainSnapshotNumChildrenRet{}
	err := d.withSnapshot(args.Snap, func(dom *domain, s *snapshot) error {
		ret.Num = int32(len(dom.children(s.name, args.Flags&libvirt.DomainSnapshotListDescendants != 0)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ret, nil
}

// DomainSnapshotListChildrenNames names a snapshot's children.
func (d *driver) DomainSnapshotListChildrenNames(ctx context.Context, args *protocol.DomainSnapshotListChildrenNamesArgs) (*protocol.DomainSnapshotListChildrenNamesRet, error) {
	ret := &protocol.DomainSnapshotListChildrenNamesRet{Names: []string{}}
	err := d.withSnapshot(args.Snap, func(dom *domain, s *snapshot) error {
		for _, c := range dom.children(s.name, args.Flags&libvirt.DomainSnapshotListDescendants != 0) {
			if int32(len(ret.Names)) < args.Maxnames {
				ret.Names = append(ret.Names, c.name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ret, nil
}

// DomainSnapshotListAllChildren lists a snapshot's children.
func (d *driver) DomainSnapshotListAllChildren(ctx context.Context, args *protocol.DomainSnapshotListAllChildrenArgs) (*protocol.DomainSnapshotListAllChildrenRet, error) {
	ret := &protocol.DomainSnapshotListAllChildrenRet{}
	err := d.withSnapshot(args.Snapshot, func(dom *domain, s *snapshot) error {
		kids := dom.children(s.name, args.Flags&libvirt.DomainSnapshotListDescendants != 0)
		ret.Ret = int32(len(kids))
		if args.NeedResults != 0 {
			for _, c := range kids {
				ret.Snapshots = append(ret.Snapshots, c.ref(args.Snapshot.Dom))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ret, nil
}

// DomainSnapshotGetXMLDesc describes a snapshot as libvirt formats it:
// its memory state, its disks (all internal snapshots, as the test
// driver takes them) and the domain's definition at the time, without
// the domain's ID.
func (d *driver) DomainSnapshotGetXMLDesc(ctx context.Context, args *protocol.DomainSnapshotGetXMLDescArgs) (*protocol.DomainSnapshotGetXMLDescRet, error) {
	var ret *protocol.DomainSnapshotGetXMLDescRet
	err := d.withSnapshot(args.Snap, func(dom *domain, s *snapshot) error {
		var b strings.Builder
		fmt.Fprintf(&b, "<domainsnapshot>\n  <name>%s</name>\n", escapeLibvirt(s.name))
		if s.desc != "" {
			fmt.Fprintf(&b, "  <description>%s</description>\n", escapeLibvirt(s.desc))
		}
		fmt.Fprintf(&b, "  <state>%s</state>\n", snapshotStateName(s.state))
		if s.parent != "" {
			fmt.Fprintf(&b, "  <parent>\n    <name>%s</name>\n  </parent>\n", escapeLibvirt(s.parent))
		}
		fmt.Fprintf(&b, "  <creationTime>%d</creationTime>\n", s.created)
		mem := "no"
		if s.state == libvirt.DomainRunning || s.state == libvirt.DomainPaused {
			mem = "internal"
		}
		fmt.Fprintf(&b, "  <memory snapshot='%s'/>\n", mem)
		if len(s.def.disks) > 0 {
			b.WriteString("  <disks>\n")
			for _, dk := range s.def.disks {
				// Read-only disks (CD-ROMs) are not snapshotted.
				how := "internal"
				if dk.readonly {
					how = "no"
				}
				fmt.Fprintf(&b, "    <disk name='%s' snapshot='%s'/>\n", escapeLibvirt(dk.target), how)
			}
			b.WriteString("  </disks>\n")
		}
		var xflags libvirt.DomainXMLFlags
		if args.Flags&libvirt.DomainSnapshotXMLSecure != 0 {
			xflags = libvirt.DomainXMLSecure
		}
		domXML := formatDomain(s.def, -1, s.memKiB, s.vcpus, nil, defMeta(s.def), xflags)
		for _, line := range strings.SplitAfter(strings.TrimSuffix(domXML, "\n"), "\n") {
			b.WriteString("  " + line)
		}
		b.WriteString("\n</domainsnapshot>\n")
		ret = &protocol.DomainSnapshotGetXMLDescRet{XML: b.String()}
		return nil
	})
	return ret, err
}

func snapshotStateName(st libvirt.DomainState) string {
	switch st {
	case libvirt.DomainRunning:
		return "running"
	case libvirt.DomainPaused:
		return "paused"
	}
	return "shutoff"
}

// DomainRevertToSnapshot brings a domain back to a snapshot's definition
// and state, with the test driver's events (stopped, started and
// suspended "from snapshot"); RUNNING and PAUSED override the state.
func (d *driver) DomainRevertToSnapshot(ctx context.Context, args *protocol.DomainRevertToSnapshotArgs) error {
	return d.withSnapshot(args.Snap, func(dom *domain, s *snapshot) error {
		run := args.Flags&libvirt.DomainSnapshotRevertRunning != 0
		pause := args.Flags&libvirt.DomainSnapshotRevertPaused != 0
		live := s.state == libvirt.DomainRunning || s.state == libvirt.DomainPaused
		if !dom.persistent && !live && !run && !pause {
			return lvError(libvirt.ErrOperationInvalid, libvirt.FromTest, prefixInvalid, "transient domain needs to request run or pause to revert to inactive snapshot")
		}
		dom.currentSnap = ""
		if dom.active() {
			d.stop(ctx, dom, libvirt.DomainShutoffFromSnapshot, libvirt.DomainEventStoppedFromSnapshot)
		}
		dom.redefineTunables() // tunexml.go
		// The snapshot's current memory and vCPUs (the running ones when
		// it was taken) become the definition's.
		def := *s.def
		def.memKiB, def.vcpus = s.memKiB, s.vcpus
		dom.def = &def
		dom.setDef(&def)
		if live || run || pause {
			d.start(ctx, dom, libvirt.DomainRunningFromSnapshot, false)
			d.emitLifecycle(ctx, dom, libvirt.DomainEventStarted, int32(libvirt.DomainEventStartedFromSnapshot))
			if !run && (s.state == libvirt.DomainPaused || pause) {
				dom.state, dom.reason = libvirt.DomainPaused, int32(libvirt.DomainPausedFromSnapshot)
				d.emitLifecycle(ctx, dom, libvirt.DomainEventSuspended, int32(libvirt.DomainEventSuspendedFromSnapshot))
			}
		}
		dom.currentSnap = s.name
		return nil
	})
}

// DomainSnapshotDelete removes a snapshot (its children move up to its
// parent), with CHILDREN its descendants too, with CHILDREN_ONLY only
// them. Deleting the current snapshot makes its parent current.
func (d *driver) DomainSnapshotDelete(ctx context.Context, args *protocol.DomainSnapshotDeleteArgs) error {
	return d.withSnapshot(args.Snap, func(dom *domain, s *snapshot) error {
		gone := map[string]bool{}
		if args.Flags&(libvirt.DomainSnapshotDeleteChildren|libvirt.DomainSnapshotDeleteChildrenOnly) != 0 {
			for _, c := range dom.children(s.name, true) {
				gone[c.name] = true
			}
		}
		if args.Flags&libvirt.DomainSnapshotDeleteChildrenOnly == 0 {
			gone[s.name] = true
		}
		if gone[dom.currentSnap] {
			dom.currentSnap = ""
			if args.Flags&libvirt.DomainSnapshotDeleteChildrenOnly != 0 {
				dom.currentSnap = s.name
			} else if s.parent != "" {
				dom.currentSnap = s.parent
			}
		}
		var kept []*snapshot
		for _, o := range dom.snaps {
			if gone[o.name] {
				continue
			}
			if o.parent == s.name && gone[s.name] {
				o.parent = s.parent
			}
			kept = append(kept, o)
		}
		dom.snaps = kept
		return nil
	})
}
