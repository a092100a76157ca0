// Command quickstart shows the library's main job: it connects to a
// libvirt daemon, subscribes to domain lifecycle events, defines and
// starts a guest, lists every domain with its state, prints the events it
// received and cleans up.
//
//	go run ./examples/quickstart
//
// With no -uri (and no LIBVIRT_DEFAULT_URI) it starts an embedded fake
// daemon (package libvirttest, behaving like libvirt's test:///default),
// so it runs on any machine with Go. Point it at a real daemon with -uri:
//
//	go run ./examples/quickstart -uri 'test+unix:///default?socket=/tmp/vw/run/libvirt-sock'
//
// The guest it defines uses libvirt's test driver (type 'test'); pass
// -xml with a domain of your own for other drivers such as qemu:///system.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

const guestXML = `<domain type='test'>
  <name>quickstart</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type>hvm</type>
  </os>
</domain>
`

func main() {
	uri := flag.String("uri", os.Getenv("LIBVIRT_DEFAULT_URI"), "libvirt connection URI (empty: an embedded fake daemon)")
	xmlFile := flag.String("xml", "", "domain XML to define (default: a small test-driver guest named quickstart)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	doc := guestXML
	if *xmlFile != "" {
		b, err := os.ReadFile(*xmlFile)
		if err != nil {
			log.Fatal(err)
		}
		doc = string(b)
	}

	c, closeAll, err := connect(ctx, *uri)
	if err != nil {
		log.Fatal(err)
	}
	defer closeAll()
	if err := run(ctx, c, doc); err != nil {
		log.Fatal(err)
	}
}

// connect dials uri, or starts the embedded fake daemon when uri is empty.
func connect(ctx context.Context, uri string) (*libvirt.Client, func(), error) {
	if uri != "" {
		c, err := libvirt.Dial(ctx, uri)
		if err != nil {
			return nil, nil, err
		}
		fmt.Println("connected to", uri)
		return c, func() { c.Close() }, nil
	}
	srv, err := libvirttest.NewServer()
	if err != nil {
		return nil, nil, err
	}
	c, err := srv.Client(ctx)
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	fmt.Println("connected to the embedded fake daemon (libvirttest); use -uri for a real one")
	return c, func() { c.Close(); srv.Close() }, nil
}

func run(ctx context.Context, c *libvirt.Client, doc string) error {
	ver, err := c.ConnectGetLibVersion(ctx)
	if err != nil {
		return err
	}
	host, err := c.ConnectGetHostname(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("libvirt %s on %s\n", ver, host)

	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	if err != nil {
		return err
	}
	defer sub.Close()

	dom, err := c.DomainDefineXML(ctx, doc)
	if err != nil {
		return fmt.Errorf("defining the guest: %w", err)
	}
	fmt.Printf("defined %s (%s)\n", dom.Name, dom.UUID)
	defer func() {
		// Leave the daemon as it was.
		_ = c.DomainDestroy(ctx, dom)
		_ = c.DomainUndefine(ctx, dom)
	}()
	if _, err := c.DomainCreate(ctx, dom); err != nil {
		return fmt.Errorf("starting %s: %w", dom.Name, err)
	}

	doms, err := c.ConnectListAllDomains(ctx, 0)
	if err != nil {
		return err
	}
	fmt.Println("domains:")
	for _, d := range doms {
		state, _, err := c.DomainGetState(ctx, d, 0)
		if err != nil {
			return err
		}
		fmt.Printf("  %-20s %v\n", d.Name, state)
	}

	fmt.Println("lifecycle events:")
	for seen := 0; seen < 2; {
		select {
		case ev := <-sub.Events():
			if m, ok := ev.(*libvirt.DomainEventCallbackLifecycleMsg); ok && m.Msg.Dom.UUID == dom.UUID {
				fmt.Printf("  %s: %v %v\n", m.Msg.Dom.Name, m.Msg.Event, m.Msg.DetailValue())
				seen++
			}
		case <-time.After(5 * time.Second):
			return fmt.Errorf("no lifecycle event for %s within 5s", dom.Name)
		}
	}
	return nil
}
