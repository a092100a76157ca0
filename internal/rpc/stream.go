package rpc

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// Streams (libvirt's virStream over RPC) share the connection with calls.
// A stream is opened by an ordinary call; from then on both sides send
// frames of type STREAM (data, status CONTINUE; the end, status OK; a
// failure or abort, status ERROR) and STREAM_HOLE (sparse streams) that
// carry the opening call's program, procedure and serial.
//
//   - Data: the server sends CONTINUE frames of at most 256 KiB, one at a
//     time, and an empty CONTINUE frame at end of file. The client's data
//     frames are fire-and-forget.
//   - Finish: the client sends an empty OK frame and the server confirms
//     with an empty OK frame, or reports a failure with an ERROR frame.
//   - Abort: the client sends an empty ERROR frame and the server confirms
//     with an empty OK frame (or an ERROR frame).
//   - Failure: the server sends an ERROR frame carrying a
//     virNetMessageError and forgets the stream.
//   - Holes: a STREAM_HOLE frame with status CONTINUE carries a
//     virNetStreamHole. Only streams opened with a sparse flag may carry
//     holes; the daemon drops a client that sends one on another stream.
//
// Flow control: libvirt has no per-stream window. The daemon reads the
// next chunk of a download only after the previous frame has left its
// queue, so it slows down as soon as the client stops reading the socket;
// for uploads it stops reading the socket while a stream has unwritten
// data. Incoming data is queued per stream up to StreamQueueLimit bytes;
// when a queue is full the background reader stops reading the connection
// until the stream's consumer catches up. Replies and events behind the
// stream data then wait as well: a program that must make calls while it
// leaves a stream unread should use a second connection for the stream.

// StreamQueueLimit is how many bytes of received data a stream buffers
// before the connection's reader waits for the stream's consumer.
const StreamQueueLimit = 4 << 20

// StreamChunk is the largest data payload the client puts in one frame,
// the same as libvirt's own client (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX).
const StreamChunk = wire.MessageLegacyPayloadMax

// StreamMode says which way data may flow on a stream.
type StreamMode uint8

const (
	// StreamRecv streams carry data from the server (downloads,
	// screenshots).
	StreamRecv StreamMode = 1 << iota
	// StreamSend streams carry data to the server (uploads, tunnelled
	// migration).
	StreamSend
)

var (
	// ErrStreamClosed is returned by operations on a stream that was
	// already finished or aborted by this side.
	ErrStreamClosed = errors.New("libvirt: stream closed")
	// ErrStreamAborted is returned by reads and writes after Abort.
	ErrStreamAborted = errors.New("libvirt: stream aborted")
	// ErrNotSparse is returned when holes are sent on a stream that was
	// not opened as a sparse stream.
	ErrNotSparse = errors.New("libvirt: stream is not sparse (open it with the sparse-stream flag)")
	// ErrStreamDirection is returned by Read on a send-only stream and by
	// Write on a receive-only one.
	ErrStreamDirection = errors.New("libvirt: stream does not carry data in that direction")
)

// chunk is one queued piece of incoming data, or a hole.
type chunk struct {
	buf  *[]byte // pooled buffer holding data; nil for a hole
	data []byte  // unread part of *buf
	hole int64   // remaining hole length when buf is nil
}

// Stream is the engine side of one open stream. It is safe for one
// reading and one writing goroutine at a time, plus Finish, Abort and
// cancellation from any goroutine.
type Stream struct {
	c      *Conn
	mode   StreamMode
	sparse bool
	hdr    [headerLen]byte // the opening call's frame header; serial set on open
	serial uint32
	proc   int32

	rmu sync.Mutex // serialises consumers
	wmu sync.Mutex // serialises producers, so a Write's chunks stay in order

	mu      sync.Mutex
	q       []chunk
	queued  int   // bytes of data in q
	eof     bool  // the server sent its end of data
	err     error // why reads and writes fail from now on
	discard bool  // incoming data is dropped: the stream is ending
	ending  bool  // a finish or abort was sent
	ended   bool  // the server forgot the stream (or the connection ended)
	final   error // the stream's outcome once ended

	ready   chan struct{}   // one slot: something changed for the consumer
	space   chan struct{}   // one slot: the consumer freed queue space
	endedCh chan struct{}   // closed once ended
	stopCtx func() bool     // stops the context watcher
	ctx     context.Context // bounds the stream's life
}

