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

// checkpoint is a domain checkpoint: a name in a tree by parent name,
// the disks it tracks and the domain definition it was taken with.
type checkpoint struct {
	name, desc string
	parent     string // "" for a root
	created    int64
	disks      []checkpointDisk
	domXML     string
}

// checkpointDisk is one disk of a checkpoint: tracked with a bitmap, or
// not ("no").
type checkpointDisk struct {
	name, kind, bitmap string
}

func (c *checkpoint) ref(dom libvirt.Domain) libvirt.DomainCheckpoint {
	return libvirt.DomainCheckpoint{Name: c.name, Dom: dom}
}

func noCheckpoint(name string) error {
	return lvErrorf(libvirt.ErrNoDomainCheckpoint, libvirt.FromTest, "Domain checkpoint not found: ",
		"no domain checkpoint with matching name '%s'", name)
}

func (dom *domain) checkpointByName(name string) (*checkpoint, error) {
	if c, ok := nodeByName(dom.checkpoints, name); ok {
		return c, nil
	}
	return nil, noCheckpoint(name)
}

// checkpointChildren are the checkpoints whose parent is name, or with
// all every descendant, in creation order.
func (dom *domain) checkpointChildren(name string, all bool) []*checkpoint {
	return nodeChildren(dom.checkpoints, name, all)
}

func (d *driver) withCheckpoint(ref libvirt.DomainCheckpoint, f func(dom *domain, c *checkpoint) error) error {
	return d.withDomain(ref.Dom, func(dom *domain) error {
		c, err := dom.checkpointByName(ref.Name)
		if err != nil {
			return err
		}
		return f(dom, c)
	})
}

// checkpointDoc is the part of a checkpoint's XML the driver reads.
type checkpointDoc struct {
	XMLName     xml.Name
	Name        string `xml:"name"`
	Description string `xml:"description"`
	Disks       struct {
		Disks []struct {
			Name       string `xml:"name,attr"`
			Checkpoint string `xml:"checkpoint,attr"`
			Bitmap     string `xml:"bitmap,attr"`
		} `xml:"disk"`
	} `xml:"disks"`
}

// parseCheckpoint reads a new checkpoint's XML and aligns its disks with
// the domain's, as libvirt does: listed disks must exist and appear once;
// the others are tracked by a bitmap named after the checkpoint.
func parseCheckpoint(doc string, dom *domain) (*checkpoint, error) {
	var v checkpointDoc
	if err := xml.Unmarshal([]byte(doc), &v); err != nil {
		return nil, lvErrorf(libvirt.ErrXMLDetail, libvirt.FromDomainCheckpoint, "", "(domain_checkpoint): %v", err)
	}
	if v.XMLName.Local != "domaincheckpoint" {
		return nil, lvErrorf(libvirt.ErrXMLError, libvirt.FromXML, prefixXML, "expecting root element of 'domaincheckpoint', not '%s'", v.XMLName.Local)
	}
	now := time.Now().Unix()
	c := &checkpoint{name: strings.TrimSpace(v.Name), desc: v.Description, created: now}
	if c.name == "" {
		c.name = strconv.FormatInt(now, 10) // libvirt names it by its creation time
	}
	if err := c.alignDisks(&v, dom.def.disks); err != nil {
		return nil, err
	}
	return c, nil
}

// alignDisks sets the checkpoint's disks from those v lists and the
// domain's (targets).
func (c *checkpoint) alignDisks(v *checkpointDoc, targets []diskDef) error {
	given := map[string]checkpointDisk{}
	for _, dk := range v.Disks.Disks {
		found := false
		for _, t := range targets {
			found = found || t.target == dk.Name
		}
		if !found {
			return lvErrorf(libvirt.ErrConfigUnsupported, libvirt.FromDomainCheckpoint, "unsupported configuration: ",
				"no disk named '%s'", dk.Name)
		}
		if _, dup := given[dk.Name]; dup {
			return lvErrorf(libvirt.ErrConfigUnsupported, libvirt.FromDomainCheckpoint, "unsupported configuration: ",
				"disk '%s' specified twice", dk.Name)
		}
		kind := dk.Checkpoint
		if kind == "" {
			kind = "bitmap"
		}
		given[dk.Name] = checkpointDisk{name: dk.Name, kind: kind, bitmap: dk.Bitmap}
	}
	// Disks left out are tracked only when none is listed.
	unlisted := "bitmap"
	if len(given) > 0 {
		unlisted = "no"
	}
	for _, t := range targets {
		dk, ok := given[t.target]
		if !ok {
			dk = checkpointDisk{name: t.target, kind: unlisted}
		}
		if dk.kind == "bitmap" && dk.bitmap == "" {
			dk.bitmap = c.name
		}
		if dk.kind != "bitmap" {
			dk.bitmap = ""
		}
		c.disks = append(c.disks, dk)
	}
	return nil
}

