// Package libvirt is a pure-Go client for libvirt: it speaks libvirtd's own
// RPC protocol (XDR) over unix sockets, TCP, TLS, SSH or a local command,
// without cgo and without libvirt's C library.
//
// # Connecting
//
// Dial takes a libvirt connection URI (https://libvirt.org/uri.html) and
// options; the context bounds the whole handshake (when it has no deadline,
// DefaultHandshakeTimeout does):
//
//	c, err := libvirt.Dial(ctx, "qemu:///system")            // local unix socket
//	c, err := libvirt.Dial(ctx, "qemu+ssh://root@host/system") // ssh, known_hosts checked
//	c, err := libvirt.Dial(ctx, "test+tls://host/default?pkipath=/etc/pki/client")
//	defer c.Close()
//
// NewClient opens a connection over a net.Conn you dialled yourself.
// Close says goodbye to the daemon and returns within about a second
// whatever the daemon does; no goroutine of the client outlives it.
//
// # Calling
//
// Every procedure of libvirt's remote protocol is a method on Client,
// generated from libvirt's protocol files and named after the C function it
// implements, with Go initialisms (virDomainLookupByName is
// DomainLookupByName, virDomainGetVcpus is DomainGetVCPUs). Each method's
// documentation names the C function, the procedure number and links to
// libvirt's API reference. Arguments and results carry Go types: handles
// (Domain, Network, StoragePool, ...), enums from libvirt's headers
// (DomainState, DomainJobType, ...), typed flags, Version for version
// numbers and TypedParams for typed-parameter lists. Replies with up to four
// fields are returned as separate results; larger ones as their Ret struct.
//
// Where libvirt's C library hides a protocol shape, the methods do too: list
// calls return the whole list (no need_results), getters that C callers call
// twice (once for the count, once for the values) are one call, and
// getters that libvirt's C library asks for string parameters do the same.
//
// # Contexts and concurrency
//
// Every call takes a context.Context. A Client is safe for concurrent use:
// any number of goroutines may call at once over the one connection, and a
// call waits only for its own reply. When a call's context ends the method
// returns the context's error promptly, but libvirt cannot cancel a call it
// has received: the daemon may still carry it out. A caller that gave up on
// a state-changing call (DomainCreate, DomainUndefineFlags, ...) should look
// at the object again (DomainGetState, a lookup) or wait for its lifecycle
// event before retrying; libvirt calls are not idempotent, so the library
// never retries one itself.
//
// # Errors
//
// A daemon's error arrives as *Error with libvirt's code, domain, message
// and extra fields. Each ErrorNumber is itself an error, so
//
//	if errors.Is(err, libvirt.ErrNoDomain) { ... }
//	var lerr *libvirt.Error
//	if errors.As(err, &lerr) { log.Print(lerr.Code, lerr.Domain, lerr.Message) }
//
// Connection failures are ErrClosed, ErrKeepaliveTimeout or a
// *DisconnectedError; malformed traffic from the daemon is ErrProtocol;
// ErrUnknownProcedure matches a daemon too old for the procedure called.
//
// # Events
//
// Subscribe... methods register with the daemon and deliver typed event
// values on a channel (Subscription.Events), closed when the subscription,
// its context or the client ends. Each subscription queues a bounded number
// of events; when its reader falls behind the oldest are dropped and counted
// (Subscription.Dropped), so a slow reader never stalls the connection.
//
// # Streams
//
// Procedures that open a libvirt stream (volume upload and download,
// consoles, channels, screenshots) return a *Stream, an io.Reader/io.Writer
// with Finish, Abort and sparse-hole support, bounded by the context given
// when it was opened.
//
// # Typed parameters and statistics
//
// TypedParams looks parameters up by name with typed getters (Uint64,
// Float64, String, ...) and builds them for setters (AddUint64, ...).
// DomainStatsRecord.Stats decodes a ConnectGetAllDomainStats record into
// sections (State, CPU, Balloon, VCPU, Net, Block, ...).
//
// # Reconnecting
//
// A Client is one connection: when the daemon restarts, its calls fail with
// *DisconnectedError and its subscriptions end. Supervise keeps a
// connection to a URI alive instead, redialling with backoff; its Client
// method returns the current connection, Wait blocks until there is one,
// and its Subscribe... methods re-register event subscriptions on every
// new connection.
//
// # Tracing and logging
//
// WithTracer hooks every call, stream and event (start and end, with the
// procedure, serial, bytes and error) for spans and metrics; WithWireTrace
// (or VIRTWIRE_WIRE_TRACE=stderr) prints every message decoded, with
// passwords and secret values redacted; WithLogger reports connection loss,
// keepalive timeouts and dropped events through log/slog.
//
// # Testing
//
// Package libvirttest is an in-process fake libvirtd speaking the real
// protocol, modelled on libvirt's test:///default driver: code written
// against Client can be unit-tested without a daemon (see its examples).
// Its handlers take the procedures' argument structs from package
// protocol, which holds the wire forms this package's API does not name.
package libvirt