// OpenStream sends cl, the call that opens a stream, and waits for its
// reply. The stream is registered under the call's serial before the call
// is written, so that data the server sends right after (or even before)
// the reply is kept. On success the caller decodes the reply from the
// returned decoder and calls cl.Finish; on error cl has been released.
//
// ctx bounds the whole life of the stream: when it ends, the stream is
// aborted. If ctx ends while the open call is in flight, OpenStream
// returns at once and the stream, should the server open it, is aborted
// in the background.
func (c *Conn) OpenStream(ctx context.Context, cl *Call, mode StreamMode, sparse bool) (*Stream, *xdr.Decoder, error) {
	st := &Stream{
		c:       c,
		mode:    mode,
		sparse:  sparse,
		ready:   make(chan struct{}, 1),
		space:   make(chan struct{}, 1),
		endedCh: make(chan struct{}),
		ctx:     ctx,
	}
	if f := cl.enc.Bytes(); len(f) >= headerLen {
		copy(st.hdr[:], f[:headerLen])
		st.proc = int32(binary.BigEndian.Uint32(f[wire.MessageLenMax+8:]))
	}
	cl.stream = st
	if ctx.Done() == nil {
		d, err := c.Do(ctx, cl)
		if err != nil {
			c.dropStream(st)
			return nil, nil, err
		}
		return st, d, nil
	}
	type result struct {
		d   *xdr.Decoder
		err error
	}
	res := make(chan result, 1)
	go func() {
		// The open call itself is not cancelled: its reply tells whether
		// there is a server-side stream to abort.
		d, err := c.Do(context.WithoutCancel(ctx), cl)
		res <- result{d, err}
	}()
	select {
	case r := <-res:
		if r.err != nil {
			c.dropStream(st)
			return nil, nil, r.err
		}
		if ctx.Err() == nil {
			st.stopCtx = context.AfterFunc(ctx, func() { st.cancel(ctx) })
			return st, r.d, nil
		}
		res <- r
	case <-ctx.Done():
	}
	go func() {
		r := <-res
		if r.err != nil {
			c.dropStream(st)
			return
		}
		cl.Release()
		st.cancel(ctx)
	}()
	return nil, nil, ctxError("stream not opened", ctx)
}

func ctxError(what string, ctx context.Context) error {
	return &ctxErr{what: what, err: ctx.Err()}
}

type ctxErr struct {
	what string
	err  error
}

func (e *ctxErr) Error() string { return "libvirt: " + e.what + ": " + e.err.Error() }
func (e *ctxErr) Unwrap() error { return e.err }

// Sparse reports whether the stream was opened as a sparse stream.
func (st *Stream) Sparse() bool { return st.sparse }

// Mode reports which way data flows on the stream.
func (st *Stream) Mode() StreamMode { return st.mode }

// Done is closed once the stream is over for the server too: its finish
// or abort was confirmed, the server reported a failure, or the
// connection ended.
func (st *Stream) Done() <-chan struct{} { return st.endedCh }

// addStream registers st under serial; c.mu is held. Called by Do for
// calls that open a stream.
func (c *Conn) addStream(serial uint32, st *Stream) {
	if c.streams == nil {
		c.streams = map[uint32]*Stream{}
	}
	st.serial = serial
	binary.BigEndian.PutUint32(st.hdr[serialOffset:], serial)
	c.streams[serial] = st
}

// dropStream forgets st: its opening call failed, so the server has no
// such stream.
func (c *Conn) dropStream(st *Stream) {
	c.mu.Lock()
	if c.streams[st.serial] == st {
		delete(c.streams, st.serial)
	}
	c.mu.Unlock()
	st.end(ErrStreamClosed)
}

// failStreams ends every stream with the connection's error; called by
// fail after the connection has been marked dead.
func failStreams(streams map[uint32]*Stream, err error) {
	for _, st := range streams {
		st.end(err)
	}
}

// end marks the stream over on the server's side, with outcome final
// (nil for a confirmed finish or abort). It wakes every waiter.
func (st *Stream) end(final error) {
	st.mu.Lock()
	if st.ended {
		st.mu.Unlock()
		return
	}
	st.ended = true
	st.final = final
	st.discard = true
	if st.err == nil {
		switch {
		case final != nil:
			st.err = final
		case !st.ending:
			st.err = protocolErrorf("the server ended a stream nobody finished")
		default:
			st.err = ErrStreamClosed
		}
	}
	st.releaseQueue()
	st.mu.Unlock()
	close(st.endedCh)
	if st.stopCtx != nil {
		st.stopCtx()
	}
	st.wake()
}

// releaseQueue drops queued data; st.mu is held.
func (st *Stream) releaseQueue() {
	for i := range st.q {
		putBuf(st.q[i].buf)
		st.q[i] = chunk{}
	}
	st.q = st.q[:0]
	st.queued = 0
}

// wake signals both the consumer and a reader waiting for space.
func (st *Stream) wake() {
	signal(st.ready)
	signal(st.space)
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// bufPool holds data buffers of StreamChunk bytes for incoming frames.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, StreamChunk)
	return &b
}}

func getBuf(n int) *[]byte {
	if n > StreamChunk {
		b := make([]byte, n)
		return &b
	}
	return bufPool.Get().(*[]byte)
}

func putBuf(b *[]byte) {
	if b != nil && cap(*b) == StreamChunk {
		bufPool.Put(b)
	}
}
