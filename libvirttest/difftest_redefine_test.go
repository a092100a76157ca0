//go:build integration

package libvirttest_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/virtwire/libvirt"
)

const difftRedefXML = `<domain type='test'>
  <name>%s</name>
  <memory>1024</memory>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/guest/%s.img'/><target dev='vda' bus='virtio'/></disk>
  </devices>
</domain>`

var otherUUID = regexp.MustCompile(`<uuid>[^<]*</uuid>`)

// redefineSteps redefine snapshots and checkpoints from the XML each
// daemon dumped (the REDEFINE flags): unchanged, renamed, reparented,
// made current, and the parser's and the redefinition checks' refusals.
func redefineSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	idx := func(s *side) int {
		if s.name == "fake" {
			return 1
		}
		return 0
	}
	var dom [2]libvirt.Domain
	var dumped [2]map[string]string
	domain := func(name string) {
		add("redefine define "+name, libvirt.ProcDomainCreateXML, func(ctx context.Context, s *side) ([]any, error) {
			d, err := s.c.DomainDefineXML(ctx, strings.ReplaceAll(difftRedefXML, "%s", name))
			if err != nil {
				return nil, err
			}
			dom[idx(s)] = d
			dumped[idx(s)] = map[string]string{}
			_, err = s.c.DomainCreate(ctx, d)
			return r(d), err
		})
	}
	done := func(name string) {
		add("redefine undefine "+name, libvirt.ProcDomainUndefineFlags, func(ctx context.Context, s *side) ([]any, error) {
			d := dom[idx(s)]
			if err := s.c.DomainDestroy(ctx, d); err != nil {
				return nil, err
			}
			return nil, s.c.DomainUndefineFlags(ctx, d, libvirt.DomainUndefineSnapshotsMetadata|libvirt.DomainUndefineCheckpointsMetadata)
		})
	}

	// Snapshots.
	snap := func(name, doc string, flags libvirt.DomainSnapshotCreateFlags) {
		add("redefine snapshot "+name, libvirt.ProcDomainSnapshotCreateXML, func(ctx context.Context, s *side) ([]any, error) {
			x := doc
			if strings.HasPrefix(doc, "dump:") {
				// name:old:new replaces old by new in the dumped XML of name.
				f := strings.SplitN(strings.TrimPrefix(doc, "dump:"), ":", 3)
				x = strings.Replace(dumped[idx(s)][f[0]], f[1], f[2], 1)
			}
			if strings.HasPrefix(doc, "uuid:") {
				// Another domain's UUID in the dumped XML.
				x = otherUUID.ReplaceAllString(dumped[idx(s)][strings.TrimPrefix(doc, "uuid:")], "<uuid>00000000-0000-4000-8000-000000000001</uuid>")
			}
			v, err := s.c.DomainSnapshotCreateXML(ctx, dom[idx(s)], x, flags)
			return r(v), err
		})
	}
	snapXML := func(name string) {
		add("redefine snapshot xml "+name, libvirt.ProcDomainSnapshotGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainSnapshotGetXMLDesc(ctx, libvirt.DomainSnapshot{Name: name, Dom: dom[idx(s)]}, 0)
			if err == nil {
				dumped[idx(s)][name] = v
			}
			return r(v), err
		})
	}
	tree := func(name string) {
		add("redefine snapshot tree "+name, libvirt.ProcDomainListAllSnapshots, func(ctx context.Context, s *side) ([]any, error) {
			d := dom[idx(s)]
			list, err := s.c.DomainListAllSnapshots(ctx, d, 0)
			if err != nil {
				return nil, err
			}
			// name<parent, sorted: libvirt lists from a hash table.
			var out []string
			for _, sn := range list {
				p, perr := s.c.DomainSnapshotGetParent(ctx, sn, 0)
				out = append(out, fmt.Sprintf("%s<%s %v", sn.Name, p.Name, perr == nil))
			}
			sort.Strings(out)
			cur, err := s.c.DomainSnapshotCurrent(ctx, d, 0)
			return r(out, cur.Name), err
		})
	}
	const (
		redefine = libvirt.DomainSnapshotCreateRedefine
		current  = libvirt.DomainSnapshotCreateCurrent
	)
	domain("difftrd")
	snap("s1", `<domainsnapshot><name>s1</name><description>one</description></domainsnapshot>`, 0)
	snap("s2", `<domainsnapshot><name>s2</name></domainsnapshot>`, 0)
	snapXML("s1")
	snapXML("s2")
	snap("same", "dump:s1::", redefine)
	tree("after same")
	snap("same current", "dump:s1::", redefine|current)
	tree("after same current")
	snap("current without redefine", `<domainsnapshot><name>s9</name></domainsnapshot>`, current)
	snap("renamed", "dump:s1:<name>s1</name>:<name>s3</name>", redefine)
	snapXML("s3")
	snap("reparented", "dump:s2:<name>s1</name>:<name>s3</name>", redefine)
	tree("after reparent")
	snap("no name", `<domainsnapshot><state>running</state><creationTime>1</creationTime></domainsnapshot>`, redefine)
	snap("no time", `<domainsnapshot><name>s4</name><state>running</state></domainsnapshot>`, redefine)
	snap("no state", `<domainsnapshot><name>s4</name><creationTime>1</creationTime></domainsnapshot>`, redefine)
	snap("bad state", `<domainsnapshot><name>s4</name><state>bogus</state><creationTime>1</creationTime></domainsnapshot>`, redefine)
	snap("no domain", `<domainsnapshot><name>s4</name><state>shutoff</state><creationTime>12345</creationTime></domainsnapshot>`, redefine)
	snap("no domain existing", `<domainsnapshot><name>s1</name><description>kept domain</description><state>running</state><creationTime>7</creationTime></domainsnapshot>`, redefine)
	snapXML("s1")
	snap("parent missing", `<domainsnapshot><name>s5</name><state>running</state><creationTime>1</creationTime><parent><name>nope</name></parent></domainsnapshot>`, redefine)
	snap("own parent", `<domainsnapshot><name>s5</name><state>running</state><creationTime>1</creationTime><parent><name>s5</name></parent></domainsnapshot>`, redefine)
	snap("cycle", `<domainsnapshot><name>s3</name><state>running</state><creationTime>1</creationTime><parent><name>s2</name></parent></domainsnapshot>`, redefine)
	snap("offline", `<domainsnapshot><name>s1</name><state>shutoff</state><creationTime>1</creationTime></domainsnapshot>`, redefine)
	snap("other uuid", "uuid:s2", redefine)
	snap("malformed", `<domainsnapshot><name>s6`, redefine)
	tree("at the end")
	done("difftrd")

	// Checkpoints (on a domain without snapshots).
	ck := func(name, doc string, flags libvirt.DomainCheckpointCreateFlags) {
		add("redefine checkpoint "+name, libvirt.ProcDomainCheckpointCreateXML, func(ctx context.Context, s *side) ([]any, error) {
			x := doc
			if strings.HasPrefix(doc, "dump:") {
				f := strings.SplitN(strings.TrimPrefix(doc, "dump:"), ":", 3)
				x = strings.Replace(dumped[idx(s)]["ck:"+f[0]], f[1], f[2], 1)
			}
			if strings.HasPrefix(doc, "uuid:") {
				x = otherUUID.ReplaceAllString(dumped[idx(s)]["ck:"+strings.TrimPrefix(doc, "uuid:")], "<uuid>00000000-0000-4000-8000-000000000001</uuid>")
			}
			v, err := s.c.DomainCheckpointCreateXML(ctx, dom[idx(s)], x, flags)
			return r(v), err
		})
	}
	ckXML := func(name string) {
		add("redefine checkpoint xml "+name, libvirt.ProcDomainCheckpointGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainCheckpointGetXMLDesc(ctx, libvirt.DomainCheckpoint{Name: name, Dom: dom[idx(s)]}, 0)
			if err == nil {
				dumped[idx(s)]["ck:"+name] = v
			}
			return r(v), err
		})
	}
	ckTree := func(name string) {
		add("redefine checkpoint tree "+name, libvirt.ProcDomainListAllCheckpoints, func(ctx context.Context, s *side) ([]any, error) {
			list, err := s.c.DomainListAllCheckpoints(ctx, dom[idx(s)], 0)
			if err != nil {
				return nil, err
			}
			var out []string
			for _, c := range list {
				p, perr := s.c.DomainCheckpointGetParent(ctx, c, 0)
				out = append(out, fmt.Sprintf("%s<%s %v", c.Name, p.Name, perr == nil))
			}
			sort.Strings(out)
			return r(out), nil
		})
	}
	const ckRedefine = libvirt.DomainCheckpointCreateRedefine
	domain("difftck")
	ck("c1", `<domaincheckpoint><name>c1</name><description>one</description></domaincheckpoint>`, 0)
	ck("c2", `<domaincheckpoint><name>c2</name></domaincheckpoint>`, 0)
	ckXML("c1")
	ckXML("c2")
	ck("same", "dump:c1::", ckRedefine)
	ck("renamed", "dump:c1:<name>c1</name>:<name>c3</name>", ckRedefine)
	ckXML("c3")
	ck("child of the current one", "dump:c2:<name>c2</name>:<name>c4</name>", ckRedefine)
	ckXML("c4")
	ck("no name", `<domaincheckpoint><creationTime>1</creationTime></domaincheckpoint>`, ckRedefine)
	ck("no time", `<domaincheckpoint><name>c5</name></domaincheckpoint>`, ckRedefine)
	ck("no domain", `<domaincheckpoint><name>c5</name><creationTime>1</creationTime></domaincheckpoint>`, ckRedefine)
	ckXML("c5")
	ck("own parent", `<domaincheckpoint><name>c6</name><parent><name>c6</name></parent><creationTime>1</creationTime></domaincheckpoint>`, ckRedefine)
	ck("parent missing", `<domaincheckpoint><name>c6</name><parent><name>nope</name></parent><creationTime>1</creationTime></domaincheckpoint>`, ckRedefine)
	ck("cycle", `<domaincheckpoint><name>c1</name><parent><name>c2</name></parent><creationTime>1</creationTime></domaincheckpoint>`, ckRedefine)
	ck("other uuid", "uuid:c3", ckRedefine)
	ck("unknown disk", "dump:c3:<disk name='vda':<disk name='vdz'", ckRedefine)
	ck("malformed", `<domaincheckpoint><name>c6`, ckRedefine)
	ck("next", `<domaincheckpoint><name>cn</name></domaincheckpoint>`, 0)
	ckTree("at the end")
	done("difftck")
	return steps
}
