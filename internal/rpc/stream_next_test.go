package rpc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/wire"
)

// nextWithin is Stream.Next bounded by stuckAfter.
func nextWithin(t *testing.T, st *Stream, what string) (Chunk, error) {
	t.Helper()
	type result struct {
		ch  Chunk
		err error
	}
	done := make(chan result, 1)
	go func() {
		ch, err := st.Next()
		done <- result{ch, err}
	}()
	r := await(t, done, what)
	return r.ch, r.err
}

// Next hands over each received piece whole, in order: data frames as
// they came (what a Read left of one too), holes as holes, then io.EOF;
// it waits for a piece that has not come yet.
func TestStreamNextHandsOverPiecesWhole(t *testing.T) {
	c, p := newPair(t, Options{})
	st, h := openTestStream(t, context.Background(), c, p, StreamRecv, true)
	data := func(b []byte) { p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), b) }
	data([]byte("first frame"))
	data([]byte("second"))
	p.send(streamHeader(h, wire.MessageTypeStreamHole, wire.MessageStatusContinue), holeBody(1<<20))

	buf := make([]byte, 6)
	var n int
	if err := within(t, "Read of part of the first frame", func() (err error) { n, err = st.Read(buf); return err }); err != nil || string(buf[:n]) != "first " {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	for _, want := range []Chunk{{Data: []byte("frame")}, {Data: []byte("second")}, {Hole: 1 << 20}} {
		ch, err := nextWithin(t, st, "Next of a queued piece")
		if err != nil || !bytes.Equal(ch.Data, want.Data) || ch.Hole != want.Hole {
			t.Fatalf("Next = %q hole %d, %v; want %q hole %d", ch.Data, ch.Hole, err, want.Data, want.Hole)
		}
		ch.Release()
		if ch.Data != nil || ch.Hole != 0 {
			t.Fatal("Release left the chunk's contents")
		}
	}
	// Next waits for what has not arrived.
	got := make(chan Chunk, 1)
	go func() {
		ch, _ := st.Next()
		got <- ch
	}()
	waitBlocked(t, "rpc.(*Stream).Next", "Next to wait for data")
	data([]byte("late"))
	if ch := await(t, got, "Next of data sent while it waited"); string(ch.Data) != "late" {
		t.Fatalf("Next = %q", ch.Data)
	}
	data(nil) // end of data
	if _, err := nextWithin(t, st, "Next at the end"); err != io.EOF {
		t.Fatalf("Next at the end: %v, want io.EOF", err)
	}
	if !st.AtEOF() {
		t.Fatal("AtEOF false after io.EOF")
	}
	if err := finishWithin(t, st, p, h); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if _, err := nextWithin(t, st, "Next after Finish"); !errors.Is(err, ErrStreamClosed) {
		t.Fatalf("Next after Finish: %v", err)
	}
}

// The queue's bytes follow what Next hands over: a consumer using only
// Next lets a back-pressured reader carry on.
func TestStreamNextFreesQueueSpace(t *testing.T) {
	c, p := newPair(t, Options{})
	st, h := openTestStream(t, context.Background(), c, p, StreamRecv, false)
	const frames = 2 * StreamQueueLimit / StreamChunk
	chunk := bytes.Repeat([]byte{9}, StreamChunk)
	sent := make(chan error, 1)
	go func() {
		for range frames {
			if err := p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), chunk); err != nil {
				sent <- err
				return
			}
		}
		sent <- p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), nil)
	}()
	total := 0
	for {
		ch, err := nextWithin(t, st, "Next while the peer sends twice the queue limit")
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		total += len(ch.Data)
		ch.Release()
	}
	if total != frames*StreamChunk {
		t.Fatalf("Next handed over %d bytes, want %d", total, frames*StreamChunk)
	}
	if err := await(t, sent, "the peer to send every frame"); err != nil {
		t.Fatal(err)
	}
}

