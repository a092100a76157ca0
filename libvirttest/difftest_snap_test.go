//go:build integration

package libvirttest_test

import (
	"context"
	"sort"

	"github.com/virtwire/libvirt"
)

const snapDomXML = `<domain type='test'>
  <name>snapdom</name>
  <uuid>9d3c1b2a-5e4f-4a6b-9c8d-7e6f5a4b3c2d</uuid>
  <memory unit='KiB'>262144</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
</domain>`

// snapSteps take snapshots of a domain, walk the tree, revert and
// delete. libvirtd lists snapshots in its hash table's order, so lists
// are compared sorted.
func snapSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	snap := func(s *side, name string) libvirt.DomainSnapshot {
		return libvirt.DomainSnapshot{Name: name, Dom: s.dom2}
	}
	names := func(v []string) []string { sort.Strings(v); return v }
	snaps := func(v []libvirt.DomainSnapshot) []libvirt.DomainSnapshot {
		sort.Slice(v, func(i, j int) bool { return v[i].Name < v[j].Name })
		return v
	}
	add("snap define domain", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainDefineXML(ctx, snapDomXML)
		s.dom2 = v
		return r(v), err
	})
	add("snap start domain", libvirt.ProcDomainCreate, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreate(ctx, s.dom2)
		if err == nil {
			s.dom2 = v
		}
		return r(v), err
	})
	add("snap create bogus", libvirt.ProcDomainSnapshotCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotCreateXML(ctx, s.dom2, "<domainsnapshot><name>s0</name></domainsnapshot>", bogus)
		return r(v), err
	})
	add("snap create s1", libvirt.ProcDomainSnapshotCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotCreateXML(ctx, s.dom2, "<domainsnapshot><name>s1</name><description>first</description></domainsnapshot>", 0)
		return r(v), err
	})
	add("snap suspend", libvirt.ProcDomainSuspend, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSuspend(ctx, s.dom2)
	})
	add("snap create s2", libvirt.ProcDomainSnapshotCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotCreateXML(ctx, s.dom2, "<domainsnapshot><name>s2</name></domainsnapshot>", 0)
		return r(v), err
	})
	add("snap create s3 halt", libvirt.ProcDomainSnapshotCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotCreateXML(ctx, s.dom2, "<domainsnapshot><name>s3</name></domainsnapshot>", libvirt.DomainSnapshotCreateHalt)
		return r(v), err
	})
	add("snap state after halt", libvirt.ProcDomainGetState, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetState(ctx, s.dom2, 0)
		return r(a, b), err
	})
	add("snap create s2 again", libvirt.ProcDomainSnapshotCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotCreateXML(ctx, s.dom2, "<domainsnapshot><name>s2</name></domainsnapshot>", 0)
		return r(v), err
	})
	add("snap num", libvirt.ProcDomainSnapshotNum, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotNum(ctx, s.dom2, 0)
		return r(v), err
	})
	add("snap num roots", libvirt.ProcDomainSnapshotNum, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotNum(ctx, s.dom2, libvirt.DomainSnapshotListRoots)
		return r(v), err
	})
	add("snap names", libvirt.ProcDomainSnapshotListNames, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotListNames(ctx, s.dom2, 10, 0)
		return r(names(v)), err
	})
	add("snap list all", libvirt.ProcDomainListAllSnapshots, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.DomainListAllSnapshots(ctx, s.dom2, 0)
		return r(snaps(a), len(a)), err
	})
	add("snap current", libvirt.ProcDomainSnapshotCurrent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotCurrent(ctx, s.dom2, 0)
		return r(v), err
	})
	add("snap has current", libvirt.ProcDomainHasCurrentSnapshot, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainHasCurrentSnapshot(ctx, s.dom2, 0)
		return r(v), err
	})
	add("snap is current s1", libvirt.ProcDomainSnapshotIsCurrent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotIsCurrent(ctx, snap(s, "s1"), 0)
		return r(v), err
	})
	add("snap has metadata", libvirt.ProcDomainSnapshotHasMetadata, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotHasMetadata(ctx, snap(s, "s2"), 0)
		return r(v), err
	})
	add("snap parent of s3", libvirt.ProcDomainSnapshotGetParent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotGetParent(ctx, snap(s, "s3"), 0)
		return r(v), err
	})
	add("snap parent of s1", libvirt.ProcDomainSnapshotGetParent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotGetParent(ctx, snap(s, "s1"), 0)
		return r(v), err
	})
	add("snap children of s1", libvirt.ProcDomainSnapshotNumChildren, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotNumChildren(ctx, snap(s, "s1"), 0)
		return r(v), err
	})
	add("snap descendants of s1", libvirt.ProcDomainSnapshotNumChildren, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotNumChildren(ctx, snap(s, "s1"), libvirt.DomainSnapshotListDescendants)
		return r(v), err
	})
	add("snap descendant names", libvirt.ProcDomainSnapshotListChildrenNames, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotListChildrenNames(ctx, snap(s, "s1"), 10, libvirt.DomainSnapshotListDescendants)
		return r(names(v)), err
	})
	add("snap all children", libvirt.ProcDomainSnapshotListAllChildren, func(ctx context.Context, s *side) ([]any, error) {
		a, err := s.c.DomainSnapshotListAllChildren(ctx, snap(s, "s2"), 0)
		return r(snaps(a), len(a)), err
	})
	add("snap lookup", libvirt.ProcDomainSnapshotLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotLookupByName(ctx, s.dom2, "s2", 0)
		return r(v), err
	})
	for _, x := range []struct {
		name, snap string
		flags      libvirt.DomainSnapshotXMLFlags
	}{{"s1", "s1", 0}, {"s3 secure", "s3", libvirt.DomainSnapshotXMLSecure}, {"missing", "nope", 0}, {"bogus flags", "s1", bogus}} {
		add("snap xml "+x.name, libvirt.ProcDomainSnapshotGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainSnapshotGetXMLDesc(ctx, snap(s, x.snap), x.flags)
			return r(checkpointXML(v)), err
		})
	}
	add("snap undefine with snapshots", libvirt.ProcDomainUndefineFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainUndefineFlags(ctx, s.dom2, 0)
	})
	add("snap revert to s1", libvirt.ProcDomainRevertToSnapshot, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainRevertToSnapshot(ctx, snap(s, "s1"), 0)
	})
	add("snap state after revert s1", libvirt.ProcDomainGetState, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetState(ctx, s.dom2, 0)
		return r(a, b), err
	})
	add("snap revert to s2", libvirt.ProcDomainRevertToSnapshot, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainRevertToSnapshot(ctx, snap(s, "s2"), 0)
	})
	add("snap state after revert s2", libvirt.ProcDomainGetState, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetState(ctx, s.dom2, 0)
		return r(a, b), err
	})
	add("snap revert to s3 running", libvirt.ProcDomainRevertToSnapshot, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainRevertToSnapshot(ctx, snap(s, "s3"), libvirt.DomainSnapshotRevertRunning)
	})
	add("snap state after revert s3", libvirt.ProcDomainGetState, func(ctx context.Context, s *side) ([]any, error) {
		a, b, err := s.c.DomainGetState(ctx, s.dom2, 0)
		return r(a, b), err
	})
	add("snap current after revert", libvirt.ProcDomainSnapshotCurrent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotCurrent(ctx, s.dom2, 0)
		return r(v), err
	})
	add("snap delete s2", libvirt.ProcDomainSnapshotDelete, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSnapshotDelete(ctx, snap(s, "s2"), 0)
	})
	add("snap parent of s3 after delete", libvirt.ProcDomainSnapshotGetParent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotGetParent(ctx, snap(s, "s3"), 0)
		return r(v), err
	})
	add("snap delete s2 again", libvirt.ProcDomainSnapshotDelete, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSnapshotDelete(ctx, snap(s, "s2"), 0)
	})
	add("snap delete s1 children", libvirt.ProcDomainSnapshotDelete, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSnapshotDelete(ctx, snap(s, "s1"), libvirt.DomainSnapshotDeleteChildren)
	})
	add("snap num after delete", libvirt.ProcDomainSnapshotNum, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSnapshotNum(ctx, s.dom2, 0)
		return r(v), err
	})
	add("snap has current after delete", libvirt.ProcDomainHasCurrentSnapshot, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainHasCurrentSnapshot(ctx, s.dom2, 0)
		return r(v), err
	})
	add("snap destroy domain", libvirt.ProcDomainDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainDestroy(ctx, s.dom2)
	})
	add("snap undefine domain", libvirt.ProcDomainUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainUndefine(ctx, s.dom2)
	})
	return steps
}
