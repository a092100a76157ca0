package libvirttest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

// startGuest is the code under test: it boots a defined guest and waits
// until libvirt reports it started.
func startGuest(ctx context.Context, c *libvirt.Client, name string) error {
	dom, err := c.DomainLookupByName(ctx, name)
	if err != nil {
		return fmt.Errorf("finding %s: %w", name, err)
	}
	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, &dom)
	if err != nil {
		return err
	}
	defer sub.Close()
	if _, err := c.DomainCreate(ctx, dom); err != nil {
		return err
	}
	for {
		select {
		case ev := <-sub.Events():
			if m, ok := ev.(*libvirt.DomainEventCallbackLifecycleMsg); ok && m.Msg.Event == libvirt.DomainEventStarted {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Testing startGuest against the fake daemon: no libvirtd needed. In a
// test function, libvirttest.New(t) starts the server and closes it when
// the test ends.
func Example() {
	srv, err := libvirttest.NewServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := srv.Client(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	_, err = c.DomainDefineXML(ctx, `<domain type='test'>
  <name>web</name>
  <memory unit='MiB'>512</memory>
  <os><type>hvm</type></os>
</domain>`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("start web:", startGuest(ctx, c, "web"))

	err = startGuest(ctx, c, "missing")
	fmt.Println("no such domain:", errors.Is(err, libvirt.ErrNoDomain))

	// Make the daemon fail the next start, as a broken host would.
	srv.SetError(libvirt.ProcDomainCreate, &libvirt.Error{
		Code: libvirt.ErrOperationFailed, Domain: libvirt.FromQEMU, Message: "operation failed: no space left",
	})
	_, _ = c.DomainDefineXML(ctx, `<domain type='test'><name>db</name><memory>65536</memory><os><type>hvm</type></os></domain>`)
	fmt.Println("start db:", startGuest(ctx, c, "db"))
	// Output:
	// start web: <nil>
	// no such domain: true
	// start db: operation failed: no space left
}
