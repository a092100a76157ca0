//go:build integration

package libvirttest_test

import (
	"context"

	"github.com/virtwire/libvirt"
)

// xmlDumpSteps dump a domain's live and persistent (INACTIVE) XML, so
// that what the tunables, pinning, lifecycle, perf, statistics period
// and I/O thread calls change is compared where libvirt also shows it:
// in <memtune>, <blkiotune>, <numatune>, <cputune>, <on_*>, <perf>,
// <iotune>, <bandwidth>, <memballoon><stats/> and <iothreads>.
func xmlDumpSteps(prefix string, on func(s *side) libvirt.Domain) []step {
	dump := func(name string, flags libvirt.DomainXMLFlags) step {
		return step{prefix + " " + name, libvirt.ProcDomainGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
			return xmlDoc(s.c.DomainGetXMLDesc(ctx, on(s), flags))
		}}
	}
	return []step{dump("xml", 0), dump("xml inactive", libvirt.DomainXMLInactive)}
}

// onTestDom and onDom3 pick the domain a dump is of: the running "test" or
// the section's own domain.
func onTestDom(s *side) libvirt.Domain { return s.dom }
func onDom3(s *side) libvirt.Domain    { return s.dom3 }

// qemuMonitorDeregisterSteps deregister a QEMU monitor event callback
// that was never registered: libvirtd looks the ID up among the
// connection's callbacks before any driver is asked.
func qemuMonitorDeregisterSteps() []step {
	return []step{{"qemu monitor event deregister unknown", libvirt.ProcQEMUConnectDomainMonitorEventDeregister, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.QEMUConnectDomainMonitorEventDeregister(ctx, 4242)
	}}}
}
