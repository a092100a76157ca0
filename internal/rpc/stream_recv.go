package rpc

import (
	"io"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// stallPing is how often the reader, while it holds off reading because a
// stream's queue is full, shows both ends that the connection is alive:
// it refreshes the time of the last receipt (the silence is our own
// doing) and has the keepalive goroutine send the daemon a keepalive
// message, which resets the daemon's own keepalive countdown.
const stallPing = time.Second

// routeStream chooses where a STREAM or STREAM_HOLE frame's body goes
// (inbound.go). Data for a stream whose queue is full waits for the
// stream's consumer first, unless the reader may not wait (errYield).
func (c *Conn) routeStream(mayWait bool) error {
	in := &c.in
	h := &in.hdr
	c.mu.Lock()
	st := c.streams[h.Serial]
	c.mu.Unlock()
	if st == nil || st.proc != h.Proc || st.hdrProg() != h.Prog {
		// Frames for a stream that has already ended (data in flight
		// when it was aborted) are expected and dropped.
		return nil
	}
	in.st = st
	switch {
	case h.Type == wire.MessageTypeStream && h.Status == wire.MessageStatusContinue && in.n > 0:
		discard, yield := c.waitSpace(st, in.n, mayWait)
		if yield {
			return errYield
		}
		if !discard {
			in.kind, in.data = bodyStreamData, getBuf(in.n)
		}
	case h.Type == wire.MessageTypeStreamHole && in.n > maxHoleBody:
		in.badHole = true
	default:
		in.kind = bodyStreamCtl
		in.scratch = sized(in.scratch, in.n)
	}
	return nil
}

// maxHoleBody bounds a STREAM_HOLE body: a virNetStreamHole is 12 bytes.
const maxHoleBody = 64

// streamControl handles a complete stream frame other than data: a hole,
// the end of data, the confirmation of a finish or abort, or a failure.
func (c *Conn) streamControl(st *Stream, h *wire.MessageHeader, body []byte) {
	switch {
	case h.Type == wire.MessageTypeStreamHole:
		c.streamHole(st, body)
	case h.Status == wire.MessageStatusContinue: // empty data: end of file
		st.mu.Lock()
		st.eof = true
		st.mu.Unlock()
		signal(st.ready)
	case h.Status == wire.MessageStatusOK:
		// The confirmation of a finish or an abort.
		c.forget(st)
		st.end(nil)
	case h.Status == wire.MessageStatusError:
		var me wire.MessageError
		d := xdr.NewDecoder(body)
		me.DecodeXDR(d)
		c.forget(st)
		if d.Err() != nil {
			st.end(protocolErrorf("undecodable stream error: %v", d.Err()))
		} else {
			st.end(ConvertRemoteError(&RemoteError{Msg: me}))
		}
	default:
		st.fault(protocolErrorf("stream frame with status %d", h.Status))
	}
}

// forget removes st from the connection's streams.
func (c *Conn) forget(st *Stream) {
	c.mu.Lock()
	if c.streams[st.serial] == st {
		delete(c.streams, st.serial)
	}
	c.mu.Unlock()
}

func (st *Stream) hdrProg() uint32 {
	return uint32(st.hdr[4])<<24 | uint32(st.hdr[5])<<16 | uint32(st.hdr[6])<<8 | uint32(st.hdr[7])
}

// streamHole queues a hole announced by the server.
func (c *Conn) streamHole(st *Stream, body []byte) {
	var hole wire.StreamHole
	var d xdr.Decoder
	d.Reset(body)
	hole.DecodeXDR(&d)
	switch {
	case d.Err() != nil:
		st.fault(protocolErrorf("undecodable stream hole: %v", d.Err()))
	case !st.sparse:
		st.fault(protocolErrorf("the server sent a hole on a stream that is not sparse"))
	case hole.Length < 0:
		st.fault(protocolErrorf("stream hole of negative length %d", hole.Length))
	case hole.Length > 0:
		st.mu.Lock()
		if !st.discard {
			st.q = append(st.q, chunk{hole: hole.Length})
		}
		st.mu.Unlock()
		signal(st.ready)
	}
}

// queue hands n bytes of data, read into the pooled buffer b, to st's
// consumer.
func (st *Stream) queue(b *[]byte, n int) {
	st.mu.Lock()
	if st.discard {
		st.mu.Unlock()
		putBuf(b)
		return
	}
	st.q = append(st.q, chunk{buf: b, data: (*b)[:n]})
	st.queued += n
	st.mu.Unlock()
	signal(st.ready)
}

// waitSpace blocks until st can take n more bytes, and reports whether
// the data is to be dropped instead. It never blocks while the call that
// opens the stream is unanswered: its reply may be behind this frame. A
// reader that may not wait gets yield instead of blocking.
func (c *Conn) waitSpace(st *Stream, n int, mayWait bool) (discard, yield bool) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		st.mu.Lock()
		discard, full := st.discard, st.queued > 0 && st.queued+n > StreamQueueLimit
		st.mu.Unlock()
		if discard || !full {
			return discard, false
		}
		c.mu.Lock()
		_, opening := c.pending[st.serial]
		c.mu.Unlock()
		if opening {
			return false, false
		}
		if !mayWait {
			return false, true
		}
		if timer == nil {
			timer = time.NewTimer(stallPing)
		}
		select {
		case <-st.space:
		case <-c.done:
			return true, false
		case <-timer.C:
			c.lastRecv.Store(time.Now().UnixNano())
			// An unsolicited PONG is accepted by libvirt's keepalive
			// code and counts as a sign of life from this client.
			c.sendPong()
			timer.Reset(stallPing)
		}
	}
}

