package libvirt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

// fakeDaemon starts libvirttest's in-process daemon on a unix socket, the
// stand-in for a libvirtd that these examples dial.
func fakeDaemon() *libvirttest.Server {
	srv, err := libvirttest.NewServer(libvirttest.WithUnixSocket(""))
	if err != nil {
		log.Fatal(err)
	}
	return srv
}

const guestXML = `<domain type='test'>
  <name>web</name>
  <memory unit='MiB'>256</memory>
  <os><type>hvm</type></os>
</domain>`

// Dial a daemon by URI and ask for its version and host name.
func ExampleDial() {
	srv := fakeDaemon()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c, err := libvirt.Dial(ctx, srv.URI()) // e.g. "qemu:///system" for a real one
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	ver, err := c.ConnectGetLibVersion(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("libvirt", ver, "at least 9.0:", ver.AtLeast(9, 0, 0))
	// Output:
	// libvirt 11.3.0 at least 9.0: true
}

// List every domain with its state, as virsh list --all does.
func ExampleClient_ConnectListAllDomains() {
	srv := fakeDaemon()
	defer srv.Close()
	ctx := context.Background()
	c, err := libvirt.Dial(ctx, srv.URI())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if _, err := c.DomainDefineXML(ctx, guestXML); err != nil {
		log.Fatal(err)
	}

	doms, err := c.ConnectListAllDomains(ctx, 0)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range doms {
		state, _, err := c.DomainGetState(ctx, d, 0)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-5s %v\n", d.Name, state)
	}
	// Output:
	// test  running
	// web   shut off
}

// Tell a missing object from other failures with errors.Is, and read
// libvirt's error fields with errors.As.
func ExampleError() {
	srv := fakeDaemon()
	defer srv.Close()
	ctx := context.Background()
	c, err := libvirt.Dial(ctx, srv.URI())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	_, err = c.DomainLookupByName(ctx, "nosuch")
	fmt.Println("no domain:", errors.Is(err, libvirt.ErrNoDomain))
	fmt.Println("no network:", errors.Is(err, libvirt.ErrNoNetwork))
	var lerr *libvirt.Error
	if errors.As(err, &lerr) {
		// %v prints the code in words, %#v its Go name.
		fmt.Printf("%v (%#v), %v\n", lerr.Code, lerr.Code, lerr.Domain)
	}
	// Output:
	// no domain: true
	// no network: false
	// libvirt: no such domain (ErrNoDomain), FromTest
}

// Wait for a guest to start: subscribe to lifecycle events before acting,
// then watch the channel.
func ExampleClient_SubscribeDomainEvents() {
	srv := fakeDaemon()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := libvirt.Dial(ctx, srv.URI())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	dom, err := c.DomainDefineXML(ctx, guestXML)
	if err != nil {
		log.Fatal(err)
	}

	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, &dom)
	if err != nil {
		log.Fatal(err)
	}
	defer sub.Close()
	if _, err := c.DomainCreate(ctx, dom); err != nil {
		log.Fatal(err)
	}
	for ev := range sub.Events() {
		m := ev.(*libvirt.DomainEventCallbackLifecycleMsg)
		fmt.Println(m.Msg.Dom.Name, m.Msg.Event, m.Msg.DetailValue())
		if m.Msg.Event == libvirt.DomainEventStarted {
			break
		}
	}
	// Output:
	// web Started DomainEventStartedBooted
}

// Upload to a storage volume and read it back through libvirt streams.
func ExampleStream() {
	srv := fakeDaemon()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := libvirt.Dial(ctx, srv.URI())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	pool, err := c.StoragePoolLookupByName(ctx, "default-pool")
	if err != nil {
		log.Fatal(err)
	}
	vol, err := c.StorageVolCreateXML(ctx, pool, `<volume><name>disk.raw</name><capacity>1048576</capacity></volume>`, 0)
	if err != nil {
		log.Fatal(err)
	}

	up, err := c.StorageVolUpload(ctx, vol, 0, 0, 0)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := io.Copy(up, bytes.NewReader([]byte("hello, volume"))); err != nil {
		log.Fatal(err)
	}
	if err := up.Finish(); err != nil {
		log.Fatal(err)
	}

	down, err := c.StorageVolDownload(ctx, vol, 0, 13, 0)
	if err != nil {
		log.Fatal(err)
	}
	got, err := io.ReadAll(down)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", got)
	// Output:
	// hello, volume
}

