//go:build integration

package libvirttest_test

import (
	"context"

	"github.com/virtwire/libvirt"
)

const difftMetaNetXML = `<network>
  <name>difftmeta</name>
  <uuid>6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f</uuid>
  <bridge name='difftbr9'/>
</network>`

// netMetadataSteps set, read and remove network metadata (libvirt 9.7
// and later: compared against 11.3 only) on the active "default" and an
// inactive network.
func netMetadataSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	str := func(v string) *string { return &v }
	const uri = "http://example.org/difft"
	set := func(name string, on func(s *side) libvirt.Network, typ libvirt.NetworkMetadataType, md, key, u *string, flags libvirt.NetworkUpdateFlags) {
		add("net metadata set "+name, libvirt.ProcNetworkSetMetadata, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.NetworkSetMetadata(ctx, on(s), typ, md, key, u, flags)
		})
	}
	get := func(name string, on func(s *side) libvirt.Network, typ libvirt.NetworkMetadataType, u *string, flags libvirt.NetworkUpdateFlags) {
		add("net metadata get "+name, libvirt.ProcNetworkGetMetadata, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.NetworkGetMetadata(ctx, on(s), typ, u, flags)
			return r(v), err
		})
	}
	def := func(s *side) libvirt.Network { return s.net }
	inactive := func(s *side) libvirt.Network { return s.net2 }
	set("title", def, libvirt.NetworkMetadataTitle, str("Difft network"), nil, nil, 0)
	get("title", def, libvirt.NetworkMetadataTitle, nil, 0)
	set("description", def, libvirt.NetworkMetadataDescription, str("for the differential tester"), nil, nil, libvirt.NetworkUpdateAffectLive)
	get("description", def, libvirt.NetworkMetadataDescription, nil, libvirt.NetworkUpdateAffectConfig)
	set("element", def, libvirt.NetworkMetadataElement, str("<app>1</app>"), str("d"), str(uri), 0)
	get("element", def, libvirt.NetworkMetadataElement, str(uri), 0)
	get("other uri", def, libvirt.NetworkMetadataElement, str("http://example.org/other"), 0)
	set("element without uri", def, libvirt.NetworkMetadataElement, str("<app/>"), str("d"), nil, 0)
	set("element without key", def, libvirt.NetworkMetadataElement, str("<app/>"), nil, str(uri), 0)
	set("unknown type", def, 7, str("x"), nil, nil, 0)
	set("remove title", def, libvirt.NetworkMetadataTitle, nil, nil, nil, 0)
	get("removed title", def, libvirt.NetworkMetadataTitle, nil, 0)
	set("bogus flags", def, libvirt.NetworkMetadataTitle, str("x"), nil, nil, libvirt.NetworkUpdateFlags(bogus))
	get("bogus flags", def, libvirt.NetworkMetadataTitle, nil, libvirt.NetworkUpdateFlags(bogus))
	add("net metadata define inactive", libvirt.ProcNetworkDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkDefineXML(ctx, difftMetaNetXML)
		s.net2 = v
		return r(v), err
	})
	set("live on inactive", inactive, libvirt.NetworkMetadataTitle, str("x"), nil, nil, libvirt.NetworkUpdateAffectLive)
	get("live on inactive", inactive, libvirt.NetworkMetadataTitle, nil, libvirt.NetworkUpdateAffectLive)
	set("config on inactive", inactive, libvirt.NetworkMetadataTitle, str("t"), nil, nil, libvirt.NetworkUpdateAffectConfig)
	get("config on inactive", inactive, libvirt.NetworkMetadataTitle, nil, 0)
	add("net metadata undefine inactive", libvirt.ProcNetworkUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkUndefine(ctx, s.net2)
	})
	return steps
}