// fault fails the stream on this side because the server broke the
// protocol for it. The server still has the stream, so it stays
// registered until a Close or Abort sends the abort.
func (st *Stream) fault(err error) {
	st.mu.Lock()
	if st.err == nil {
		st.err = err
	}
	st.discard = true
	st.releaseQueue()
	st.mu.Unlock()
	st.wake()
}

// Read reads stream data into p. A hole of a sparse stream reads as
// zeros. At the end of the data it returns io.EOF.
func (st *Stream) Read(p []byte) (int, error) {
	if st.mode&StreamRecv == 0 {
		return 0, ErrStreamDirection
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, _, err := st.read(p, false)
	return n, err
}

// ReadSparse reads the next part of the stream: either data into p
// (n > 0) or, on a sparse stream, a whole hole (hole > 0, nothing written
// to p). At the end of the data it returns io.EOF.
func (st *Stream) ReadSparse(p []byte) (n int, hole int64, err error) {
	if st.mode&StreamRecv == 0 {
		return 0, 0, ErrStreamDirection
	}
	if len(p) == 0 {
		return 0, 0, nil
	}
	return st.read(p, true)
}

func (st *Stream) read(p []byte, holes bool) (n int, hole int64, err error) {
	st.rmu.Lock()
	defer st.rmu.Unlock()
	for {
		st.mu.Lock()
		if len(st.q) > 0 {
			n, hole = st.take(p, holes)
			st.mu.Unlock()
			signal(st.space)
			return n, hole, nil
		}
		eof, err := st.eof, st.err
		st.mu.Unlock()
		switch {
		case err != nil:
			return 0, 0, err
		case eof:
			return 0, 0, io.EOF
		}
		<-st.ready
	}
}

// take moves data from the head of the queue into p, or consumes the hole
// at its head; st.mu is held and the queue is not empty.
func (st *Stream) take(p []byte, holes bool) (n int, hole int64) {
	head := &st.q[0]
	if head.buf == nil {
		if holes {
			hole = head.hole
			head.hole = 0
		} else {
			k := int64(len(p))
			if k > head.hole {
				k = head.hole
			}
			clear(p[:k])
			head.hole -= k
			n = int(k)
		}
		if head.hole == 0 {
			st.pop()
		}
		return n, hole
	}
	for n < len(p) && len(st.q) > 0 && st.q[0].buf != nil {
		head = &st.q[0]
		k := copy(p[n:], head.data)
		head.data = head.data[k:]
		n += k
		st.queued -= k
		if len(head.data) == 0 {
			putBuf(head.buf)
			st.pop()
		}
	}
	return n, 0
}

// pop drops the head of the queue; st.mu is held.
func (st *Stream) pop() {
	st.q[0] = chunk{}
	st.q = st.q[1:]
	if len(st.q) == 0 {
		st.q = st.q[:0:0]
	}
}

// AtEOF reports whether the server sent its end of data and every byte
// before it was read.
func (st *Stream) AtEOF() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.eof && len(st.q) == 0
}

// Chunk is a piece of received stream data handed over without copying,
// or a hole. Release returns its buffer; Data must not be used after.
type Chunk struct {
	Data []byte
	Hole int64
	buf  *[]byte
}

// Release gives the chunk's buffer back for reuse.
func (ch *Chunk) Release() {
	putBuf(ch.buf)
	*ch = Chunk{}
}

// Next hands over the next received piece of the stream whole: a data
// frame's bytes (or what a partial Read left of them), or a hole. At the
// end of the data it returns io.EOF. It is the copy-free alternative to
// Read for callers that pass data on (WriteTo).
func (st *Stream) Next() (Chunk, error) {
	if st.mode&StreamRecv == 0 {
		return Chunk{}, ErrStreamDirection
	}
	st.rmu.Lock()
	defer st.rmu.Unlock()
	for {
		st.mu.Lock()
		if len(st.q) > 0 {
			head := st.q[0]
			st.queued -= len(head.data)
			st.pop()
			st.mu.Unlock()
			signal(st.space)
			return Chunk{Data: head.data, Hole: head.hole, buf: head.buf}, nil
		}
		eof, err := st.eof, st.err
		st.mu.Unlock()
		switch {
		case err != nil:
			return Chunk{}, err
		case eof:
			return Chunk{}, io.EOF
		}
		<-st.ready
	}
}
