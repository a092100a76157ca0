//go:build integration

package libvirttest_test

import (
	"context"

	"github.com/virtwire/libvirt"
)

const difftMetaDomXML = `<domain type='test'>
  <name>difftmd</name>
  <uuid>5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e</uuid>
  <title>md</title>
  <metadata>
    <x:foo xmlns:x='http://example.org/x'>1</x:foo>
    <y:bar xmlns:y="http://example.org/y" a='1'>
      <y:c/>
   </y:bar>
  </metadata>
  <memory>1024</memory>
  <os><type>hvm</type></os>
</domain>`

const difftMetaNet2XML = `<network>
  <name>difftmeta2</name>
  <uuid>4a3b2c1d-0e9f-4a8b-9c7d-5e4f3a2b1c0d</uuid>
  <title>net title</title>
  <description>net &amp; description</description>
  <metadata>
    <z:app xmlns:z='http://example.org/z'><z:v>1</z:v></z:app>
  </metadata>
  <bridge name='difftbr6'/>
</network>`

// metaXMLSteps set namespaced metadata elements on a domain (and, against
// libvirt 11.3, a network) and read them back through the metadata calls
// and the definition's XML, where libvirt shows them with the caller's
// prefix in libxml2's formatting.
func metaXMLSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	str := func(v string) *string { return &v }
	var dom [2]libvirt.Domain
	idx := func(s *side) int {
		if s.name == "fake" {
			return 1
		}
		return 0
	}
	add("metaxml define", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainDefineXML(ctx, difftMetaDomXML)
		dom[idx(s)] = v
		return r(v), err
	})
	set := func(name string, md, key, uri *string, flags libvirt.DomainModificationImpact) {
		add("metaxml set "+name, libvirt.ProcDomainSetMetadata, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.DomainSetMetadata(ctx, dom[idx(s)], libvirt.DomainMetadataElement, md, key, uri, flags)
		})
	}
	get := func(name, uri string, flags libvirt.DomainModificationImpact) {
		add("metaxml get "+name, libvirt.ProcDomainGetMetadata, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainGetMetadata(ctx, dom[idx(s)], libvirt.DomainMetadataElement, &uri, flags)
			return r(v), err
		})
	}
	dump := func(name string, flags libvirt.DomainXMLFlags) {
		add("metaxml xml "+name, libvirt.ProcDomainGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.DomainGetXMLDesc(ctx, dom[idx(s)], flags)
			return r(v), err
		})
	}
	dump("defined", 0)
	get("defined x", "http://example.org/x", 0)
	get("defined y", "http://example.org/y", 0)
	set("app", str(`<app attr='x' b="y &amp; z"><sub>1 &lt; 2</sub><empty/></app>`), str("d"), str("http://example.org/d"), 0)
	set("blanks", str("<ws>\n  <sub>1</sub>\n   <e/>\n</ws>"), str("w"), str("http://example.org/w"), 0)
	set("mixed", str(`<mixed q='"'>a<b/>c&gt;'</mixed>`), str("m"), str("http://example.org/m"), 0)
	set("own namespace", str(`<a:pre xmlns:a='http://example.org/a'/>`), str("k"), str("http://example.org/k"), 0)
	set("replace x", str(`<foo2/>`), str("x2"), str("http://example.org/x"), 0)
	set("two elements", str(`<two/><three/>`), str("t"), str("http://example.org/t"), 0)
	set("comment", str(`<!-- c --><cm/>`), str("c"), str("http://example.org/c"), 0)
	set("bad key", str(`<ok/>`), str("bad key"), str("http://example.org/b"), 0)
	dump("set", 0)
	get("app", "http://example.org/d", 0)
	get("blanks", "http://example.org/w", 0)
	get("mixed", "http://example.org/m", 0)
	get("own namespace by key", "http://example.org/k", 0)
	get("own namespace by its own", "http://example.org/a", 0)
	get("replaced x", "http://example.org/x", 0)
	set("remove y", nil, nil, str("http://example.org/y"), 0)
	dump("removed", libvirt.DomainXMLInactive)
	add("metaxml start", libvirt.ProcDomainCreate, func(ctx context.Context, s *side) ([]any, error) {
		_, err := s.c.DomainCreate(ctx, dom[idx(s)])
		return nil, err
	})
	set("config only", str(`<cfg/>`), str("c"), str("http://example.org/cfg"), libvirt.DomainAffectConfig)
	set("live only", str(`<lv/>`), str("l"), str("http://example.org/lv"), libvirt.DomainAffectLive)
	dump("running", 0)
	dump("running inactive", libvirt.DomainXMLInactive)
	add("metaxml destroy", libvirt.ProcDomainDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainDestroy(ctx, dom[idx(s)])
	})
	dump("destroyed", 0)
	add("metaxml undefine", libvirt.ProcDomainUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainUndefine(ctx, dom[idx(s)])
	})

	// Networks (libvirt 9.7 and later: see sinceVersion).
	var net [2]libvirt.Network
	add("metaxml net define", libvirt.ProcNetworkDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkDefineXML(ctx, difftMetaNet2XML)
		net[idx(s)] = v
		return r(v), err
	})
	netDump := func(name string) {
		add("metaxml net xml "+name, libvirt.ProcNetworkGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.NetworkGetXMLDesc(ctx, net[idx(s)], 0)
			return r(v), err
		})
	}
	netSet := func(name string, typ libvirt.NetworkMetadataType, md, key, uri *string, flags libvirt.NetworkUpdateFlags) {
		add("metaxml net set "+name, libvirt.ProcNetworkSetMetadata, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.NetworkSetMetadata(ctx, net[idx(s)], typ, md, key, uri, flags)
		})
	}
	netGet := func(name string, typ libvirt.NetworkMetadataType, uri *string, flags libvirt.NetworkUpdateFlags) {
		add("metaxml net get "+name, libvirt.ProcNetworkGetMetadata, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.NetworkGetMetadata(ctx, net[idx(s)], typ, uri, flags)
			return r(v), err
		})
	}
	netDump("defined")
	netGet("defined z", libvirt.NetworkMetadataElement, str("http://example.org/z"), 0)
	netSet("element", libvirt.NetworkMetadataElement, str(`<app attr='x'><sub>1</sub></app>`), str("d"), str("http://example.org/d"), 0)
	netDump("set")
	add("metaxml net start", libvirt.ProcNetworkCreate, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkCreate(ctx, net[idx(s)])
	})
	netSet("config without a persistent definition", libvirt.NetworkMetadataTitle, str("lost"), nil, nil, libvirt.NetworkUpdateAffectConfig)
	netGet("config without a persistent definition", libvirt.NetworkMetadataTitle, nil, libvirt.NetworkUpdateAffectConfig)
	add("metaxml net config update", libvirt.ProcNetworkUpdate, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkUpdate(ctx, net[idx(s)], libvirt.NetworkUpdateCommandAddLast, libvirt.NetworkSectionDNSTxt, -1,
			`<txt name='t' value='v'/>`, libvirt.NetworkUpdateAffectConfig)
	})
	netSet("config title", libvirt.NetworkMetadataTitle, str("persistent"), nil, nil, libvirt.NetworkUpdateAffectConfig)
	netGet("config title", libvirt.NetworkMetadataTitle, nil, libvirt.NetworkUpdateAffectConfig)
	netGet("live title", libvirt.NetworkMetadataTitle, nil, libvirt.NetworkUpdateAffectLive)
	netDump("running")
	add("metaxml net destroy", libvirt.ProcNetworkDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkDestroy(ctx, net[idx(s)])
	})
	netSet("stopped title", libvirt.NetworkMetadataTitle, str("stopped"), nil, nil, 0)
	netGet("stopped config title", libvirt.NetworkMetadataTitle, nil, libvirt.NetworkUpdateAffectConfig)
	netDump("stopped")
	add("metaxml net undefine", libvirt.ProcNetworkUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkUndefine(ctx, net[idx(s)])
	})
	return steps
}

// networkMetadataSince is the libvirt version whose test driver first
// serves network metadata (9.7.0).
const networkMetadataSince = 9_007_000
