//go:build integration

package libvirttest_test

import (
	"context"

	"github.com/virtwire/libvirt"
)

const difftUpdNetXML = `<network>
  <name>difftupd</name>
  <uuid>7d6e5f4a-3b2c-4d1e-8f7a-6b5c4d3e2f1a</uuid>
  <forward mode='nat'/>
  <bridge name='difftbr7'/>
  <dns>
    <txt name='base' value='b'/>
  </dns>
  <ip address='10.20.0.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.20.0.100' end='10.20.0.200'/>
    </dhcp>
  </ip>
  <ip family='ipv6' address='fd00:20::1' prefix='64'>
  </ip>
</network>`

const difftUpdNetXML2 = `<network>
  <name>difftupd</name>
  <uuid>7d6e5f4a-3b2c-4d1e-8f7a-6b5c4d3e2f1a</uuid>
  <bridge name='difftbr8'/>
</network>`

const difftUpdTransientXML = `<network>
  <name>difftupdtr</name>
  <uuid>8e7f6a5b-4c3d-4e2f-9a8b-7c6d5e4f3a2b</uuid>
  <ip address='10.21.0.1' prefix='24'/>
</network>`

const difftUpdNewerXML = `<network>
  <name>difftupdnew</name>
  <uuid>9f8a7b6c-5d4e-4f3a-8b9c-8d7e6f5a4b3c</uuid>
  <dns>
    <txt name='t1' value='v1'/>
    <host ip='10.22.0.5'>
      <hostname>h1</hostname>
    </host>
    <host ip='10.22.0.6'>
      <hostname>h1</hostname>
    </host>
  </dns>
  <ip address='10.22.0.1' prefix='24'/>
</network>`

