package libvirttest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
	"github.com/virtwire/libvirt/protocol"
)

// brokenHypervisor replaces one procedure of the built-in driver: its
// handler gets the call's arguments as a protocol struct and returns the
// reply's. Every other procedure goes to the embedded driver.
type brokenHypervisor struct {
	libvirttest.RemoteHandler
}

func (h brokenHypervisor) DomainGetXMLDesc(ctx context.Context, args *protocol.DomainGetXMLDescArgs) (*protocol.DomainGetXMLDescRet, error) {
	if args.Flags&libvirt.DomainXMLSecure != 0 {
		return nil, &libvirt.Error{Code: libvirt.ErrOperationDenied, Domain: libvirt.FromDomain,
			Message: "operation forbidden: secure XML is not available here"}
	}
	return h.RemoteHandler.DomainGetXMLDesc(ctx, args)
}

// A test that needs the daemon to behave differently from libvirt's test
// driver wraps the built-in handler.
func ExampleWithRemoteHandler() {
	srv, err := libvirttest.NewServer(libvirttest.WithRemoteHandler(func(h libvirttest.RemoteHandler) libvirttest.RemoteHandler {
		return brokenHypervisor{h}
	}))
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
	dom, err := c.DomainLookupByName(ctx, "test")
	if err != nil {
		fmt.Println(err)
		return
	}
	xml, err := c.DomainGetXMLDesc(ctx, dom, 0)
	fmt.Println(len(xml) > 0, err)
	_, err = c.DomainGetXMLDesc(ctx, dom, libvirt.DomainXMLSecure)
	fmt.Println(err)
	// Output:
	// true <nil>
	// operation forbidden: secure XML is not available here
}
