package libvirttest

import (
	"context"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// testQEMU serves the QEMU program when no WithQEMUHandler is given, as
// libvirtd does for test:///default: the test driver implements none of
// its procedures, so they are unsupported, except that deregistering a
// monitor event callback is answered by the daemon itself, which looks
// the ID up among the connection's callbacks first. None can have been
// registered, so every ID is unknown.
type testQEMU struct {
	UnimplementedQEMUHandler
}

// QEMUConnectDomainMonitorEventDeregister reports the callback unknown.
func (testQEMU) QEMUConnectDomainMonitorEventDeregister(ctx context.Context, args *protocol.QEMUConnectDomainMonitorEventDeregisterArgs) error {
	return lvErrorf(libvirt.ErrInternalError, libvirt.FromRPC, prefixInternal, "qemu monitor event callback %d not registered", args.CallbackID)
}