// Build typed parameters for a setter and read them back by name.
func ExampleTypedParams() {
	params := libvirt.TypedParams{}.
		AddUint64(libvirt.DomainMemoryHardLimit, 1<<20).
		AddString(libvirt.DomainNUMANodeset, "0-1")
	hard, _ := params.Uint64(libvirt.DomainMemoryHardLimit)
	nodes, _ := params.String(libvirt.DomainNUMANodeset)
	_, ok := params.Uint64("missing")
	fmt.Println(hard, nodes, ok)
	// Output:
	// 1048576 0-1 false
}

// Decode a ConnectGetAllDomainStats record into its sections.
func ExampleDomainStatsRecord_Stats() {
	rec := libvirt.DomainStatsRecord{
		Dom: libvirt.Domain{Name: "web"},
		Params: libvirt.TypedParams{}.
			AddInt(libvirt.DomainStatsStateState, int32(libvirt.DomainRunning)).
			AddInt(libvirt.DomainStatsStateReason, int32(libvirt.DomainRunningBooted)).
			AddUint64(libvirt.DomainStatsCPUTime, 123456789).
			AddUint(libvirt.DomainStatsNetCount, 1).
			AddString("net.0.name", "vnet0").
			AddUint64("net.0.rx.bytes", 4096),
	}
	s := rec.Stats()
	fmt.Println(s.Domain.Name, s.State.State, s.State.ReasonValue())
	fmt.Println("cpu ns:", s.CPU.Time)
	for _, n := range s.Net {
		fmt.Println(n.Name, "rx bytes:", n.RxBytes)
	}
	// Output:
	// web running DomainRunningBooted
	// cpu ns: 123456789
	// vnet0 rx bytes: 4096
}

// Split a libvirt version number.
func ExampleVersion() {
	v := libvirt.NewVersion(11, 3, 0)
	fmt.Println(v, uint64(v), v.Major(), v.Minor(), v.AtLeast(10, 0, 0))
	// Output:
	// 11.3.0 11003000 11 3 true
}

// Migrate a running guest to another host and find out which phase failed
// when it does not work. libvirt's test driver, which libvirttest models,
// cannot migrate: it does not claim the migration protocol's features, so
// the call stops at the checks made before any change; against
// two libvirtd hosts with the QEMU driver the same call returns the guest
// running on the destination (integration/migrate_test.go does that).
func ExampleClient_DomainMigrate3() {
	src, dst := fakeDaemon(), fakeDaemon()
	defer src.Close()
	defer dst.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	source, err := libvirt.Dial(ctx, src.URI())
	if err != nil {
		log.Fatal(err)
	}
	defer source.Close()
	dest, err := libvirt.Dial(ctx, dst.URI())
	if err != nil {
		log.Fatal(err)
	}
	defer dest.Close()

	dom, err := source.DomainLookupByName(ctx, "test")
	if err != nil {
		log.Fatal(err)
	}
	params := libvirt.DomainMigrateParameters{Bandwidth: 100}.TypedParams()
	moved, err := source.DomainMigrate3(ctx, dom, dest, params, libvirt.MigrateLive)
	var merr *libvirt.MigrationError
	switch {
	case err == nil:
		fmt.Println("running on the destination as", moved.Name)
	case errors.As(err, &merr):
		fmt.Println("failed in phase:", merr.Phase)
		fmt.Println("unsupported:", errors.Is(err, libvirt.ErrArgumentUnsupported))
		fmt.Println(err)
	default:
		log.Fatal(err)
	}
	// Output:
	// failed in phase: check
	// unsupported: true
	// libvirt: migration failed in the check phase: the source host does not support migration protocol 3 with parameters
}