// Reading from a send-only stream, with any of the three calls, is an
// error at once, not a wait.
func TestStreamReadsOnASendStream(t *testing.T) {
	c, p := newPair(t, Options{})
	st, _ := openTestStream(t, context.Background(), c, p, StreamSend, true)
	if st.Mode() != StreamSend || !st.Sparse() {
		t.Fatalf("Mode %v, Sparse %v", st.Mode(), st.Sparse())
	}
	if _, err := st.Next(); !errors.Is(err, ErrStreamDirection) {
		t.Fatalf("Next: %v", err)
	}
	if _, _, err := st.ReadSparse(make([]byte, 4)); !errors.Is(err, ErrStreamDirection) {
		t.Fatalf("ReadSparse: %v", err)
	}
	rs, _ := openTestStream(t, context.Background(), c, p, StreamRecv, false)
	if _, err := rs.Write([]byte("x")); !errors.Is(err, ErrStreamDirection) {
		t.Fatalf("Write on a receive stream: %v", err)
	}
	if err := rs.SendHole(5); !errors.Is(err, ErrStreamDirection) {
		t.Fatalf("SendHole on a receive stream: %v", err)
	}
	// Empty reads return at once, whatever is queued.
	if n, err := rs.Read(nil); n != 0 || err != nil {
		t.Fatalf("empty Read = %d, %v", n, err)
	}
	if n, hole, err := rs.ReadSparse(nil); n != 0 || hole != 0 || err != nil {
		t.Fatalf("empty ReadSparse = %d, %d, %v", n, hole, err)
	}
}

// The errors of a cancelled stream say what was cancelled and wrap the
// context's error.
func TestStreamCancelErrorsNameTheOperation(t *testing.T) {
	c, p := newPair(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	st, h := openTestStream(t, ctx, c, p, StreamRecv|StreamSend, false)
	cancel()
	expectFrame(t, p, wire.MessageTypeStream, wire.MessageStatusError) // the abort
	_, err := st.Read(make([]byte, 4))
	if !errors.Is(err, context.Canceled) || err.Error() != "libvirt: stream cancelled: context canceled" {
		t.Fatalf("Read after cancel: %q", err)
	}
	if _, err := st.Write([]byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write after cancel: %v", err)
	}
	// Finish after a cancel does not send a finish: the abort went out,
	// and Finish reports the cancellation.
	p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusOK), nil)
	awaitClosed(t, st.Done(), "the abort's confirmation")
	if err := within(t, "Finish after cancel", st.Finish); !errors.Is(err, context.Canceled) {
		t.Fatalf("Finish after cancel: %v", err)
	}
	go p.echo()
	echoed(t, c, 9, "a call after the cancelled stream")

	// Opening with a context that ends before the reply names the open.
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	_, _, err = c.OpenStream(ctx2, c.NewCall(1, 1, streamProc), StreamRecv, false)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "not") {
		t.Fatalf("OpenStream with an ended context: %v", err)
	}
}

// A Write blocked because the server stopped reading ends when the
// stream's context does: it returns the context's error, saying the write
// was abandoned. Part of a frame went out, so the connection cannot go on.
func TestStreamWriteAbandonedWithItsContext(t *testing.T) {
	c, p := newPair(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, _ := openTestStream(t, ctx, c, p, StreamSend, false)
	// The peer reads nothing from now on.
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	data := make([]byte, 16<<20) // far more than the socket buffers hold
	go func() {
		n, err := st.Write(data)
		done <- result{n, err}
	}()
	waitBlocked(t, "rpc.(*Conn).writeLocked", "Write to block on the silent peer")
	cancel()
	r := await(t, done, "Write to return after the stream's context ended")
	if !errors.Is(r.err, context.Canceled) || !strings.Contains(r.err.Error(), "stream write abandoned") || r.n >= len(data) {
		t.Fatalf("Write = %d, %v; want fewer bytes and an abandoned write", r.n, r.err)
	}
	if err := awaitFailure(t, c, "the connection to fail after a frame cut short"); !errors.Is(err, ErrProtocol) {
		t.Fatalf("Err = %v, want the connection failed for a frame cut short", err)
	}
}