// DomainCheckpointCreateXML creates a checkpoint of a running domain
// without snapshots; it becomes the current checkpoint, a child of the
// previous one. With REDEFINE the checkpoint is stored as its XML
// describes it (checkpoint_redefine.go).
func (d *driver) DomainCheckpointCreateXML(ctx context.Context, args *protocol.DomainCheckpointCreateXMLArgs) (*protocol.DomainCheckpointCreateXMLRet, error) {
	var ret *protocol.DomainCheckpointCreateXMLRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		if len(dom.snaps) > 0 {
			return lvError(libvirt.ErrOperationUnsupported, libvirt.FromTest, "Operation not supported: ", "cannot create checkpoint while snapshot exists")
		}
		if !dom.active() {
			return lvError(libvirt.ErrOperationUnsupported, libvirt.FromTest, "Operation not supported: ", "cannot create checkpoint for inactive domain")
		}
		if uint32(args.Flags)&uint32(libvirt.DomainCheckpointCreateRedefine) != 0 {
			c, err := redefineCheckpoint(dom, args.XMLDesc)
			if err != nil {
				return err
			}
			ret = &protocol.DomainCheckpointCreateXMLRet{Checkpoint: c.ref(args.Dom)}
			return nil
		}
		c, err := parseCheckpoint(args.XMLDesc, dom)
		if err != nil {
			return err
		}
		if _, err := dom.checkpointByName(c.name); err == nil {
			return lvErrorf(libvirt.ErrOperationFailed, libvirt.FromDomain, prefixFailed, "domain moment %s already exists", c.name)
		}
		// libvirt keeps a copy of the running definition, formatted
		// without the domain's ID.
		c.domXML = formatDomain(dom.tunedDef(dom.running(), false), -1, dom.memKiB, dom.vcpus, dom.pins, dom.metadata, 0)
		c.parent = dom.currentCheckpoint
		dom.checkpoints = append(dom.checkpoints, c)
		dom.currentCheckpoint = c.name
		ret = &protocol.DomainCheckpointCreateXMLRet{Checkpoint: c.ref(args.Dom)}
		return nil
	})
	return ret, err
}

// checkpointFilter applies the LEAVES/NO_LEAVES filters to list.
func (dom *domain) checkpointFilter(list []*checkpoint, flags uint32) []*checkpoint {
	leaves, noLeaves := flags&uint32(libvirt.DomainCheckpointListLeaves) != 0, flags&uint32(libvirt.DomainCheckpointListNoLeaves) != 0
	if leaves == noLeaves {
		return list
	}
	var out []*checkpoint
	for _, c := range list {
		if leaf := len(dom.checkpointChildren(c.name, false)) == 0; leaf == leaves {
			out = append(out, c)
		}
	}
	return out
}

func checkpointRefs(list []*checkpoint, dom libvirt.Domain) []libvirt.DomainCheckpoint {
	out := make([]libvirt.DomainCheckpoint, 0, len(list))
	for _, c := range list {
		out = append(out, c.ref(dom))
	}
	return out
}

