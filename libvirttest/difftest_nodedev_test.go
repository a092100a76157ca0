//go:build integration

package libvirttest_test

import (
	"context"
	"fmt"
	"sort"

	"github.com/virtwire/libvirt"
)

const difftVHBAXML = `<device>
  <parent>%s</parent>
  <capability type='scsi_host'>
    <capability type='fc_host'>
      <wwnn>20000000abcdabcd</wwnn>
      <wwpn>10000000abcdabcd</wwpn>
    </capability>
  </capability>
</device>`

// nodeDevSteps read the host devices' XML, create a vHBA the test
// driver's way and destroy Fibre Channel hosts, with their events.
func nodeDevSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	xmlOf := func(name, dev string, flags uint32) {
		add("nodedev xml "+name, libvirt.ProcNodeDeviceGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.NodeDeviceGetXMLDesc(ctx, dev, flags)
			return r(v), err
		})
	}
	create := func(name, doc string, flags uint32) {
		add("nodedev create "+name, libvirt.ProcNodeDeviceCreateXML, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.NodeDeviceCreateXML(ctx, doc, libvirt.NodeDeviceCreateXMLFlags(flags))
			return r(v), err
		})
	}
	destroy := func(name, dev string) {
		add("nodedev destroy "+name, libvirt.ProcNodeDeviceDestroy, func(ctx context.Context, s *side) ([]any, error) {
			return nil, s.c.NodeDeviceDestroy(ctx, dev)
		})
	}
	list := func(name string) {
		add("nodedev list "+name, libvirt.ProcNodeListDevices, func(ctx context.Context, s *side) ([]any, error) {
			v, err := s.c.NodeListDevices(ctx, nil, 10, 0)
			sort.Strings(v)
			return r(v), err
		})
	}
	vhba := func(parent string) string { return fmt.Sprintf(difftVHBAXML, parent) }
	for _, n := range []string{"computer", "scsi_host1", "scsi_host2", "scsi_host11"} {
		xmlOf(n, n, 0)
	}
	xmlOf("inactive", "scsi_host2", 1)
	xmlOf("missing", "nope", 0)
	xmlOf("bogus flags", "computer", bogus)
	create("parent without vports", vhba("scsi_host11"), 0)
	create("missing parent", vhba("nope"), 0)
	create("not fc", "<device><parent>scsi_host1</parent><capability type='scsi_host'/></device>", 0)
	create("malformed", "<device><parent>", 0)
	create("wrong root", "<dev/>", 0)
	create("bogus flags", vhba("scsi_host1"), bogus)
	create("vhba", vhba("scsi_host1"), 0)
	xmlOf("vhba", "scsi_host12", 0)
	list("after create")
	create("vhba again", vhba("scsi_host2"), 0)
	destroy("computer", "computer")
	destroy("missing", "nope")
	destroy("vhba", "scsi_host12")
	destroy("vhba again", "scsi_host12")
	destroy("scsi_host1", "scsi_host1")
	destroy("orphan scsi_host11", "scsi_host11")
	list("after destroy")
	return steps
}
