package rpc

import (
	"encoding/binary"
	"errors"
	"io"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// The read side is a resumable frame reader: the frame being read lives in
// the Conn (inbound), not on some goroutine's stack, so whichever goroutine
// holds the read token (readers.go) can stop between any two reads (a
// caller whose context ended, or one that must not wait for a stream's
// consumer) and another can carry on where it stopped.

// Frame phases.
const (
	phaseHead  = iota // reading the length word and the header
	phaseRoute        // header read; the body's destination is not chosen
	phaseBody         // reading the body into its destination, or skipping it
)

// What a body is for, chosen when the frame is routed.
const (
	bodySkip       = iota // read and dropped
	bodyReply             // a reply: read into the waiting call's buffer
	bodyStreamData        // stream data: read into a pooled buffer for the stream
	bodyStreamCtl         // any other stream frame: read into scratch
	bodyKeepalive         // keepalive program: skipped, then acted on
	bodyEvent             // a server message: read into scratch for OnMessage
)

// errYield is returned by readFrame when the frame cannot be handled
// without waiting for a stream's consumer and the reader may not wait.
var errYield = errors.New("rpc: reader yields")

// inbound is the frame being read. It is owned by the read token's holder.
type inbound struct {
	phase   int
	head    [headerLen]byte
	headN   int
	hdr     wire.MessageHeader
	n       int // body length
	got     int // body bytes read or skipped so far
	kind    int
	cl      *Call   // bodyReply: the call, already out of the pending table
	st      *Stream // stream frames: the stream
	data    *[]byte // bodyStreamData: the pooled buffer
	scratch []byte  // bodyStreamCtl and bodyEvent
	dec     xdr.Decoder
	badHole bool // bodySkip of a stream hole too long to be one
}

// midFrame reports whether part of a frame has been consumed.
func (in *inbound) midFrame() bool { return in.phase != phaseHead || in.headN > 0 }

// readFrame reads the rest of the current frame and handles it. It returns
// the call a reply was delivered to, if any. Errors from the connection
// (a read timeout included) leave the frame's state for the next reader;
// errYield means the frame waits, routed no further, for a reader that may
// wait. A protocol violation is returned as an error for fail.
func (c *Conn) readFrame(mayWait bool) (*Call, error) {
	in := &c.in
	if in.phase == phaseHead {
		if err := c.readHead(mayWait); err != nil {
			return nil, err
		}
		c.lastRecv.Store(time.Now().UnixNano())
		if err := c.parseHeader(); err != nil {
			return nil, err
		}
		in.phase = phaseRoute
	}
	if in.phase == phaseRoute {
		if err := c.route(mayWait); err != nil {
			return nil, err
		}
		in.phase, in.got = phaseBody, 0
	}
	if err := c.readBody(); err != nil {
		return nil, err
	}
	cl := c.dispatch()
	c.resetInbound()
	return cl, nil
}

// readHead reads the length word and the header. A reader that may wait
// (the background reader) on a connection with no call pending reads them
// straight into the frame state, so that an idle connection holds no read
// buffer (rbuf.go); otherwise they come through the buffer, with as much
// of the body as one read brings.
func (c *Conn) readHead(mayWait bool) error {
	in := &c.in
	direct := false
	if mayWait && c.rb.buffered() == 0 {
		c.mu.Lock()
		direct = len(c.pending) == 0
		c.mu.Unlock()
	}
	for in.headN < headerLen {
		var k int
		var err error
		if direct {
			k, err = c.rb.readDirect(in.head[in.headN:])
		} else {
			k, err = c.rb.Read(in.head[in.headN:])
		}
		before := in.headN
		in.headN += k
		// The length word alone already tells an impossible frame:
		// reject it without waiting for a header that may never come.
		if before < wire.MessageLenMax && in.headN >= wire.MessageLenMax {
			if err := checkLength(binary.BigEndian.Uint32(in.head[:4])); err != nil {
				return err
			}
		}
		if err != nil {
			if in.headN == headerLen {
				break
			}
			return err
		}
	}
	return nil
}

// parseHeader checks the length word and decodes the header.
func (c *Conn) parseHeader() error {
	in := &c.in
	length := binary.BigEndian.Uint32(in.head[:4])
	in.dec.Reset(in.head[wire.MessageLenMax:])
	in.hdr.DecodeXDR(&in.dec)
	if err := in.dec.Err(); err != nil {
		return protocolErrorf("bad message header: %v", err)
	}
	in.n = int(length) - headerLen
	return nil
}

// checkLength rejects a length word no frame can have.
func checkLength(length uint32) error {
	if length < headerLen || length > maxFrame {
		return protocolErrorf("message length %d outside %d..%d", length, headerLen, maxFrame)
	}
	return nil
}

// route chooses where the body goes. Replies to calls that were abandoned,
// and messages nobody handles, are skipped.
func (c *Conn) route(mayWait bool) error {
	in := &c.in
	h := &in.hdr
	in.kind = bodySkip
	switch {
	case h.Type == wire.MessageTypeReply || h.Type == wire.MessageTypeReplyWithFDs:
		return c.routeReply() // match.go
	case h.Type == wire.MessageTypeStream || h.Type == wire.MessageTypeStreamHole:
		return c.routeStream(mayWait) // stream_recv.go
	case h.Prog == wire.KeepaliveProgram:
		in.kind = bodyKeepalive
	case h.Type == wire.MessageTypeMessage:
		if c.opts.OnMessage != nil {
			in.kind = bodyEvent
			in.scratch = sized(in.scratch, in.n)
		}
	default:
		// A call (with or without descriptors) from the server: libvirt's
		// client treats it as a broken conversation, and so does this one.
		return protocolErrorf("unexpected message of type %v from the server (program %#x procedure %d serial %d)",
			h.Type, h.Prog, h.Proc, h.Serial)
	}
	return nil
}

// sized returns buf with length n, reallocated if it is too small.
func sized(buf []byte, n int) []byte {
	if cap(buf) < n {
		return make([]byte, n)
	}
	return buf[:n]
}

// readBody reads, or skips, what is left of the body.
func (c *Conn) readBody() error {
	in := &c.in
	var dst []byte
	switch in.kind {
	case bodyReply:
		dst = in.cl.rbuf
	case bodyStreamData:
		dst = (*in.data)[:in.n]
	case bodyStreamCtl, bodyEvent:
		dst = in.scratch
	}
	for in.got < in.n {
		var k int
		var err error
		if dst == nil {
			k, err = c.rb.discard(in.n - in.got)
		} else {
			k, err = io.ReadFull(&c.rb, dst[in.got:in.n])
		}
		in.got += k
		if err != nil {
			return err
		}
	}
	return nil
}

// dispatch hands a complete frame to whoever it is for. It never blocks:
// calls and streams are woken through one-slot channels and OnMessage
// must not block.
func (c *Conn) dispatch() *Call {
	in := &c.in
	switch in.kind {
	case bodyReply:
		cl := in.cl
		cl.hdr = in.hdr
		cl.done <- struct{}{} // one-slot channel, never blocks
		return cl
	case bodyStreamData:
		in.st.queue(in.data, in.n) // stream_recv.go
		in.data = nil
	case bodyStreamCtl:
		c.streamControl(in.st, &in.hdr, in.scratch[:in.n]) // stream_recv.go
	case bodyKeepalive:
		if in.hdr.Type == wire.MessageTypeMessage && in.hdr.Proc == int32(wire.ProcKeepalivePing) {
			c.sendPong() // written by a goroutine of its own: readers never write
		}
	case bodyEvent:
		c.opts.OnMessage(&in.hdr, in.scratch[:in.n])
	case bodySkip:
		if in.badHole {
			in.st.fault(protocolErrorf("stream hole of %d bytes", in.n))
		}
	}
	return nil
}

// resetInbound readies the reader for the next frame.
func (c *Conn) resetInbound() {
	in := &c.in
	in.phase, in.headN, in.got, in.kind = phaseHead, 0, 0, bodySkip
	in.cl, in.st, in.badHole = nil, nil, false
	// A connection keeps no buffer sized to the largest event or stream
	// message it has seen, only one for small ones.
	if cap(in.scratch) > keepScratch {
		in.scratch = nil
	}
}

// readFailed ends the connection after a read error or a protocol
// violation seen by the read token's holder.
func (c *Conn) readFailed(err error) {
	c.fail(err)
	c.abandonInbound()
}

// abandonInbound wakes the call whose reply was being read, which is no
// longer in the pending table that fail empties, and frees the frame's
// buffer. The caller holds the read token and the connection has failed.
func (c *Conn) abandonInbound() {
	in := &c.in
	if in.cl != nil {
		in.cl.err = c.Err()
		in.cl.done <- struct{}{}
		in.cl = nil
	}
	if in.data != nil {
		putBuf(in.data)
		in.data = nil
	}
	c.resetInbound() // the rest of the frame will never come
	c.rb.r, c.rb.w = 0, 0
	c.rb.release()
}
