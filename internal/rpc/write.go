package rpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Writes. One goroutine at a time writes a frame, holding the write token
// (Conn.wsem, a channel so that waiting for it honours a context). Every
// write is bounded twice:
//
//   - by its owner's context: a caller whose context ends while its frame
//     is being written interrupts the write (a past write deadline, or,
//     on transports without deadlines, closing the connection). If no byte
//     went out the call simply fails with the context's error; if part of
//     the frame went out the connection is failed, since the peer can no
//     longer find the next frame's start.
//   - by the write timeout (Options.WriteTimeout): a write that makes no
//     progress for that long means the peer stopped reading, and the
//     connection is failed with ErrWriteTimeout. This is what bounds
//     writes no caller owns (keepalive, stream frames) and callers whose
//     context has no end.
//
// Keepalive frames are written by a short-lived goroutine (keepalive.go)
// so that the keepalive loop, which detects a dead peer, never blocks on
// a write.

// DefaultWriteTimeout is the write timeout used when Options.WriteTimeout
// is zero: as long as libvirt's default keepalive takes to declare a
// silent peer dead (5 s interval, 5 missed pings).
const DefaultWriteTimeout = 30 * time.Second

// ErrWriteTimeout means a write made no progress for the write timeout:
// the peer stopped reading, and the connection was closed.
var ErrWriteTimeout = errors.New("libvirt: write timeout: the peer stopped reading")

// writeState is what interruptions need to know about the write in
// progress.
type writeState struct {
	mu          sync.Mutex
	active      bool            // a frame is being written
	ctx         context.Context // its owner's context
	deadline    int64           // unix nanoseconds when it times out
	interrupted bool            // its owner's context ended meanwhile
	timer       *time.Timer     // fires writeTimedOut
}

// errWriteAbandoned is why the connection fails when a caller abandoned a
// write that had already put part of its frame on the wire.
var errWriteAbandoned = protocolErrorf("a request was abandoned part-way through writing it; the stream is no longer framed")

// lockWrite takes the write token, waiting at most until ctx ends or the
// connection fails.
func (c *Conn) lockWrite(ctx context.Context) error {
	select {
	case c.wsem <- struct{}{}:
		return nil
	default:
	}
	select {
	case c.wsem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		// A caller whose context ended as the connection failed (often
		// because of the same stalled peer) hears about its context.
		if err := ctx.Err(); err != nil {
			return err
		}
		return c.Err()
	}
}

// unlockWrite gives the write token back.
func (c *Conn) unlockWrite() { <-c.wsem }

// writeOwned writes one frame (hdr followed by body, which may be nil) for
// the owner of ctx; see the top of this file. watched says that the caller
// has already arranged for interruptWrite to run when ctx ends (Do does,
// with one context.AfterFunc for the whole call). sent reports whether any
// of the frame was written. A context error is returned as such; when the
// connection failed, its error is returned.
func (c *Conn) writeOwned(ctx context.Context, hdr, body []byte, watched bool) (sent bool, err error) {
	if err := c.lockWrite(ctx); err != nil {
		return false, err
	}
	defer c.unlockWrite()
	return c.writeLocked(ctx, hdr, body, watched)
}

// writeLocked writes a frame while holding the write token.
func (c *Conn) writeLocked(ctx context.Context, hdr, body []byte, watched bool) (sent bool, err error) {
	select {
	case <-c.done:
		return false, c.Err()
	default:
	}
	w := &c.ws
	w.mu.Lock()
	w.active, w.ctx, w.interrupted = true, ctx, false
	w.deadline = time.Now().Add(c.writeTimeout).UnixNano()
	w.mu.Unlock()
	w.timer.Reset(c.writeTimeout)
	var stop func() bool
	if !watched && ctx.Done() != nil {
		stop = context.AfterFunc(ctx, c.interruptWrite)
	}
	var n int64
	if body == nil {
		k, e := c.nc.Write(hdr)
		n, err = int64(k), e
	} else {
		bufs := net.Buffers{hdr, body}
		n, err = bufs.WriteTo(c.nc)
	}
	if stop != nil {
		stop()
	}
	w.timer.Stop()
	w.mu.Lock()
	interrupted := w.interrupted
	w.active, w.ctx, w.interrupted = false, nil, false
	w.mu.Unlock()
	if interrupted && c.wdeadlines {
		// The interruption may have come after the write completed:
		// clear it for the next writer either way.
		_ = c.nc.SetWriteDeadline(time.Time{})
	}
	if err == nil {
		return true, nil
	}
	if interrupted && ctx.Err() != nil {
		if n == 0 && c.resumable {
			return false, ctx.Err()
		}
		c.fail(errWriteAbandoned)
		return n > 0, ctx.Err()
	}
	c.fail(err)
	return n > 0, c.Err()
}

// interruptWrite runs when the context of some write ends. It interrupts
// the write in progress if that write's context is the one that ended (a
// late run for an earlier write finds a live context and does nothing).
func (c *Conn) interruptWrite() {
	w := &c.ws
	w.mu.Lock()
	hit := w.active && !w.interrupted && w.ctx.Err() != nil
	if hit {
		w.interrupted = true
		if c.wdeadlines {
			_ = c.nc.SetWriteDeadline(longAgo)
		}
	}
	w.mu.Unlock()
	if hit && !c.wdeadlines {
		// Without deadlines the only way to stop the write is to close
		// the transport.
		c.fail(errWriteAbandoned)
	}
}

// interruptCall runs when a call's context ends (Do): it interrupts the
// call's write if it is still in progress, and the read of whoever leads,
// in case that is the call (a spurious read interruption is harmless: see
// lead).
func (c *Conn) interruptCall() {
	c.interruptWrite()
	if c.deadlines {
		c.interrupt()
	}
}

// writeTimedOut runs when the write timer fires: if the write in progress
// has been running for the whole write timeout, the connection is failed,
// which closes the transport and so ends the write.
func (c *Conn) writeTimedOut() {
	w := &c.ws
	w.mu.Lock()
	expired := w.active && time.Now().UnixNano() >= w.deadline
	w.mu.Unlock()
	if expired {
		c.fail(fmt.Errorf("%w (no progress for %v)", ErrWriteTimeout, c.writeTimeout))
	}
}

// resumableTransport reports whether a write to nc interrupted by a
// deadline before any byte went out leaves nc usable. Plain sockets do; a
// TLS connection does not (its state is corrupt after a timed-out write),
// nor, to be safe, any wrapper the engine does not know.
func resumableTransport(nc net.Conn) bool {
	switch nc.(type) {
	case *net.UnixConn, *net.TCPConn:
		return true
	}
	return false
}
