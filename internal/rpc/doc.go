// Package rpc is virtwire's RPC engine: it frames libvirt messages on a
// byte stream, numbers calls, matches replies to callers, answers and sends
// keepalive pings, and hands server-initiated messages (events) to a
// handler.
//
// The engine knows the message header and error structures
// (virnetprotocol.x, package wire) but nothing about procedures: callers
// encode their arguments into a Call's Encoder and decode replies from its
// Decoder, so generated code calls concrete methods and nothing escapes to
// the heap on the hot path.
//
// Concurrency: one goroutine at a time reads the connection (readers.go).
// A caller that finds nobody reading reads its own reply, delivering any
// other replies and events it meets on the way; the others wait on their
// own one-slot channel, so whoever reads never blocks handing over a
// reply, however slow a caller is. A background reader takes over when
// callers wait and nobody reads, and reads events and keepalive pings on a
// quiet connection. Writes are serialised by a write token held for the
// duration of one frame, and every write is bounded (write.go): by its
// caller's context, and by a write timeout for writes no caller owns
// (keepalive, stream frames). Keepalive runs on timers, not on a goroutine
// of its own, and its writes run on short-lived goroutines, so that the
// dead-peer check never waits behind a stuck write (keepalive.go); Close
// closes the transport, which ends whatever read or write is in progress.
//
// Idle footprint: an idle connection is one goroutine (the background
// reader) and a few KiB. The read buffer is pooled, taken while frames are
// read and given back once empty; the background reader waiting on a
// quiet connection reads the next header straight into the frame state
// (rbuf.go), and no buffer sized to a past large message is kept.
//
// Replies are matched as strictly as libvirt's own client matches them
// (match.go): serial, program, version, procedure, type and status; any
// mismatch fails the connection with ErrProtocol.
//
// Streams (stream.go) ride on the same connection: the reader queues
// their data per stream and stops reading only when a stream's queue is
// full (see StreamQueueLimit), which is the one place a reader waits for
// a consumer; callers that read leave that wait to the background reader.
package rpc
