package libvirttest

import (
	"encoding/xml"
	"strings"

	"github.com/virtwire/libvirt"
)

// Redefining checkpoints from their XML
// (VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE), as libvirt's checkpoint
// parser and its redefinition checks do: the checkpoint is stored as
// described (name, parent, creation time, disks and, if given, the
// domain's definition), replacing one of the same name, which keeps its
// children. It becomes current when its parent is the current one.

// redefineCheckpoint stores the checkpoint doc describes; d.mu is held.
func redefineCheckpoint(dom *domain, doc string) (*checkpoint, error) {
	var base checkpointDoc
	var v struct {
		CreationTime *string `xml:"creationTime"`
		Parent       struct {
			Name string `xml:"name"`
		} `xml:"parent"`
		Domain *struct {
			Type string `xml:"type,attr"`
		} `xml:"domain"`
	}
	if err := xml.Unmarshal([]byte(doc), &base); err != nil {
		return nil, lvErrorf(libvirt.ErrXMLDetail, libvirt.FromDomainCheckpoint, "", "(domain_checkpoint): %v", err)
	}
	_ = xml.Unmarshal([]byte(doc), &v) // the same document, well-formed
	if base.XMLName.Local != "domaincheckpoint" {
		return nil, lvErrorf(libvirt.ErrXMLError, libvirt.FromXML, prefixXML, "expecting root element of 'domaincheckpoint', not '%s'", base.XMLName.Local)
	}
	name, created, err := redefinedMoment("checkpoint", libvirt.FromDomainCheckpoint, base.Name, v.CreationTime)
	if err != nil {
		return nil, err
	}
	c := &checkpoint{name: name, desc: base.Description, parent: strings.TrimSpace(v.Parent.Name), created: created}
	var def *domainDef
	if v.Domain != nil && v.Domain.Type != "" {
		if def, err = parseDomain(elementSource(doc, "domain")); err != nil {
			return nil, err
		}
	}
	if err := checkMomentParent(dom.checkpoints, c.name, c.parent); err != nil {
		return nil, err
	}
	if def != nil {
		if def.uuid != dom.uuid {
			return nil, lvErrorf(libvirt.ErrInvalidArg, libvirt.FromDomainCheckpoint, prefixInvArg,
				"definition for checkpoint %s must use uuid %s", c.name, dom.uuid)
		}
		if err := c.alignDisks(&base, def.disks); err != nil {
			return nil, err
		}
		c.domXML = formatDomain(def, -1, def.memKiB, def.vcpus, nil, defMeta(def), 0)
	} else {
		for _, dk := range base.Disks.Disks {
			c.disks = append(c.disks, checkpointDisk{name: dk.Name, kind: dk.Checkpoint, bitmap: dk.Bitmap})
		}
	}
	current := c.parent != "" && c.parent == dom.currentCheckpoint
	if other, ok := nodeByName(dom.checkpoints, c.name); ok {
		*other = *c
		c = other
	} else {
		dom.checkpoints = append(dom.checkpoints, c)
	}
	if current {
		dom.currentCheckpoint = c.name
	}
	return c, nil
}
