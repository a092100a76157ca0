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
// (ID 1), an active network "default", an active directory pool
// "default-pool", the host interface "eth1" and four node devices; its
// host is an i686 machine with 16 CPUs in two NUMA cells. Every
// connection shares that state, which lives as long as the Server. It
// implements connection handling (authentication with none or polkit,
// ConnectOpen/Close, read-only connections (VIR_CONNECT_RO: the 210
// calls libvirt's public API refuses on them, and the XML getters'
// secure flags, fail as with libvirtd), versions, host name, type,
// capabilities, sysinfo, URI, feature probes, node information, CPU map and statistics, free
// memory per cell, close callbacks, keepalive, CPU model names read from
// the installed CPU map (WithCPUMap)); domains (define,
// undefine, create, create-XML, destroy, shutdown, reboot, suspend,
// resume, managed save, save and restore to files (and the save image's
// XML), core dumps, screenshots, snapshots (create, halt, redefine from
// XML, tree queries, XML, revert and delete with the driver's events),
// checkpoints (create, redefine, tree queries, XML, delete), renaming, lookups by name, UUID and ID,
// list-all with its filters, info, state with reason, XML, autostart,
// metadata (namespaced elements shown in the XML as libvirt shows them),
// memory and vCPU settings (LIVE on the running definition, CONFIG on
// the persistent one, which takes effect when the domain stops), vCPU
// and emulator pinning, device hotplug
// (attach, PCI host devices included, detach by alias and update, as
// libvirt 11.3's driver), I/O threads, the "fair" scheduler's weight, memory, NUMA,
// block I/O and interface tunables, disk throttling, perf events,
// lifecycle actions (all read from and shown in the domain XML), the guest calls (file systems, keys, NMI, signals,
// clock, passwords, disk errors, memory peeks) and the statistics
// monitoring code reads: ConnectGetAllDomainStats (state and I/O
// threads), vCPU, memory, block, interface and CPU statistics, block
// info, interface addresses, guest time, host name and file systems,
// control info); networks (with metadata, and section edits through
// NetworkUpdate: DHCP hosts and ranges, DNS hosts, TXT and SRV records,
// port groups, forward interfaces); storage pools (with source
// discovery) and volumes; host interfaces (define, start, stop, change
// transactions) and node devices (XML, vHBA creation and destruction);
// secrets; and events for each change (domain lifecycle, metadata and
// devices, network lifecycle and metadata, pool lifecycle and refresh,
// node device lifecycle, secret lifecycle
// and value), with server-side filtering by object, callback IDs and
// libvirtd's refusal of duplicate registrations; legacy registrations
// (without callback IDs, event IDs up to device-removed as libvirtd
// allows) get lifecycle and device-removed events by the legacy
// procedures.
//
// Save images and core dumps are real files at the path the caller
// gives, in the test driver's format (its magic, the XML's length and
// the domain XML), so that the fake restores its own images and
// libvirtd's, and fails like the driver on missing or broken files.
//
// Each entry point behaves as the test driver's: flags it does not
// accept are refused first with VIR_ERR_INVALID_ARG ("unsupported flags
// (0x...) in function testDomainUndefineFlags"); then come its state
// checks, in its order, with its error codes, error domains and
// messages; and the events it emits. The figures are the test driver's:
// constants where it has constants, and for the counters it derives from
// the clock (vCPU time, block and interface counters) the same
// derivation, so that they grow between samples. Procedures the driver
// does not implement are answered with libvirt's "not supported" error
// under the error domain of their API (VIR_FROM_DOMAIN for domain and
// host calls, VIR_FROM_STORAGE, VIR_FROM_NETWORK, ...), never by hanging
// or dropping the connection; WithRemoteHandler adds or replaces
// procedures (flags are checked before a replacement handler runs). The
// handlers take and return the wire structs of package
// github.com/virtwire/libvirt/protocol (protocol.DomainGetXMLDescArgs).
//
// Calls are decoded as leniently as libvirtd's XDR (libtirpc) decodes
// them: any non-zero bool or optional-data flag is true, padding is not
// read, bytes after the arguments are ignored; every length bound is
// kept. Clients with their own encoders (go-libvirt sends true as
// 0x01000000) therefore connect as they do to libvirtd.
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
// # XML
//
// Every document the fake returns is in libvirt's canonical form, byte
// for byte what libvirtd's test:///default returns (libvirt 9.0 and 11.3
// format these objects identically): definitions are parsed with
// libvirt.org/go/libvirtxml, the defaults libvirt's parser and the test
// driver fill in are added when an object is defined (UUID, sizes in
// KiB rounded up, placement='static', i686, <boot dev='hd'/>, <clock>,
// lifecycle actions, disk buses and drive addresses with their implicit
// controllers, controller indexes, virtio-serial for virtio channels,
// generated MACs and testnetN names, serial and console targets and the
// console a serial port implies, graphics listeners, video RAM and
// heads, a watchdog's action, a CPU model's fallback and topology dies,
// numatune for placement='auto', a bridge's stp and delay, a logical
// pool's format),
// unknown elements are dropped, and the result is written as libvirt's
// formatter writes it. dumpxml honours VIR_DOMAIN_XML_INACTIVE (the
// persistent definition of a running domain), VIR_DOMAIN_XML_SECURE
// (graphics passwords) and MIGRATABLE, and shows live state: the ID,
// current memory and vCPUs, vCPU pinning, the title, description and
// namespaced metadata elements (with the caller's prefix, in libxml2's
// formatting, as libvirt writes them), hot-plugged devices with their
// aliases. Networks show their title, description and metadata too. Snapshots embed the domain's
// canonical definition; node devices and the host interface are the
// driver's fixed documents.
//
// # Faults
//
// WithDelay and WithError (or SetDelay and SetError at run time) slow
// down or fail a procedure; WithDropAfter hangs up on a connection at its
// n-th call, leaving that call unanswered. Close ends every connection,
// telling clients that registered a close callback first, and returns once
// every goroutine of the server has exited.
//
// # Checked against libvirtd
//
// The package's tests run Debian's virsh (libvirt 9.0) against the fake
// for a script of 70 commands (domains, networks, pools and volumes), 9
// secret commands and an `event --all --loop` watcher, and require each
// transcript to equal the one libvirtd 9.0 produces for the same script on
// test:///default (secrets: qemu:///system) after normalising generated
// UUIDs, CPU times, socket paths and the host name. The integration test
// (build tag integration) repeats that comparison live.
//
// TestDifferentialAgainstLibvirtd (build tag integration) is a
// differential tester: it sends one sequence of 1295 calls (valid ones,
// unknown flags, missing objects, wrong states, malformed XML, broken
// files, read-only connections) through this module's client to libvirtd's test:///default and
// to the fake, decodes both sides' replies, errors and events (domain,
// network, pool and node device), normalises what must differ (UUIDs by
// order of appearance, clock-derived counters and times, the host name,
// callback IDs, the directory files are written to, and the order of
// lists libvirtd keeps in hash tables) and fails on any other
// difference, naming the step, the procedure and the field; returned XML
// documents are compared line by line (generated MACs and snapshot times
// normalised too), so a difference names the first differing line. It
// runs against libvirt 9.0 (the host's libvirtd) and, with
// VIRTWIRE_LIBVIRTD_ROOT naming the Debian 13 tree, libvirt 11.3, and
// prints its coverage: of the 254 remote procedures libvirt 11.3's test
// driver serves, all 254 are exercised against 11.3 (253 compared; all
// but NodeGetFreePages, whose answer changed after 9.0) and 252 against
// 9.0 (248 compared; 9.0's driver lacks some), with no unexplained
// difference. The fake reads the CPU
// map installed with the libvirtd it is compared with (WithCPUMap).
// The device hotplug sequence runs only against libvirt 10.6 or later,
// whose test driver serves it. TestUserProgramsMatchLibvirtd runs the package's four
// user examples (an exporter scrape, a virt-top loop, a provisioning
// flow, error handling) on both and requires the same reports, and the
// benchmarks/golibvirt module runs a 67-call go-libvirt sequence on both.
//
// # Known differences from libvirtd's test:///default
//
//   - Defaults are filled in for the devices listed under XML; for other
//     devices libvirt may add attributes or implicit devices the fake
//     does not.
//   - The fake reports libvirt 11.3.0 (LibVersion), the release whose
//     test driver it models; a libvirtd of another release reports its
//     own version. A metadata element written with a prefix of its own
//     (<a:x xmlns:a='...'/>) is filed under that namespace, as libvirt
//     does, but the corner cases of libvirt's namespace handling (the
//     predeclared "xml" prefix, comments inside the element) are not
//     modelled.
//   - XML syntax errors carry libvirt's code and domain but encoding/xml's
//     wording, not libxml2's message with its caret line.
//   - ConnectGetCPUModelNames lists the models of the CPU map the fake is
//     given (WithCPUMap; /usr/share/libvirt/cpu_map by default), as
//     libvirtd lists those installed with it, and answers for the
//     architectures libvirt 11.3 has CPU drivers for (9.0 had none for
//     riscv64 and did not know loongarch64).
//   - NodeDeviceIsActive and NodeDeviceIsPersistent, network metadata,
//     domain capabilities and GetXMLDesc's INACTIVE flag for node
//     devices answer as libvirt 11.3's test driver does; 9.0's had no
//     such entry points. Flags are checked against libvirt 11.3's test
//     driver, which accepts a few flags 9.0's did not.
//   - Device attach and detach (libvirt 10.0) and update (10.6) answer
//     as libvirt 11.3's test driver does; 9.0's answers "not supported".
//     Host devices (<hostdev>) attach as there: PCI ones are added to
//     the running definition, other kinds refused with the driver's
//     messages.
//   - libvirt 11.3 gives CPU topologies clusters (cluster_id='0' on host
//     CPUs in the capabilities, clusters='1' in a domain's <topology>)
//     and its NodeGetFreePages reports pages; the fake answers as 9.0
//     (neither attribute; free pages fail). The differential tester
//     removes those two attributes from a newer libvirtd's results.
//     9.0's "... cannot be set higher than ..." throttling error ends
//     with a stray space that 11.3's and the fake's do not have.
//   - ConnectBaselineCPU computes x86 baselines from the CPU map the fake
//     is given, as libvirt's x86 driver does (the CPUs' feature bits
//     intersected, then the map's models tried newest first, by vendor
//     and by how many features each needs listed), and ARM ones from the
//     first CPU's model. The map is read as libvirt 11.3 reads it
//     (features marked added='yes' are not part of a model, a versioned
//     model drops what its ancestor marks removed); 9.0's map uses
//     neither. ppc64 baselines (libvirt compares processor version
//     values) answer "not supported". Of a host CPU definition only the
//     architecture, model, vendor and features are read: malformed
//     <signature>, <topology>, <counter>, <cache> or <maxphysaddr>
//     elements that libvirt refuses are ignored.
//   - NetworkUpdate models libvirt 11.3: it modifies DNS host and TXT
//     records, which 9.0 refused. A forward interface added to a network
//     without <forward> is accepted without effect (libvirt keeps it in
//     a definition that never shows it). Redefining snapshots does not
//     compare the ABI of the old and new domain definitions.
//   - libvirtd checks some arguments in the public API, before the
//     driver's flag check (a NULL parameter list, mutually exclusive
//     flags, a zero I/O thread ID for deletion); the fake checks them
//     after the flags, so a call with both faults reports the flags.
//   - Read-only connections are refused what libvirt 11.3's public API
//     refuses; 9.0's also refused NodeDeviceGetAutostart.
//   - DomainSendKey does not check key codes against libvirt's key maps.
//   - DomainScreenshot streams a PNG the fake draws, not the picture
//     libvirt installs.
//   - When a save image is shorter than its header says, the test
//     driver's message ends with whatever errno an earlier call left;
//     the fake's with "Success".
//   - State is per Server and survives all clients disconnecting; libvirtd
//     resets test:///default when its last connection closes.
//   - Secrets work on every URI; libvirt's test driver has none (the
//     comparison uses libvirtd's secret driver via qemu:///system).
//   - Any URI is accepted by ConnectOpen and reported back by
//     ConnectGetURI; the driver is always the test one.
//   - libvirt's test driver has no volume upload or download; the fake
//     serves them like libvirtd's storage driver on a block device (a
//     directory pool's file would grow past its capacity instead).
//   - Other streams (consoles, channels, tunnelled migration), network
//     filters and migration are not implemented and answer "not
//     supported", as with the test driver.
//   - Calls are answered concurrently, one goroutine per call, without
//     libvirtd's per-client request limit.
package libvirttest
