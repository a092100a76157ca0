package rpc

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// Call is one request and, once Do returns, its reply. Calls are pooled:
// get one from NewCall, encode the arguments into Encoder, pass it to Do,
// decode the reply from the Decoder Do returns, then hand it back with
// Finish (or Release when giving up).
type Call struct {
	buf  []byte // the request frame
	enc  xdr.Encoder
	rbuf []byte // the reply body
	dec  xdr.Decoder
	hdr  wire.MessageHeader // the reply header
	err  error              // set instead of a reply when the connection fails
	done chan struct{}      // one slot: the reader never blocks on it
	// stream is set by OpenStream for a call that opens a stream: Do
	// registers it under the call's serial before sending (stream.go).
	stream *Stream
	id     callID // what the reply must repeat (match.go)
	// Trace is the owner's tracing state, opaque to the engine: Do only
	// tells it the serial, so the owner learns it even when Do fails and
	// releases the call.
	Trace TraceSink
}

// TraceSink receives the serial Do assigns to a traced call.
type TraceSink interface{ SetSerial(serial uint32) }

var callPool = sync.Pool{New: func() any { return &Call{done: make(chan struct{}, 1)} }}

// NewCall starts a request for procedure proc of program prog.
func (c *Conn) NewCall(prog, vers uint32, proc int32) *Call {
	cl := callPool.Get().(*Call)
	cl.enc.Reset(append(cl.buf[:0], 0, 0, 0, 0)) // room for the length
	h := wire.MessageHeader{Prog: prog, Vers: vers, Proc: proc, Type: wire.MessageTypeCall, Status: wire.MessageStatusOK}
	h.EncodeXDR(&cl.enc)
	cl.id = callID{prog, vers, proc}
	return cl
}

// Encoder is where the caller encodes the arguments.
func (cl *Call) Encoder() *xdr.Encoder { return &cl.enc }

// Release returns the call to the pool without looking at a reply.
func (cl *Call) Release() {
	if cap(cl.buf) > keepBuf {
		cl.buf = nil
	}
	if cap(cl.rbuf) > keepBuf {
		cl.rbuf = nil
	}
	cl.err = nil
	cl.stream = nil
	cl.Trace = nil
	cl.dec.Reset(nil)
	callPool.Put(cl)
}

// Finish checks that the reply was decoded completely and without error,
// and releases the call.
func (cl *Call) Finish() error {
	err := cl.dec.Finish()
	cl.Release()
	if err != nil {
		return fmt.Errorf("libvirt: decoding reply: %w", err)
	}
	return nil
}

// Do sends the call and waits for its reply. On success it returns the
// decoder positioned at the reply body, and the caller must call Finish.
// On error the call has already been released. An error reply from the
// server is returned as *RemoteError.
func (c *Conn) Do(ctx context.Context, cl *Call) (*xdr.Decoder, error) {
	if err := cl.enc.Err(); err != nil {
		cl.Release()
		return nil, fmt.Errorf("libvirt: encoding arguments: %w", err)
	}
	if err := ctx.Err(); err != nil {
		cl.Release()
		return nil, fmt.Errorf("libvirt: call not sent: %w", err)
	}
	frame := cl.enc.Bytes()
	cl.buf = frame
	if len(frame) > maxFrame {
		cl.Release()
		return nil, fmt.Errorf("libvirt: request of %d bytes exceeds the protocol's %d-byte limit", len(frame), maxFrame)
	}
	binary.BigEndian.PutUint32(frame, uint32(len(frame)))

	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		cl.Release()
		return nil, err
	}
	serial := c.nextSerial()
	c.pending[serial] = cl
	if cl.stream != nil {
		c.addStream(serial, cl.stream) // stream.go
	}
	c.mu.Unlock()
	binary.BigEndian.PutUint32(frame[serialOffset:], serial)
	if cl.Trace != nil {
		cl.Trace.SetSerial(serial)
	}

	// One watcher for the whole call: it interrupts the call's write, or
	// the read of its reply (readers.go), when ctx ends.
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, c.interruptCall)
		defer stop()
	}
	if sent, err := c.writeOwned(ctx, frame, nil, true); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && err == ctxErr {
			// ctx ended before the request was written, or while it
			// was; in the latter case the connection has failed.
			if !sent && c.forgetCall(serial, cl) {
				cl.Release()
				return nil, fmt.Errorf("libvirt: call not sent: %w", err)
			}
			return nil, fmt.Errorf("libvirt: call abandoned: %w", err)
		}
		// The connection failed, which woke this call with the error.
	}
	if c.reading.CompareAndSwap(false, true) {
		c.lead(ctx, cl) // read the reply ourselves (readers.go)
	}
	select {
	case <-cl.done:
	case <-ctx.Done():
		if c.forgetCall(serial, cl) {
			c.abandon(serial, cl)
			cl.Release()
		}
		// Otherwise the reader (or fail) owns the call and will signal its
		// one-slot channel; the call is left to the garbage collector.
		return nil, fmt.Errorf("libvirt: call abandoned: %w", ctx.Err())
	}
	if cl.err != nil {
		err := cl.err
		cl.Release()
		return nil, err
	}
	cl.dec.Reset(cl.rbuf)
	if cl.hdr.Status != wire.MessageStatusOK {
		var me wire.MessageError
		me.DecodeXDR(&cl.dec)
		err := cl.dec.Err()
		cl.Release()
		if err != nil {
			return nil, protocolErrorf("undecodable error reply: %v", err)
		}
		return nil, ConvertRemoteError(&RemoteError{Msg: me})
	}
	return &cl.dec, nil
}

// nextSerial returns an unused serial; c.mu must be held.
func (c *Conn) nextSerial() uint32 {
	for {
		c.serial++
		_, busy := c.pending[c.serial]
		if _, late := c.abandoned[c.serial]; !busy && !late && c.streams[c.serial] == nil {
			return c.serial
		}
	}
}

// forgetCall takes cl out of the pending table if it is still there, and
// reports whether it was: if not, a reader or fail owns the call and will
// signal it.
func (c *Conn) forgetCall(serial uint32, cl *Call) bool {
	c.mu.Lock()
	mine := c.pending[serial] == cl
	if mine {
		delete(c.pending, serial)
	}
	c.mu.Unlock()
	return mine
}
