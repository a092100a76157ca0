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
// Concurrency: one reader goroutine owns the read side. Each call waits on
// its own one-slot channel, so the reader never blocks handing over a
// reply, however slow a caller is. Writes are serialised by a mutex held
// only for the duration of one Write.
//
// Streams (stream.go) ride on the same connection: the reader queues
// their data per stream and stops reading only when a stream's queue is
// full, which is the one place it waits for a consumer (see
// StreamQueueLimit).
package rpc
