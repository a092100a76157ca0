//go:build integration

package libvirttest_test

import (
	"context"
	"sort"

	"github.com/virtwire/libvirt"
)

// Interface definitions in libvirt's canonical form, so that their XML
// reads back as defined.
const (
	difftIface2XML = `<interface type='ethernet' name='eth2'>
  <start mode='onboot'/>
  <mac address='aa:bb:cc:dd:ee:02'/>
</interface>
`
	difftIface2bXML = `<interface type='ethernet' name='eth2'>
  <start mode='none'/>
  <mac address='aa:bb:cc:dd:ee:12'/>
</interface>
`
	difftIface3XML = `<interface type='ethernet' name='eth3'>
  <mac address='aa:bb:cc:dd:ee:ff'/>
</interface>
`
)

// ifaceSteps define, start, stop and undefine host interfaces, inside
// and outside change transactions.
func ifaceSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	ifc := func(name string) libvirt.Interface { return libvirt.Interface{Name: name} }
	define := func(name, doc string, flags libvirt.InterfaceDefineFlags) {
		add("iface define "+name, libvirt.ProcInterfaceDefineXML, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.InterfaceDefineXML(ctx, doc, flags)
			return r(v), err
		})
	}
	state := func(name string) {
		add("iface list "+name, libvirt.ProcConnectListAllInterfaces, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.ConnectListAllInterfaces(ctx, 0)
			sort.Slice(v, func(i, j int) bool { return v[i].Name < v[j].Name })
			var active []int32
			for _, i := range v {
				a, err := s.c.InterfaceIsActive(ctx, i)
				if err != nil {
					return nil, err
				}
				active = append(active, a)
			}
			return r(v, active), err
		})
	}
	simple := func(name string, proc libvirt.Procedure, f func(ctx context.Context, c *libvirt.Client) error) {
		add("iface "+name, proc, func(ctx context.Context, s *side) ([]any, error) { return nil, f(ctx, s.c) })
	}
	begin := func(name string, flags uint32) {
		simple("begin "+name, libvirt.ProcInterfaceChangeBegin, func(ctx context.Context, c *libvirt.Client) error { return c.InterfaceChangeBegin(ctx, flags) })
	}
	commit := func(name string, flags uint32) {
		simple("commit "+name, libvirt.ProcInterfaceChangeCommit, func(ctx context.Context, c *libvirt.Client) error { return c.InterfaceChangeCommit(ctx, flags) })
	}
	rollback := func(name string, flags uint32) {
		simple("rollback "+name, libvirt.ProcInterfaceChangeRollback, func(ctx context.Context, c *libvirt.Client) error { return c.InterfaceChangeRollback(ctx, flags) })
	}
	create := func(name, iface string, flags uint32) {
		simple("create "+name, libvirt.ProcInterfaceCreate, func(ctx context.Context, c *libvirt.Client) error { return c.InterfaceCreate(ctx, ifc(iface), flags) })
	}
	destroy := func(name, iface string, flags uint32) {
		simple("destroy "+name, libvirt.ProcInterfaceDestroy, func(ctx context.Context, c *libvirt.Client) error { return c.InterfaceDestroy(ctx, ifc(iface), flags) })
	}
	undefine := func(name, iface string) {
		simple("undefine "+name, libvirt.ProcInterfaceUndefine, func(ctx context.Context, c *libvirt.Client) error { return c.InterfaceUndefine(ctx, ifc(iface)) })
	}
	xmlOf := func(name, iface string) {
		add("iface xml "+name, libvirt.ProcInterfaceGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.InterfaceGetXMLDesc(ctx, ifc(iface), 0)
			return r(v), err
		})
	}

	define("eth2", difftIface2XML, 0)
	xmlOf("eth2", "eth2")
	state("after define")
	define("bogus flags", difftIface2XML, libvirt.InterfaceDefineFlags(bogus))
	define("malformed", "<interface type='ethernet' name='x'>", 0)
	define("wrong root", "<iface type='ethernet' name='x'/>", 0)
	define("no type", "<interface name='x'/>", 0)
	define("no name", "<interface type='ethernet'/>", 0)
	create("eth2", "eth2", 0)
	create("eth2 again", "eth2", 0)
	create("missing", "eth9", 0)
	create("bogus flags", "eth2", bogus)
	state("after create")
	define("eth2 redefined", difftIface2bXML, 0)
	xmlOf("eth2 redefined", "eth2")
	state("after redefine")
	define("eth3 same mac as eth1", difftIface3XML, 0)
	add("iface lookup shared mac", libvirt.ProcInterfaceLookupByMACString, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.InterfaceLookupByMACString(ctx, "aa:bb:cc:dd:ee:ff")
		return r(v), err
	})
	add("iface lookup eth2 mac", libvirt.ProcInterfaceLookupByMACString, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.InterfaceLookupByMACString(ctx, "aa:bb:cc:dd:ee:12")
		return r(v), err
	})
	destroy("eth2", "eth2", 0)
	destroy("eth2 again", "eth2", 0)
	destroy("bogus flags", "eth2", bogus)
	undefine("eth3", "eth3")
	undefine("missing", "eth9")

	// Transactions.
	commit("without transaction", 0)
	rollback("without transaction", 0)
	begin("bogus flags", bogus)
	begin("", 0)
	begin("twice", 0)
	undefine("eth2 in transaction", "eth2")
	destroy("eth1 in transaction", "eth1", 0)
	state("in transaction")
	rollback("bogus flags", bogus)
	rollback("", 0)
	state("after rollback")
	begin("again", 0)
	undefine("eth2 committed", "eth2")
	commit("bogus flags", bogus)
	commit("", 0)
	state("after commit")
	commit("again", 0)
	return steps
}
