package libvirttest

import (
	"encoding/binary"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// srvStream is a stream a call opened on a connection. After the call's
// reply both sides exchange STREAM and STREAM_HOLE frames that carry the
// call's program, procedure and serial; the client's frames are handed to
// the stream's handler on the connection's reader goroutine, in order.
type srvStream struct {
	c      *conn
	hdr    wire.MessageHeader // the opening call's; Type and Status set per frame
	sparse bool
	// handle deals with one frame from the client. It runs on the
	// reader goroutine and must not block on the network.
	handle func(h wire.MessageHeader, body []byte)
	// start, if set, runs once the opening call's reply has been sent.
	start func()
}

// openStream registers a stream for the call ci serves; the server starts
// it once the call's reply is sent, or forgets it if the call fails.
func (ci *callInfo) openStream(sparse bool, handle func(wire.MessageHeader, []byte), start func()) *srvStream {
	st := &srvStream{c: ci.conn, hdr: ci.hdr, sparse: sparse, handle: handle, start: start}
	c := ci.conn
	c.mu.Lock()
	if c.streams == nil {
		c.streams = map[uint32]*srvStream{}
	}
	c.streams[st.hdr.Serial] = st
	c.mu.Unlock()
	ci.stream = st
	return st
}

// forget removes st from its connection: frames for it are dropped from
// now on, as libvirtd drops data that arrives after a stream ended.
func (st *srvStream) forget() {
	c := st.c
	c.mu.Lock()
	if c.streams[st.hdr.Serial] == st {
		delete(c.streams, st.hdr.Serial)
	}
	c.mu.Unlock()
}

// streamFrame passes a STREAM or STREAM_HOLE frame to its stream. Frames
// of streams that are unknown or already over are dropped.
func (c *conn) streamFrame(h wire.MessageHeader, body []byte) {
	c.mu.Lock()
	st := c.streams[h.Serial]
	c.mu.Unlock()
	if st == nil || st.hdr.Prog != h.Prog || st.hdr.Proc != h.Proc {
		return
	}
	st.handle(h, body)
}

// frame encodes a frame of the stream whose body is the payload bytes
// after the header in buf; buf's first headerLen bytes are overwritten.
func (st *srvStream) frame(buf []byte, typ wire.MessageType, status wire.MessageStatus) []byte {
	h := st.hdr
	h.Type, h.Status = typ, status
	var e xdr.Encoder
	e.Reset(buf[:wire.MessageLenMax:headerLen])
	h.EncodeXDR(&e)
	binary.BigEndian.PutUint32(buf, uint32(len(buf)))
	return buf
}

// send writes a frame with the given body; it blocks while the client
// does not read.
func (st *srvStream) send(typ wire.MessageType, status wire.MessageStatus, body []byte) {
	buf := make([]byte, headerLen+len(body))
	copy(buf[headerLen:], body)
	st.c.writeFrame(st.frame(buf, typ, status))
}

// sendLater writes a frame of the stream from a goroutine of its own, so
// that the reader goroutine never waits for the client to read.
func (st *srvStream) sendLater(frame []byte) {
	c := st.c
	c.calls.Add(1)
	go func() {
		defer c.calls.Done()
		c.writeFrame(frame)
	}()
}

// confirm ends the stream and tells the client its finish or abort was
// done (an empty OK frame).
func (st *srvStream) confirm(now bool) {
	st.forget()
	f := st.frame(make([]byte, headerLen), wire.MessageTypeStream, wire.MessageStatusOK)
	if now {
		st.c.writeFrame(f)
	} else {
		st.sendLater(f)
	}
}

// fail ends the stream with err, sent as an ERROR frame carrying the
// error, as libvirtd reports a stream that failed on its side. It is
// called on the reader goroutine, so the frame is written from another.
func (st *srvStream) fail(err error) {
	st.forget()
	h := st.hdr
	h.Type = wire.MessageTypeStream
	f := errorFrame(h, err)
	binary.BigEndian.PutUint32(f, uint32(len(f)))
	st.sendLater(f)
}
