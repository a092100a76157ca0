package libvirt

import (
	"context"
	"time"
)

// Tracer is told about every call a Client makes: set one with
// WithTracer. TraceCallStart runs before the request is sent; the context
// it returns is used for the rest of the call and passed to TraceCallEnd,
// which runs once the reply is decoded or the call failed. Start a span in
// TraceCallStart and end it in TraceCallEnd to nest libvirt calls under
// the caller's span (examples/tracing shows OpenTelemetry spans and a
// latency histogram).
//
// A Tracer may also implement StreamTracer and EventTracer; the Client
// checks for them once, when it is made.
//
// Hooks run on the calling goroutine (events: on the goroutine reading the
// connection) and must not block. They may be called concurrently.
type Tracer interface {
	TraceCallStart(ctx context.Context, c *Client, data TraceCallStartData) context.Context
	TraceCallEnd(ctx context.Context, c *Client, data TraceCallEndData)
}

// StreamTracer is told when a stream opened by a call (a volume upload or
// download, a console, a screenshot, ...) starts and when it ends, by
// Finish, Abort or Close. A stream that is never ended is never reported
// as ended.
type StreamTracer interface {
	TraceStreamStart(ctx context.Context, c *Client, data TraceStreamStartData) context.Context
	TraceStreamEnd(ctx context.Context, c *Client, data TraceStreamEndData)
}

// EventTracer is told about every event message the daemon sends: when it
// arrives and, after decoding, how many subscriptions it was queued for.
// Its hooks run on the goroutine reading the connection, so they delay
// every reply on the connection while they run.
type EventTracer interface {
	TraceEventStart(ctx context.Context, c *Client, data TraceEventStartData) context.Context
	TraceEventEnd(ctx context.Context, c *Client, data TraceEventEndData)
}

// ProcedureInfo names one procedure of a libvirt program for tracers.
type ProcedureInfo struct {
	Program     uint32 // Program, QEMUProgram or LXCProgram
	ProgramName string // "remote", "qemu" or "lxc"
	Procedure   int32  // the procedure number (Procedure, QEMUProcedure, ...)
	Method      string // the Client method ("DomainDefineXML"), or the event ("DomainEventCallbackLifecycle")
	CFunc       string // libvirt's C function ("virDomainDefineXML"); empty for events
	// URI is the connection's URI as given to Dial, with any password
	// removed (socket.Redact), or the name given to NewClient.
	URI string
}

// TraceCallStartData is what TraceCallStart learns about a call.
type TraceCallStartData struct {
	ProcedureInfo
	BytesSent int // the request's length on the wire, length word included
}

// TraceCallEndData is what TraceCallEnd learns about a call.
type TraceCallEndData struct {
	ProcedureInfo
	// Serial is the call's serial on the connection (as in the wire
	// trace); 0 when the call failed before it was sent.
	Serial        uint32
	BytesSent     int
	BytesReceived int // the reply's length on the wire; 0 when the call failed
	Duration      time.Duration
	// Err is what the method returns: a *Error from the daemon, a
	// *DisconnectedError, ErrClosed, a context error, ...
	Err error
}

// TraceStreamStartData is what TraceStreamStart learns about a stream. It
// is called once the call that opens the stream has succeeded.
type TraceStreamStartData struct {
	ProcedureInfo
	Serial uint32 // the stream's serial (that of the call that opened it)
	Sends  bool   // data flows to the daemon (Write)
	Recvs  bool   // data flows from the daemon (Read)
	Sparse bool
}

// TraceStreamEndData is what TraceStreamEnd learns about a stream.
type TraceStreamEndData struct {
	ProcedureInfo
	Serial        uint32
	BytesSent     int64 // data written, holes not included
	BytesReceived int64 // data read by the caller, holes not included
	Holes         int64 // bytes of holes sent or read
	Duration      time.Duration
	Aborted       bool  // ended by Abort (or Close of an unfinished download)
	Err           error // what Finish, Abort or Close returned
}

// TraceEventStartData is what TraceEventStart learns about an event
// message.
type TraceEventStartData struct {
	ProcedureInfo
	BytesReceived int // the message's length on the wire
}

// TraceEventEndData is what TraceEventEnd learns about an event message.
type TraceEventEndData struct {
	ProcedureInfo
	Event      Event // the decoded event; nil when Err is set
	CallbackID int32 // the daemon's callback ID, or -1 for events without one
	// Delivered counts the subscriptions the event was queued for; 0 when
	// none matched (yet: an event for a registration still being made is
	// kept for it).
	Delivered int
	// Dropped counts the older events that subscriptions discarded to
	// make room for this one, because their readers fell behind.
	Dropped  int
	Duration time.Duration
	Err      error // the message was of an unknown kind or did not decode
}

// WithTracer sets the tracer told about every call (and, if it implements
// StreamTracer or EventTracer, every stream and event). Without one, a
// call costs nothing extra.
func WithTracer(t Tracer) Option { return func(c *config) { c.tracer = t } }
