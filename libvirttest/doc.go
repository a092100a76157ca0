// Package libvirttest is a fake libvirt daemon for tests: it runs inside
// the test process, speaks libvirt's real RPC protocol and serves an
// in-memory hypervisor that behaves like libvirt's test:///default. Code
// that talks to libvirt, through this module's client or any other (virsh,
// the Python bindings), can be tested against it without a daemon, root or
// virtualisation.
//
//	srv := libvirttest.New(t)                // closed when the test ends
//	c, err := srv.Client(ctx)                // *libvirt.Client over a pipe
//	dom, err := c.DomainLookupByName(ctx, "test")
//
// For other clients, listen on a socket and hand out srv.URI():
//
//	srv := libvirttest.New(t, libvirttest.WithUnixSocket(""))
//	exec.Command("virsh", "-c", srv.URI(), "list", "--all")
//
// # What it serves
//
// Like test:///default, the server starts with a running domain "test"
// (ID 1), an active network "default" and an active directory pool
// "default-pool"; its host is an i686 machine with 16 CPUs. Every
// connection shares that state, which lives as long as the Server. It
// implements connection handling (authentication with none or polkit,
// ConnectOpen/Close, versions, host name, type, capabilities, URI,
// feature probes, node information, close callbacks, keepalive);
// domains (define, undefine, create, create-XML, destroy, shutdown,
// reboot, suspend, resume, lookups by name, UUID and ID, list-all with
// its filters, info, state with reason, XML, autostart, metadata, memory
// and vCPU settings and the "fair" scheduler's weight as typed
// parameters); networks; storage pools and volumes; secrets; and events
// for each change (domain lifecycle and metadata, network and pool
// lifecycle, pool refresh, secret lifecycle and value), with server-side
// filtering by object, callback IDs and libvirtd's refusal of duplicate
// registrations. Errors carry libvirt's codes, domains and messages.
// Procedures the driver does not implement are answered with libvirt's
// "not supported" error, never by hanging or dropping the connection;
// WithRemoteHandler adds or replaces procedures.
//
// # Volume streams
//
// StorageVolUpload and StorageVolDownload work as with libvirtd's storage
// driver, plain and sparse: a volume's content is kept in memory in 4 KiB
// blocks, holes cost nothing, and its allocation (and its pool's) follows
// the data written, starting from the allocation of its definition. A
// volume behaves like a block device of its capacity: downloads stop at
// its end, and writing past it, past an upload's length or beyond the
// server's memory limit (WithVolumeDataLimit, 1 GiB by default) fails with
// libvirt's "No space left on device" stream error. A hole sent on an
// upload reads as zeros afterwards; a hole on a stream opened without the
// sparse flag ends the connection, as with libvirtd.
//
// Domain, network and secret XML is read with encoding/xml for the fields
// the driver needs (name, UUID, type, memory, vCPUs, OS type, bridge,
// usage) and otherwise kept verbatim: dumpxml returns the document as
// defined, with the generated UUID and the running domain's ID filled in.
// Pool and volume XML is generated in libvirt's layout.
//
// # Faults
//
// WithDelay and WithError (or SetDelay and SetError at run time) slow
// down or fail a procedure; WithDropAfter hangs up on a connection at its
// n-th call, leaving that call unanswered. Close ends every connection,
// telling clients that registered a close callback first, and returns once
// every goroutine of the server has exited.
//
// # Checked against virsh
//
// The package's tests run Debian's virsh (libvirt 9.0) against the fake
// for a script of 70 commands (domains, networks, pools and volumes), 9
// secret commands and an `event --all --loop` watcher, and require each
// transcript to equal the one libvirtd 9.0 produces for the same script on
// test:///default (secrets: qemu:///system) after normalising generated
// UUIDs, CPU times, socket paths and the host name. The integration test
// (build tag integration) repeats that comparison live.
//
// # Known differences from libvirtd's test:///default
//
//   - XML is not canonicalised: libvirt reformats a definition and adds
//     defaults (placement='static', <clock>, <on_poweroff>, <devices>,
//     stp and delay on bridges, ...); the fake returns what it was given.
//     The virsh comparison therefore defines objects with XML already in
//     libvirt's layout.
//   - State is per Server and survives all clients disconnecting; libvirtd
//     resets test:///default when its last connection closes.
//   - Domain titles, descriptions and metadata elements are kept apart
//     from the XML and not shown in dumpxml.
//   - Redefining a running domain replaces its definition at once instead
//     of keeping it for the next boot.
//   - Secrets work on every URI; libvirt's test driver has none (the
//     comparison uses libvirtd's secret driver via qemu:///system).
//   - Any URI is accepted by ConnectOpen and reported back by
//     ConnectGetURI; the driver is always the test one.
//   - libvirt's test driver has no volume upload or download; the fake
//     serves them like libvirtd's storage driver on a block device (a
//     directory pool's file would grow past its capacity instead).
//   - Other streams (consoles, channels, screenshots, tunnelled
//     migration), snapshots, checkpoints, interfaces, node devices,
//     network filters and migration are not implemented and answer "not
//     supported".
//   - Calls are answered concurrently, one goroutine per call, without
//     libvirtd's per-client request limit.
package libvirttest