// DomainListAllCheckpoints lists a domain's checkpoints (with ROOTS only
// those without a parent).
func (d *driver) DomainListAllCheckpoints(ctx context.Context, args *protocol.DomainListAllCheckpointsArgs) (*protocol.DomainListAllCheckpointsRet, error) {
	var ret protocol.DomainListAllCheckpointsRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		list := dom.checkpoints
		if uint32(args.Flags)&uint32(libvirt.DomainCheckpointListRoots) != 0 {
			list = dom.checkpointChildren("", false)
		}
		list = dom.checkpointFilter(list, uint32(args.Flags))
		ret.Ret = int32(len(list))
		if args.NeedResults != 0 {
			ret.Checkpoints = checkpointRefs(list, args.Dom)
		} else {
			ret.Checkpoints = []libvirt.DomainCheckpoint{}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// DomainCheckpointListAllChildren lists a checkpoint's children (with
// DESCENDANTS all of its subtree).
func (d *driver) DomainCheckpointListAllChildren(ctx context.Context, args *protocol.DomainCheckpointListAllChildrenArgs) (*protocol.DomainCheckpointListAllChildrenRet, error) {
	var ret protocol.DomainCheckpointListAllChildrenRet
	err := d.withCheckpoint(args.Checkpoint, func(dom *domain, c *checkpoint) error {
		list := dom.checkpointChildren(c.name, uint32(args.Flags)&uint32(libvirt.DomainCheckpointListDescendants) != 0)
		list = dom.checkpointFilter(list, uint32(args.Flags))
		ret.Ret = int32(len(list))
		if args.NeedResults != 0 {
			ret.Checkpoints = checkpointRefs(list, args.Checkpoint.Dom)
		} else {
			ret.Checkpoints = []libvirt.DomainCheckpoint{}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ret, nil
}

// DomainCheckpointLookupByName finds a checkpoint by name.
func (d *driver) DomainCheckpointLookupByName(ctx context.Context, args *protocol.DomainCheckpointLookupByNameArgs) (*protocol.DomainCheckpointLookupByNameRet, error) {
	var ret *protocol.DomainCheckpointLookupByNameRet
	err := d.withDomain(args.Dom, func(dom *domain) error {
		c, err := dom.checkpointByName(args.Name)
		if err != nil {
			return err
		}
		ret = &protocol.DomainCheckpointLookupByNameRet{Checkpoint: c.ref(args.Dom)}
		return nil
	})
	return ret, err
}

// DomainCheckpointGetParent returns a checkpoint's parent.
func (d *driver) DomainCheckpointGetParent(ctx context.Context, args *protocol.DomainCheckpointGetParentArgs) (*protocol.DomainCheckpointGetParentRet, error) {
	var ret *protocol.DomainCheckpointGetParentRet
	err := d.withCheckpoint(args.Checkpoint, func(dom *domain, c *checkpoint) error {
		if c.parent == "" {
			return lvErrorf(libvirt.ErrNoDomainCheckpoint, libvirt.FromTest, "Domain checkpoint not found: ",
				"checkpoint '%s' does not have a parent", c.name)
		}
		ret = &protocol.DomainCheckpointGetParentRet{Parent: libvirt.DomainCheckpoint{Name: c.parent, Dom: args.Checkpoint.Dom}}
		return nil
	})
	return ret, err
}

// DomainCheckpointGetXMLDesc formats a checkpoint as libvirt does:
// name, description, parent, creation time, disks (with SIZE, the test
// driver's size of a running domain's bitmaps) and, unless NO_DOMAIN,
// the domain definition.
func (d *driver) DomainCheckpointGetXMLDesc(ctx context.Context, args *protocol.DomainCheckpointGetXMLDescArgs) (*protocol.DomainCheckpointGetXMLDescRet, error) {
	var ret *protocol.DomainCheckpointGetXMLDescRet
	err := d.withCheckpoint(args.Checkpoint, func(dom *domain, c *checkpoint) error {
		size := uint32(args.Flags)&uint32(libvirt.DomainCheckpointXMLSize) != 0
		if size && !dom.active() {
			return notActive()
		}
		var b strings.Builder
		b.WriteString("<domaincheckpoint>\n")
		fmt.Fprintf(&b, "  <name>%s</name>\n", escapeLibvirt(c.name))
		if c.desc != "" {
			fmt.Fprintf(&b, "  <description>%s</description>\n", escapeLibvirt(c.desc))
		}
		if c.parent != "" {
			fmt.Fprintf(&b, "  <parent>\n    <name>%s</name>\n  </parent>\n", escapeLibvirt(c.parent))
		}
		fmt.Fprintf(&b, "  <creationTime>%d</creationTime>\n", c.created)
		if len(c.disks) > 0 {
			b.WriteString("  <disks>\n")
			for _, dk := range c.disks {
				fmt.Fprintf(&b, "    <disk name='%s' checkpoint='%s'", escapeLibvirt(dk.name), dk.kind)
				if dk.kind == "bitmap" {
					// The test driver sets a size with SIZE but does not
					// mark it valid, so libvirt's formatter leaves it out.
					fmt.Fprintf(&b, " bitmap='%s'", escapeLibvirt(dk.bitmap))
				}
				b.WriteString("/>\n")
			}
			b.WriteString("  </disks>\n")
		}
		if uint32(args.Flags)&uint32(libvirt.DomainCheckpointXMLNoDomain) == 0 && c.domXML != "" {
			b.WriteString(indentXML(c.domXML, "  "))
		}
		b.WriteString("</domaincheckpoint>\n")
		ret = &protocol.DomainCheckpointGetXMLDescRet{XML: b.String()}
		return nil
	})
	return ret, err
}

// indentXML indents every line of doc by prefix.
func indentXML(doc, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(doc, "\n"), "\n") {
		b.WriteString(prefix + l + "\n")
	}
	return b.String()
}

// DomainCheckpointDelete deletes a checkpoint (its children move to its
// parent), with CHILDREN its subtree, or with CHILDREN_ONLY only the
// subtree below it.
func (d *driver) DomainCheckpointDelete(ctx context.Context, args *protocol.DomainCheckpointDeleteArgs) error {
	return d.withCheckpoint(args.Checkpoint, func(dom *domain, c *checkpoint) error {
		flags := args.Flags
		if flags&(libvirt.DomainCheckpointDeleteChildren|libvirt.DomainCheckpointDeleteChildrenOnly) != 0 {
			drop := map[*checkpoint]bool{}
			for _, k := range dom.checkpointChildren(c.name, true) {
				drop[k] = true
				if k.name == dom.currentCheckpoint {
					dom.currentCheckpoint = c.name
				}
			}
			dom.removeCheckpoints(drop)
		} else {
			for _, k := range dom.checkpointChildren(c.name, false) {
				k.parent = c.parent
			}
		}
		if flags&libvirt.DomainCheckpointDeleteChildrenOnly == 0 {
			if dom.currentCheckpoint == c.name {
				dom.currentCheckpoint = c.parent
			}
			dom.removeCheckpoints(map[*checkpoint]bool{c: true})
		}
		return nil
	})
}

func (dom *domain) removeCheckpoints(drop map[*checkpoint]bool) {
	keep := dom.checkpoints[:0]
	for _, c := range dom.checkpoints {
		if !drop[c] {
			keep = append(keep, c)
		}
	}
	dom.checkpoints = keep
}
