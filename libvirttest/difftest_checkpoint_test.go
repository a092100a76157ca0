//go:build integration

package libvirttest_test

import (
	"context"
	"regexp"
	"sort"

	"github.com/virtwire/libvirt"
)

const difftCPXML = `<domain type='test'>
  <name>difftcp</name>
  <uuid>2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e</uuid>
  <memory unit='KiB'>131072</memory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='i686'>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/difftcp-a.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <source file='/guest/difftcp-b.img'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
  </devices>
</domain>`

var (
	creationTimeRE = regexp.MustCompile(`<creationTime>[0-9]+</creationTime>`)
	domainElemRE   = regexp.MustCompile(`(?s)\n *<domain .*</domain>`)
)

// checkpointXML is a checkpoint's XML with its creation time (a clock)
// replaced and its embedded domain definition (libvirt's canonical
// form, which the fake does not produce; see the package doc) cut out.
func checkpointXML(doc string) string {
	doc = creationTimeRE.ReplaceAllString(doc, "<creationTime>T</creationTime>")
	return domainElemRE.ReplaceAllString(doc, "\n  <domain/>")
}

// checkpointSteps create a tree of checkpoints on a running domain,
// list, look up and format them, check the exclusion with snapshots,
// and delete them in the driver's three ways.
func checkpointSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	cp := func(s *side, name string) libvirt.DomainCheckpoint {
		return libvirt.DomainCheckpoint{Name: name, Dom: s.dom3}
	}
	sorted := func(v []libvirt.DomainCheckpoint) []string {
		var out []string
		for _, c := range v {
			out = append(out, c.Name)
		}
		sort.Strings(out)
		return out
	}
	create := func(name, doc string, flags libvirt.DomainCheckpointCreateFlags) {
		add("checkpoint create "+name, libvirt.ProcDomainCheckpointCreateXML, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainCheckpointCreateXML(ctx, s.dom3, doc, flags)
			return r(v), err
		})
	}
	list := func(name string, flags libvirt.DomainCheckpointListFlags) {
		add("checkpoint list "+name, libvirt.ProcDomainListAllCheckpoints, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainListAllCheckpoints(ctx, s.dom3, flags)
			return r(sorted(v)), err
		})
	}
	children := func(name, of string, flags libvirt.DomainCheckpointListFlags) {
		add("checkpoint children "+name, libvirt.ProcDomainCheckpointListAllChildren, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainCheckpointListAllChildren(ctx, cp(s, of), flags)
			return r(sorted(v)), err
		})
	}
	parent := func(of string) {
		add("checkpoint parent of "+of, libvirt.ProcDomainCheckpointGetParent, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainCheckpointGetParent(ctx, cp(s, of), 0)
			return r(v), err
		})
	}
	xmlOf := func(name, of string, flags libvirt.DomainCheckpointXMLFlags) {
		add("checkpoint xml "+name, libvirt.ProcDomainCheckpointGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainCheckpointGetXMLDesc(ctx, cp(s, of), flags)
			return r(checkpointXML(v)), err
		})
	}
	del := func(name, of string, flags libvirt.DomainCheckpointDeleteFlags) {
		add("checkpoint delete "+name, libvirt.ProcDomainCheckpointDelete, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainCheckpointDelete(ctx, cp(s, of), flags)
		})
	}

	add("checkpoint define difftcp", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainDefineXML(ctx, difftCPXML)
		s.dom3 = v
		return r(v), err
	})
	create("shut off", "<domaincheckpoint><name>c0</name></domaincheckpoint>", 0)
	add("checkpoint start difftcp", libvirt.ProcDomainCreate, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreate(ctx, s.dom3)
		s.dom3 = v
		return r(v), err
	})
	create("bogus flags", "<domaincheckpoint><name>c0</name></domaincheckpoint>", bogus)
	create("c1", "<domaincheckpoint><name>c1</name><description>first</description></domaincheckpoint>", 0)
	create("c2 vdb untracked", "<domaincheckpoint><name>c2</name><disks><disk name='vdb' checkpoint='no'/></disks></domaincheckpoint>", libvirt.DomainCheckpointCreateQuiesce)
	create("c3 own bitmap", "<domaincheckpoint><name>c3</name><disks><disk name='vda' checkpoint='bitmap' bitmap='b3'/></disks></domaincheckpoint>", 0)
	create("c1 again", "<domaincheckpoint><name>c1</name></domaincheckpoint>", 0)
	create("unknown disk", "<domaincheckpoint><name>c9</name><disks><disk name='sdz'/></disks></domaincheckpoint>", 0)
	create("malformed", "<domaincheckpoint><name>c9</name>", 0)
	create("wrong root", "<domainsnapshot><name>c9</name></domainsnapshot>", 0)
	list("all", 0)
	list("roots", libvirt.DomainCheckpointListRoots)
	list("leaves", libvirt.DomainCheckpointListLeaves)
	list("no leaves", libvirt.DomainCheckpointListNoLeaves)
	list("topological", libvirt.DomainCheckpointListTopological)
	list("bogus flags", bogus)
	children("of c1", "c1", 0)
	children("descendants of c1", "c1", libvirt.DomainCheckpointListDescendants)
	children("of missing", "nope", 0)
	children("bogus flags", "c1", bogus)
	add("checkpoint lookup c2", libvirt.ProcDomainCheckpointLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCheckpointLookupByName(ctx, s.dom3, "c2", 0)
		return r(v), err
	})
	add("checkpoint lookup missing", libvirt.ProcDomainCheckpointLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCheckpointLookupByName(ctx, s.dom3, "nope", 0)
		return r(v), err
	})
	add("checkpoint lookup bogus flags", libvirt.ProcDomainCheckpointLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCheckpointLookupByName(ctx, s.dom3, "c2", bogus)
		return r(v), err
	})
	parent("c3")
	parent("c1")
	parent("nope")
	add("checkpoint parent bogus flags", libvirt.ProcDomainCheckpointGetParent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCheckpointGetParent(ctx, cp(s, "c3"), bogus)
		return r(v), err
	})
	xmlOf("c1", "c1", 0)
	xmlOf("c2 no domain", "c2", libvirt.DomainCheckpointXMLNoDomain)
	xmlOf("c3 size", "c3", libvirt.DomainCheckpointXMLNoDomain|libvirt.DomainCheckpointXMLSize)
	xmlOf("missing", "nope", 0)
	xmlOf("bogus flags", "c1", bogus)
	add("checkpoint blocks snapshots", libvirt.ProcDomainSnapshotCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotCreateXML(ctx, s.dom3, "<domainsnapshot><name>s1</name></domainsnapshot>", 0)
		return r(v), err
	})
	del("c2 reparents c3", "c2", 0)
	parent("c3")
	create("c4 after current", "<domaincheckpoint><name>c4</name></domaincheckpoint>", 0)
	parent("c4")
	create("c5", "<domaincheckpoint><name>c5</name></domaincheckpoint>", 0)
	del("c4 children only", "c4", libvirt.DomainCheckpointDeleteChildrenOnly)
	list("after children only", 0)
	create("c6 after children only", "<domaincheckpoint><name>c6</name></domaincheckpoint>", 0)
	parent("c6")
	del("missing", "nope", 0)
	del("bogus flags", "c1", bogus)
	del("c1 with children", "c1", libvirt.DomainCheckpointDeleteChildren|libvirt.DomainCheckpointDeleteMetadataOnly)
	list("after all deleted", 0)
	create("c7 root again", "<domaincheckpoint><name>c7</name></domaincheckpoint>", 0)
	parent("c7")
	xmlOf("c7 size shut off", "c7", libvirt.DomainCheckpointXMLSize)
	add("checkpoint destroy difftcp", libvirt.ProcDomainDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainDestroy(ctx, s.dom3)
	})
	xmlOf("size of shut off", "c7", libvirt.DomainCheckpointXMLSize|libvirt.DomainCheckpointXMLNoDomain)
	list("shut off", 0)
	add("checkpoint undefine difftcp", libvirt.ProcDomainUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainUndefine(ctx, s.dom3)
	})
	return steps
}
