package libvirt

import (
	"context"

	"github.com/virtwire/libvirt/internal/rpc"
	"github.com/virtwire/libvirt/internal/xdr"
)

// Errors of streams.
var (
	// ErrStreamClosed is returned by reads, writes and Finish on a stream
	// that this side already finished or aborted.
	ErrStreamClosed = rpc.ErrStreamClosed
	// ErrStreamAborted is returned by reads and writes after Abort.
	ErrStreamAborted = rpc.ErrStreamAborted
	// ErrNotSparse is returned by SendHole on a stream that was not
	// opened with a sparse-stream flag (StorageVolUploadSparseStream).
	ErrNotSparse = rpc.ErrNotSparse
	// ErrStreamDirection is returned by Read on a stream that only sends
	// (an upload) and by Write on one that only receives (a download, a
	// screenshot).
	ErrStreamDirection = rpc.ErrStreamDirection
)

// StreamQueueLimit is how many bytes of received data a Stream buffers.
// When a stream's consumer falls that far behind, the connection stops
// reading from the daemon until it catches up, which keeps memory bounded
// (libvirt's protocol has no per-stream flow control). Replies to other
// calls and events on the same Client wait meanwhile: to make calls while
// leaving a stream unread, open the stream on a second Client.
const StreamQueueLimit = rpc.StreamQueueLimit

// Stream is a libvirt data stream (virStream): the data of a storage
// volume upload or download, a screenshot, a domain's console or channel,
// or a tunnelled migration. Methods of Client that open streams return one.
//
// A Stream is an io.Reader (data from the daemon), an io.Writer (data to
// the daemon) and an io.Closer. Which directions work depends on what was
// opened: downloads and screenshots only read, uploads and migration
// tunnels only write, consoles and channels do both. Read and Write may be
// used from two goroutines at once; Finish, Abort and Close from any.
//
// A stream ends with Finish (a clean end the daemon confirms, and whose
// error, if any, it reports), Abort (the daemon drops the transfer) or
// Close, which does whichever fits; every stream must end, or the daemon
// keeps its side open until the connection closes. The context given to
// the method that opened the stream bounds its whole life: when it ends,
// the stream is aborted and blocked reads and writes return at once.
//
// Sparse streams (opened with StorageVolUploadSparseStream or
// StorageVolDownloadSparseStream) also carry holes: see SendHole,
// ReadSparse, ReadFrom and WriteTo.
type Stream struct {
	s  *rpc.Stream
	tr *streamSpan // nil unless a StreamTracer is set (trace_stream.go)
}

// openStream sends a call that opens a stream and waits for its reply;
// generated methods call it, decode the reply and then finish the call.
func (c *Client) openStream(ctx context.Context, call *rpc.Call, mode rpc.StreamMode, sparse bool) (*Stream, *xdr.Decoder, error) {
	if c.tracer != nil {
		return c.openStreamTraced(ctx, call, mode, sparse)
	}
	s, d, err := c.conn.OpenStream(ctx, call, mode, sparse)
	if err != nil {
		return nil, nil, err
	}
	return &Stream{s: s}, d, nil
}

// openedStream completes the call that opened st; if its reply does not
// decode, the stream is aborted.
func (c *Client) openedStream(st *Stream, call *rpc.Call) error {
	if err := c.finish(call); err != nil {
		st.tr.end(st.s.Abort(), true)
		return err
	}
	return nil
}

// Stream directions, for generated code.
const (
	streamRecv = rpc.StreamRecv
	streamSend = rpc.StreamSend
	streamBoth = rpc.StreamRecv | rpc.StreamSend
)

// Read reads data the daemon sent. Holes of a sparse stream read as
// zeros. At the end of the data Read returns io.EOF; the stream must then
// still be finished (Finish or Close).
func (st *Stream) Read(p []byte) (int, error) {
	n, err := st.s.Read(p)
	st.tr.recvd(n)
	return n, err
}

// Write sends p to the daemon, in frames of at most 256 KiB. The daemon
// does not acknowledge data: a failure on its side shows in a later Write
// or in Finish. Write blocks while the daemon is not reading the
// connection, which it does when it cannot store data as fast as it
// arrives.
func (st *Stream) Write(p []byte) (int, error) {
	n, err := st.s.Write(p)
	st.tr.sent(n)
	return n, err
}

// Finish ends the stream cleanly and waits for the daemon's verdict: for
// an upload, that all data was stored; for a download, call it after Read
// returned io.EOF. It returns the error the daemon reported for the
// stream, if any.
func (st *Stream) Finish() error {
	err := st.s.Finish()
	st.tr.end(err, false)
	return err
}

// Abort ends the stream early and waits until the daemon confirms. Data
// still in flight is dropped; reads and writes fail with
// ErrStreamAborted. Aborting a stream that has already ended does nothing.
func (st *Stream) Abort() error {
	err := st.s.Abort()
	st.tr.end(err, true)
	return err
}

// Close ends the stream: with Finish if it only sends data, or if all of
// its data was read; with Abort otherwise (a download stopped half-way, a
// console). Closing a stream that already ended returns nil.
func (st *Stream) Close() error {
	s := st.s
	if s.Mode() == rpc.StreamSend || s.AtEOF() {
		err := s.Finish()
		if err == ErrStreamClosed {
			return nil
		}
		st.tr.end(err, false)
		return err
	}
	err := s.Abort()
	st.tr.end(err, true)
	return err
}

// Done is closed once the stream is over on the daemon's side too: its
// finish or abort was confirmed, the daemon reported a failure, or the
// connection ended.
func (st *Stream) Done() <-chan struct{} { return st.s.Done() }

// Sparse reports whether the stream was opened as a sparse stream, that
// is whether it may carry holes.
func (st *Stream) Sparse() bool { return st.s.Sparse() }

// SendHole tells the daemon that the next length bytes of a sparse upload
// are a hole: nothing is sent for them and the volume is left
// unallocated there. On a stream that is not sparse it returns
// ErrNotSparse without sending anything (the daemon would drop the
// connection).
func (st *Stream) SendHole(length int64) error {
	err := st.s.SendHole(length)
	if err == nil {
		st.tr.hole(length)
	}
	return err
}

// ReadSparse reads the next part of a sparse download: either data into p
// (n > 0) or a whole hole (hole > 0, p untouched). At the end of the data
// it returns io.EOF. On a stream that is not sparse it behaves like Read.
func (st *Stream) ReadSparse(p []byte) (n int, hole int64, err error) {
	n, hole, err = st.s.ReadSparse(p)
	st.tr.recvd(n)
	st.tr.hole(hole)
	return n, hole, err
}
