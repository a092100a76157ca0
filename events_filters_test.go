package libvirt_test

import (
	"context"
	"sync"
	"testing"

	libvirt "github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
	"github.com/virtwire/libvirt/protocol"
)

// qemuEvents is a QEMU program that records monitor event registrations.
type qemuEvents struct {
	libvirttest.UnimplementedQEMUHandler
	mu      sync.Mutex
	names   []*string
	next    int32
	removed []int32
}

func (q *qemuEvents) QEMUConnectDomainMonitorEventRegister(_ context.Context, args *protocol.QEMUConnectDomainMonitorEventRegisterArgs) (*protocol.QEMUConnectDomainMonitorEventRegisterRet, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.names = append(q.names, args.Event)
	q.next++
	return &protocol.QEMUConnectDomainMonitorEventRegisterRet{CallbackID: q.next}, nil
}

func (q *qemuEvents) QEMUConnectDomainMonitorEventDeregister(_ context.Context, args *protocol.QEMUConnectDomainMonitorEventDeregisterArgs) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.removed = append(q.removed, args.CallbackID)
	return nil
}

// QEMU monitor subscriptions are not shared (the daemon filters them
// itself): each registers its own callback, an empty name is sent as no
// name (all events), and each Close deregisters its own.
func TestSubscribeQEMUMonitorEvents(t *testing.T) {
	q := &qemuEvents{}
	srv := libvirttest.New(t, libvirttest.WithQEMUHandler(q))
	ctx := openCtx(t)
	c, err := srv.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	all, err := c.SubscribeQEMUMonitorEvents(ctx, nil, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	shutdown, err := c.SubscribeQEMUMonitorEvents(ctx, nil, "SHUTDOWN", 0)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.SubscribeQEMUMonitorEvents(ctx, nil, "SHUTDOWN", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*libvirt.Subscription{shutdown, all, again} {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.names) != 3 || q.names[0] != nil || q.names[1] == nil || *q.names[1] != "SHUTDOWN" || q.names[2] == nil {
		t.Fatalf("registrations %v, want no name, SHUTDOWN, SHUTDOWN", q.names)
	}
	if len(q.removed) != 3 || q.removed[0] != 2 || q.removed[1] != 1 || q.removed[2] != 3 {
		t.Fatalf("deregistered %v, want callbacks 2, 1, 3 (the order of Close)", q.removed)
	}
}

// Node device subscriptions share one daemon registration per device
// filter: one device and all devices are two registrations.
func TestSubscribeNodeDeviceEventsFilters(t *testing.T) {
	srv := libvirttest.New(t)
	ctx := openCtx(t)
	c, err := srv.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	before := srv.NumEventCallbacks()
	dev := &libvirt.NodeDevice{Name: "computer"}
	for i, s := range []struct {
		dev  *libvirt.NodeDevice
		want int
	}{{dev, 1}, {dev, 1}, {nil, 2}, {&libvirt.NodeDevice{Name: "scsi_host1"}, 3}} {
		if _, err := c.SubscribeNodeDeviceEvents(ctx, libvirt.NodeDeviceEventIDLifecycle, s.dev); err != nil {
			t.Fatalf("subscription %d: %v", i, err)
		}
		if got := srv.NumEventCallbacks() - before; got != s.want {
			t.Fatalf("after subscription %d: %d daemon registrations, want %d", i, got, s.want)
		}
	}
}