// netUpdateSteps edit network definitions section by section
// (NetworkUpdate): every section and command, the errors of libvirt's
// parsers and of the lookups, and the LIVE and CONFIG definitions of a
// running, an inactive and a transient network.
func netUpdateSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	const (
		modify   = libvirt.NetworkUpdateCommandModify
		del      = libvirt.NetworkUpdateCommandDelete
		last     = libvirt.NetworkUpdateCommandAddLast
		first    = libvirt.NetworkUpdateCommandAddFirst
		live     = libvirt.NetworkUpdateAffectLive
		config   = libvirt.NetworkUpdateAffectConfig
		host     = libvirt.NetworkSectionIPDHCPHost
		rng      = libvirt.NetworkSectionIPDHCPRange
		dnsHost  = libvirt.NetworkSectionDNSHost
		dnsTXT   = libvirt.NetworkSectionDNSTxt
		dnsSRV   = libvirt.NetworkSectionDNSSrv
		pg       = libvirt.NetworkSectionPortgroup
		fwdIface = libvirt.NetworkSectionForwardInterface
	)
	upd := func(s *side) libvirt.Network { return s.net2 }
	up := func(name string, cmd libvirt.NetworkUpdateCommand, sec libvirt.NetworkUpdateSection, idx int32, xml string, flags libvirt.NetworkUpdateFlags) {
		add("net update "+name, libvirt.ProcNetworkUpdate, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.NetworkUpdate(ctx, upd(s), cmd, sec, idx, xml, flags)
		})
	}
	dump := func(name string) {
		add("net update xml "+name, libvirt.ProcNetworkGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.NetworkGetXMLDesc(ctx, upd(s), 0)
			return r(v), err
		})
	}
	define := func(name, xml string) {
		add("net update "+name, libvirt.ProcNetworkDefineXML, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.NetworkDefineXML(ctx, xml)
			s.net2 = v
			return r(v), err
		})
	}
	define("define", difftUpdNetXML)
	up("live on inactive", last, host, -1, `<host mac='52:54:00:20:00:01' ip='10.20.0.10'/>`, live)

	// DHCP hosts.
	up("dhcp host add", last, host, -1, `<host ip='10.20.0.10' name='a' mac='52:54:00:20:00:01'/>`, 0)
	up("dhcp host add first", first, host, -1, `<host mac='52:54:00:20:00:02' name='b' ip='10.20.0.11'><lease expiry='1' unit='hours'/></host>`, config)
	up("dhcp host add same mac", last, host, -1, `<host mac='52:54:00:20:00:01' name='c' ip='10.20.0.12'/>`, 0)
	up("dhcp host add same name", last, host, -1, `<host mac='52:54:00:20:00:03' name='a' ip='10.20.0.12'/>`, 0)
	up("dhcp host add same ip", last, host, -1, `<host mac='52:54:00:20:00:03' ip='10.20.0.11'/>`, 0)
	up("dhcp host wrong element", last, host, -1, `<hst mac='52:54:00:20:00:03'/>`, 0)
	up("dhcp host no mac or name", last, host, -1, `<host ip='10.20.0.13'/>`, 0)
	up("dhcp host bad mac", last, host, -1, `<host mac='zz' ip='10.20.0.13'/>`, 0)
	up("dhcp host multicast mac", last, host, -1, `<host mac='01:00:00:00:00:01' ip='10.20.0.13'/>`, 0)
	up("dhcp host no ip", last, host, -1, `<host mac='52:54:00:20:00:03'/>`, 0)
	up("dhcp host bad ip", last, host, -1, `<host mac='52:54:00:20:00:03' ip='bogus'/>`, 0)
	up("dhcp host other family", last, host, -1, `<host mac='52:54:00:20:00:03' ip='fd00:20::5'/>`, 0)
	up("dhcp host ipv6 with mac", last, host, 1, `<host mac='52:54:00:20:00:03' ip='fd00:20::5'/>`, 0)
	up("dhcp host ipv6 no id", last, host, 1, `<host ip='fd00:20::5'/>`, 0)
	up("dhcp host ipv6", last, host, 1, `<host id='0:1:0:1:aa' ip='fd00:20::5'/>`, 0)
	up("dhcp host no such ip", last, host, 2, `<host mac='52:54:00:20:00:03' ip='10.20.0.13'/>`, 0)
	up("dhcp host outside network", last, host, 0, `<host mac='52:54:00:20:00:03' name='far' ip='10.99.0.13'/>`, 0)
	up("dhcp host modify", modify, host, -1, `<host mac='52:54:00:20:00:01' name='a2' ip='10.20.0.20'/>`, 0)
	up("dhcp host modify missing", modify, host, -1, `<host name='nope' ip='10.20.0.21'/>`, 0)
	up("dhcp host delete mismatch", del, host, -1, `<host mac='52:54:00:20:00:02' name='wrong'/>`, 0)
	up("dhcp host delete empty", del, host, -1, `<host/>`, 0)
	up("dhcp host delete", del, host, -1, `<host name='far'/>`, 0)
	up("dhcp host unknown command", 0, host, -1, `<host mac='52:54:00:20:00:09' ip='10.20.0.30'/>`, 0)
	up("dhcp host command 9", 9, host, -1, `<host mac='52:54:00:20:00:09' ip='10.20.0.30'/>`, 0)
	up("malformed", last, host, -1, `<host mac=`, 0)
	dump("dhcp hosts")

	// DHCP ranges.
	up("range add", last, rng, -1, `<range start='10.20.0.50' end='10.20.0.60'/>`, 0)
	up("range add first", first, rng, 0, `<range start='10.20.0.30' end='10.20.0.40'><lease expiry='2' unit='hours'/></range>`, 0)
	up("range add again", last, rng, -1, `<range start='10.20.0.50' end='10.20.0.60'/>`, 0)
	up("range modify", modify, rng, -1, `<range start='10.20.0.50' end='10.20.0.60'/>`, 0)
	up("range wrong element", last, rng, -1, `<rng/>`, 0)
	up("range no start", last, rng, -1, `<range end='10.20.0.60'/>`, 0)
	up("range no end", last, rng, -1, `<range start='10.20.0.50'/>`, 0)
	up("range bad start", last, rng, -1, `<range start='bogus' end='10.20.0.60'/>`, 0)
	up("range outside", last, rng, -1, `<range start='10.21.0.2' end='10.21.0.9'/>`, 0)
	up("range reversed", last, rng, -1, `<range start='10.20.0.90' end='10.20.0.80'/>`, 0)
	up("range other family", last, rng, -1, `<range start='fd00:20::10' end='fd00:20::20'/>`, 0)
	up("range delete missing", del, rng, -1, `<range start='10.20.0.51' end='10.20.0.60'/>`, 0)
	up("range delete", del, rng, -1, `<range start='10.20.0.100' end='10.20.0.200'/>`, 0)
	up("range ipv6", last, rng, 1, `<range start='fd00:20::10' end='fd00:20::20'/>`, 0)
	dump("ranges")

	// DNS records.
	up("dns host add", last, dnsHost, -1, `<host ip='10.20.0.5'><hostname>h1</hostname></host>`, 0)
	up("dns host add first", first, dnsHost, -1, `<host ip='10.20.0.6'><hostname>h2</hostname><hostname>h2b</hostname></host>`, 0)
	up("dns host add same ip", last, dnsHost, -1, `<host ip='10.20.0.5'><hostname>h9</hostname></host>`, 0)
	up("dns host add same name", last, dnsHost, -1, `<host ip='10.20.0.7'><hostname>h1</hostname></host>`, 0)
	up("dns host no hostname", last, dnsHost, -1, `<host ip='10.20.0.8'></host>`, 0)
	up("dns host no ip", last, dnsHost, -1, `<host><hostname>h3</hostname></host>`, 0)
	up("dns host bad ip", last, dnsHost, -1, `<host ip='x'><hostname>h3</hostname></host>`, 0)
	up("dns host delete ambiguous", del, dnsHost, -1, `<host ip='10.20.0.9'><hostname>h1</hostname></host>`, 0)
	up("dns host delete by ip", del, dnsHost, -1, `<host ip='10.20.0.5'><hostname>hx</hostname></host>`, 0)
	up("dns host delete by name", del, dnsHost, -1, `<host><hostname>h2b</hostname></host>`, 0)
	up("dns host delete missing", del, dnsHost, -1, `<host ip='10.20.0.99'/>`, 0)
	up("dns txt add", last, dnsTXT, -1, `<txt name='t1' value='v1'/>`, 0)
	up("dns txt add first", first, dnsTXT, -1, `<txt name='t2' value='v2'/>`, 0)
	up("dns txt add again", last, dnsTXT, -1, `<txt name='t1' value='v9'/>`, 0)
	up("dns txt no value", last, dnsTXT, -1, `<txt name='t3'/>`, 0)
	up("dns txt no name", last, dnsTXT, -1, `<txt value='x'/>`, 0)
	up("dns txt space", last, dnsTXT, -1, `<txt name='a b' value='x'/>`, 0)
	up("dns txt delete", del, dnsTXT, -1, `<txt name='base' value='other'/>`, 0)
	up("dns txt delete missing", del, dnsTXT, -1, `<txt name='t9'/>`, 0)
	up("dns srv add", last, dnsSRV, -1, `<srv service='name' protocol='tcp' domain='d.example' target='.' port='1024' priority='10' weight='10'/>`, 0)
	up("dns srv add first", first, dnsSRV, -1, `<srv service='other' protocol='udp'/>`, 0)
	up("dns srv add matching", last, dnsSRV, -1, `<srv service='name' protocol='tcp'/>`, 0)
	up("dns srv no service", last, dnsSRV, -1, `<srv protocol='tcp'/>`, 0)
	up("dns srv no protocol", last, dnsSRV, -1, `<srv service='x'/>`, 0)
	up("dns srv bad protocol", last, dnsSRV, -1, `<srv service='ab' protocol='t p'/>`, 0)
	up("dns srv port without target", last, dnsSRV, -1, `<srv service='ab' protocol='tcp' port='80'/>`, 0)
	up("dns srv port zero", last, dnsSRV, -1, `<srv service='ab' protocol='tcp' target='t.example' port='0'/>`, 0)
	up("dns srv modify", modify, dnsSRV, -1, `<srv service='name' protocol='tcp'/>`, 0)
	up("dns srv third", last, dnsSRV, -1, `<srv service='x_y' protocol='sctp' target='x'/>`, 0)
	up("dns srv delete ambiguous", del, dnsSRV, -1, `<srv/>`, 0)
	up("dns srv delete", del, dnsSRV, -1, `<srv service='other'/>`, 0)
	up("dns srv delete missing", del, dnsSRV, -1, `<srv service='nomatch' protocol='tcp'/>`, 0)
	up("dns unknown command", 0, dnsTXT, -1, `<txt name='q' value='v'/>`, 0)
	dump("dns")

	// Port groups and forward interfaces.
	up("portgroup add", last, pg, -1, `<portgroup name='pg1'/>`, 0)
	up("portgroup add default", first, pg, -1, `<portgroup default='yes' name='pg0'><vlan><tag id='42'/></vlan></portgroup>`, 0)
	up("portgroup add again", last, pg, -1, `<portgroup name='pg1'/>`, 0)
	up("portgroup second default", last, pg, -1, `<portgroup name='pg2' default='yes'/>`, 0)
	up("portgroup no name", last, pg, -1, `<portgroup/>`, 0)
	up("portgroup modify default", modify, pg, -1, `<portgroup name='pg1' default='yes'/>`, 0)
	up("portgroup modify missing", modify, pg, -1, `<portgroup name='pg9'/>`, 0)
	up("portgroup modify", modify, pg, -1, `<portgroup name='pg0'><vlan><tag id='43'/></vlan></portgroup>`, 0)
	up("portgroup delete missing", del, pg, -1, `<portgroup name='pg9'/>`, 0)
	up("portgroup delete", del, pg, -1, `<portgroup name='pg1'/>`, 0)
	up("forward iface add", last, fwdIface, -1, `<interface dev='eth0'/>`, 0)
	up("forward iface add second", first, fwdIface, -1, `<interface dev='eth1'/>`, 0)
	up("forward iface add again", last, fwdIface, -1, `<interface dev='eth0'/>`, 0)
	up("forward iface no dev", last, fwdIface, -1, `<interface/>`, 0)
	up("forward iface modify", modify, fwdIface, -1, `<interface dev='eth0'/>`, 0)
	dump("forward iface")
	up("forward iface delete missing", del, fwdIface, -1, `<interface dev='eth9'/>`, 0)
	up("forward iface delete", del, fwdIface, -1, `<interface dev='eth0'/>`, 0)

	// Sections libvirt refuses, and bad arguments.
	for _, sec := range []struct {
		name string
		sec  libvirt.NetworkUpdateSection
	}{
		{"none", libvirt.NetworkSectionNone}, {"bridge", libvirt.NetworkSectionBridge},
		{"domain", libvirt.NetworkSectionDomain}, {"ip", libvirt.NetworkSectionIP},
		{"forward", libvirt.NetworkSectionForward}, {"forward pf", libvirt.NetworkSectionForwardPf},
		{"unknown", 99},
	} {
		up("section "+sec.name, last, sec.sec, -1, `<x/>`, 0)
	}
	up("bogus flags", last, host, -1, `<host/>`, libvirt.NetworkUpdateFlags(bogus))
	add("net update missing network", libvirt.ProcNetworkUpdate, func(ctx context.Context, s *side) ([]any, error) {
		gone := libvirt.Network{Name: "nope", UUID: libvirt.UUID{9, 9, 9}}
		return nil, s.c.NetworkUpdate(ctx, gone, last, host, -1, `<host/>`, 0)
	})
	dump("inactive")

	// A running network: LIVE edits show, CONFIG edits go to a
	// persistent definition that its XML never shows.
	add("net update start", libvirt.ProcNetworkCreate, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkCreate(ctx, s.net2)
	})
	up("running current", last, host, -1, `<host mac='52:54:00:20:00:31' ip='10.20.0.31'/>`, 0)
	up("running config", last, host, -1, `<host mac='52:54:00:20:00:32' ip='10.20.0.32'/>`, config)
	up("running config again", last, host, -1, `<host mac='52:54:00:20:00:32' ip='10.20.0.32'/>`, config)
	up("running live and config", last, host, -1, `<host mac='52:54:00:20:00:33' ip='10.20.0.33'/>`, live|config)
	up("running live and config again", last, host, -1, `<host mac='52:54:00:20:00:33' ip='10.20.0.33'/>`, live)
	dump("running")
	define("redefine running", difftUpdNetXML2)
	dump("redefined running")
	add("net update destroy", libvirt.ProcNetworkDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkDestroy(ctx, s.net2)
	})
	dump("destroyed")
	up("destroyed config", last, host, -1, `<host mac='52:54:00:20:00:32' ip='10.20.0.32'/>`, 0)
	dump("destroyed config")
	add("net update undefine", libvirt.ProcNetworkUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkUndefine(ctx, s.net2)
	})

	// A transient network has no persistent definition.
	add("net update create transient", libvirt.ProcNetworkCreateXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.NetworkCreateXML(ctx, difftUpdTransientXML)
		s.net2 = v
		return r(v), err
	})
	up("transient config", last, host, -1, `<host mac='52:54:00:21:00:01' ip='10.21.0.5'/>`, config)
	up("transient live and config", last, host, -1, `<host mac='52:54:00:21:00:01' ip='10.21.0.5'/>`, live|config)
	up("transient current", last, host, -1, `<host mac='52:54:00:21:00:01' ip='10.21.0.5'/>`, 0)
	dump("transient")
	add("net update destroy transient", libvirt.ProcNetworkDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkDestroy(ctx, s.net2)
	})

	// Modifying DNS host and TXT records: libvirt 11.3 replaces the
	// record, 9.0 refused (newerOnly).
	define("newer define", difftUpdNewerXML)
	up("newer txt modify", modify, dnsTXT, -1, `<txt name='t1' value='v9'/>`, 0)
	up("newer txt modify missing", modify, dnsTXT, -1, `<txt name='t5' value='v9'/>`, 0)
	up("newer dns host modify", modify, dnsHost, -1, `<host ip='10.22.0.5'><hostname>h5</hostname></host>`, 0)
	up("newer dns host modify missing", modify, dnsHost, -1, `<host ip='10.22.0.9'><hostname>h5</hostname></host>`, 0)
	dump("newer")
	add("net update newer undefine", libvirt.ProcNetworkUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.NetworkUndefine(ctx, s.net2)
	})
	return steps
}
