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

// streamMessage handles a STREAM or STREAM_HOLE frame whose header has
// been read; n body bytes follow. It runs on the reader goroutine.
func (c *Conn) streamMessage(h *wire.MessageHeader, n int) error {
	c.mu.Lock()
	st := c.streams[h.Serial]
	c.mu.Unlock()
	if st == nil || st.proc != h.Proc || st.hdrProg() != h.Prog {
		// Frames for a stream that has already ended (data in flight
		// when it was aborted) are expected and dropped.
		_, err := c.br.Discard(n)
		return err
	}
	switch {
	case h.Type == wire.MessageTypeStreamHole:
		return c.streamHole(st, h, n)
	case h.Status == wire.MessageStatusContinue:
		return c.streamData(st, n)
	case h.Status == wire.MessageStatusOK:
		// The confirmation of a finish or an abort.
		if _, err := c.br.Discard(n); err != nil {
			return err
		}
		c.forget(st)
		st.end(nil)
		return nil
	case h.Status == wire.MessageStatusError:
		body, err := readInto(c.br, nil, n)
		if err != nil {
			return err
		}
		var me wire.MessageError
		d := xdr.NewDecoder(body)
		me.DecodeXDR(d)
		c.forget(st)
		if d.Err() != nil {
			st.end(protocolErrorf("undecodable stream error: %v", d.Err()))
		} else {
			st.end(ConvertRemoteError(&RemoteError{Msg: me}))
		}
		return nil
	default:
		if _, err := c.br.Discard(n); err != nil {
			return err
		}
		st.fault(protocolErrorf("stream frame with status %d", h.Status))
		return nil
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
func (c *Conn) streamHole(st *Stream, h *wire.MessageHeader, n int) error {
	var buf [64]byte
	if n > len(buf) {
		if _, err := c.br.Discard(n); err != nil {
			return err
		}
		st.fault(protocolErrorf("stream hole of %d bytes", n))
		return nil
	}
	if _, err := io.ReadFull(c.br, buf[:n]); err != nil {
		return err
	}
	var hole wire.StreamHole
	var d xdr.Decoder
	d.Reset(buf[:n])
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
	return nil
}

// streamData queues a data frame, or records the end of data for an empty
// one. When the stream's queue is full it first waits for the consumer.
func (c *Conn) streamData(st *Stream, n int) error {
	if n == 0 {
		st.mu.Lock()
		st.eof = true
		st.mu.Unlock()
		signal(st.ready)
		return nil
	}
	if c.waitSpace(st, n) {
		_, err := c.br.Discard(n)
		return err
	}
	b := getBuf(n)
	data := (*b)[:n]
	if _, err := io.ReadFull(c.br, data); err != nil {
		putBuf(b)
		return err
	}
	st.mu.Lock()
	if st.discard {
		st.mu.Unlock()
		putBuf(b)
		return nil
	}
	st.q = append(st.q, chunk{buf: b, data: data})
	st.queued += n
	st.mu.Unlock()
	signal(st.ready)
	return nil
}

// waitSpace blocks until st can take n more bytes, and reports whether
// the data is to be dropped instead. It never blocks while the call that
// opens the stream is unanswered: its reply may be behind this frame.
func (c *Conn) waitSpace(st *Stream, n int) (discard bool) {
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
			return discard
		}
		c.mu.Lock()
		_, opening := c.pending[st.serial]
		c.mu.Unlock()
		if opening {
			return false
		}
		if timer == nil {
			timer = time.NewTimer(stallPing)
		}
		select {
		case <-st.space:
		case <-c.done:
			return true
		case <-timer.C:
			c.lastRecv.Store(time.Now().UnixNano())
			// An unsolicited PONG is accepted by libvirt's keepalive
			// code and counts as a sign of life from this client.
			signal(c.pongReq)
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
