package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// Test streams use program 1, version 1, procedure 9.
const streamProc = 9

// openTestStream opens a stream with the given mode; the peer answers the
// opening call with an empty reply. It returns the stream and the opening
// call's header as the peer saw it.
func openTestStream(t *testing.T, ctx context.Context, c *Conn, p *peer, mode StreamMode, sparse bool) (*Stream, wire.MessageHeader) {
	t.Helper()
	opened := make(chan wire.MessageHeader, 1)
	go func() {
		f, ok := p.read()
		if !ok {
			return
		}
		opened <- f.h
		p.reply(f, nil)
	}()
	cl := c.NewCall(1, 1, streamProc)
	type result struct {
		st  *Stream
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, _, err := c.OpenStream(ctx, cl, mode, sparse)
		done <- result{st, err}
	}()
	r := await(t, done, "OpenStream to return")
	if r.err != nil {
		t.Fatalf("open: %v", r.err)
	}
	if err := cl.Finish(); err != nil {
		t.Fatal(err)
	}
	return r.st, await(t, opened, "the peer to see the opening call")
}

// streamHeader is the header of a stream frame for the call h.
func streamHeader(h wire.MessageHeader, typ wire.MessageType, status wire.MessageStatus) wire.MessageHeader {
	h.Type, h.Status = typ, status
	return h
}

func holeBody(length int64) []byte {
	var e xdr.Encoder
	(&wire.StreamHole{Length: length}).EncodeXDR(&e)
	return e.Bytes()
}

func errorBody(msg string) []byte {
	var e xdr.Encoder
	(&wire.MessageError{Code: 38, Domain: 18, Message: &msg, Level: 2}).EncodeXDR(&e)
	return e.Bytes()
}

// expectFrame reads the next frame on the test's goroutine and checks
// its type and status.
func expectFrame(t *testing.T, p *peer, typ wire.MessageType, status wire.MessageStatus) frame {
	t.Helper()
	f := p.next(t, fmt.Sprintf("a %v/%v frame", typ, status))
	if f.h.Type != typ || f.h.Status != status {
		t.Fatalf("got a %v/%v frame, want %v/%v", f.h.Type, f.h.Status, typ, status)
	}
	return f
}

// nextFrameOf is expectFrame for the peer's own goroutines: it returns
// what went wrong instead of failing the test, which only the test's
// goroutine may do.
func nextFrameOf(p *peer, typ wire.MessageType, status wire.MessageStatus) (frame, error) {
	f, ok := p.read()
	if !ok {
		return f, fmt.Errorf("connection ended waiting for a %v/%v frame", typ, status)
	}
	if f.h.Type != typ || f.h.Status != status {
		return f, fmt.Errorf("got a %v/%v frame, want %v/%v", f.h.Type, f.h.Status, typ, status)
	}
	return f, nil
}

// confirm has the peer wait, on a goroutine of its own, for the client's
// stream frame of the given status and answer it with reply; the
// returned channel reports what went wrong, or nil.
func confirm(p *peer, h wire.MessageHeader, status wire.MessageStatus, reply wire.MessageStatus, body []byte) <-chan error {
	errs := make(chan error, 1)
	go func() {
		f, err := nextFrameOf(p, wire.MessageTypeStream, status)
		switch {
		case err != nil:
		case f.h.Serial != h.Serial || f.h.Proc != h.Proc || f.h.Prog != h.Prog || len(f.body) != 0:
			err = fmt.Errorf("stream frame %+v with %d body bytes, want an empty one for %+v", f.h, len(f.body), h)
		default:
			err = p.send(streamHeader(h, wire.MessageTypeStream, reply), body)
		}
		errs <- err
	}()
	return errs
}

// within runs f on a goroutine of its own and returns its error, failing
// the test with what if f takes longer than stuckAfter.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	return await(t, done, what)
}

func TestStreamDownloadWithHolesAndFinish(t *testing.T) {
	c, p := newPair(t, Options{})
	st, h := openTestStream(t, context.Background(), c, p, StreamRecv, true)
	p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), []byte("hello "))
	p.send(streamHeader(h, wire.MessageTypeStreamHole, wire.MessageStatusContinue), holeBody(5))
	p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), []byte("world"))
	p.send(streamHeader(h, wire.MessageTypeStreamHole, wire.MessageStatusContinue), holeBody(3))
	p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), nil) // end of data

	// The first part through ReadSparse, the rest through Read.
	buf := make([]byte, 64)
	var n int
	var hole int64
	err := within(t, "ReadSparse of the first data", func() (err error) { n, hole, err = st.ReadSparse(buf); return err })
	if err != nil || hole != 0 || string(buf[:n]) != "hello " {
		t.Fatalf("ReadSparse = %q, hole %d, %v", buf[:n], hole, err)
	}
	err = within(t, "ReadSparse of the first hole", func() (err error) { n, hole, err = st.ReadSparse(buf); return err })
	if err != nil || n != 0 || hole != 5 {
		t.Fatalf("ReadSparse = %d bytes, hole %d, %v; want the hole of 5", n, hole, err)
	}
	rest, err := readAllWithin(t, st, "reading the rest of the stream")
	if err != nil {
		t.Fatal(err)
	}
	if want := "world\x00\x00\x00"; string(rest) != want {
		t.Fatalf("Read gave %q, want %q", rest, want)
	}
	if !st.AtEOF() {
		t.Fatal("AtEOF false after io.EOF")
	}

	peerErr := confirm(p, h, wire.MessageStatusOK, wire.MessageStatusOK, nil)
	if err := within(t, "Finish", st.Finish); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if err := await(t, peerErr, "the peer to confirm the finish"); err != nil {
		t.Fatalf("peer: %v", err)
	}
	select {
	case <-st.Done():
	default:
		t.Fatal("Done not closed after Finish")
	}
	if err := within(t, "a second Finish", st.Finish); err != nil {
		t.Fatalf("second Finish: %v", err)
	}
	if _, err := st.Read(buf); !errors.Is(err, ErrStreamClosed) {
		t.Fatalf("Read after Finish: %v", err)
	}
	// The connection still serves calls.
	go p.echo()
	echoed(t, c, 77, "a call after the stream")
}

func TestStreamUploadFramesAndHoles(t *testing.T) {
	c, p := newPair(t, Options{})
	st, h := openTestStream(t, context.Background(), c, p, StreamSend, true)
	data := bytes.Repeat([]byte("0123456789abcdef"), (StreamChunk*2+1000)/16)
	type peerFrame struct {
		f  frame
		ok bool
	}
	frames := make(chan peerFrame, 16)
	go func() {
		for {
			f, ok := p.read()
			frames <- peerFrame{f, ok}
			if !ok {
				return
			}
			if f.h.Type == wire.MessageTypeStream && f.h.Status == wire.MessageStatusOK {
				p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusOK), nil)
			}
		}
	}()
	var n int
	if err := within(t, "Write", func() (err error) { n, err = st.Write(data); return err }); err != nil || n != len(data) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if err := within(t, "SendHole", func() error { return st.SendHole(1 << 40) }); err != nil {
		t.Fatal(err)
	}
	if err := within(t, "Finish", st.Finish); err != nil {
		t.Fatal(err)
	}
	var got []byte
	var sizes []int
	for {
		pf := await(t, frames, "the peer to receive the next frame of the upload")
		if !pf.ok {
			break
		}
		f := pf.f
		if f.h.Serial != h.Serial || f.h.Proc != streamProc || f.h.Prog != 1 || f.h.Vers != 1 {
			t.Fatalf("frame header %+v does not match the opening call %+v", f.h, h)
		}
		switch {
		case f.h.Type == wire.MessageTypeStream && f.h.Status == wire.MessageStatusContinue:
			got = append(got, f.body...)
			sizes = append(sizes, len(f.body))
		case f.h.Type == wire.MessageTypeStreamHole:
			var hole wire.StreamHole
			d := xdr.NewDecoder(f.body)
			hole.DecodeXDR(d)
			if d.Finish() != nil || hole.Length != 1<<40 || f.h.Status != wire.MessageStatusContinue {
				t.Fatalf("hole frame %+v body % x", f.h, f.body)
			}
			sizes = append(sizes, -1)
		case f.h.Type == wire.MessageTypeStream && f.h.Status == wire.MessageStatusOK:
			if !bytes.Equal(got, data) {
				t.Fatalf("peer got %d bytes, want %d", len(got), len(data))
			}
			if want := []int{StreamChunk, StreamChunk, len(data) - 2*StreamChunk, -1}; !equalInts(sizes, want) {
				t.Fatalf("frame sizes %v, want %v", sizes, want)
			}
			return
		}
	}
	t.Fatal("no finish frame")
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStreamHoleRefusedWhenNotSparse(t *testing.T) {
	c, p := newPair(t, Options{})
	st, _ := openTestStream(t, context.Background(), c, p, StreamSend, false)
	if err := st.SendHole(10); !errors.Is(err, ErrNotSparse) {
		t.Fatalf("SendHole on a plain stream: %v", err)
	}
	if _, err := st.Read(make([]byte, 1)); !errors.Is(err, ErrStreamDirection) {
		t.Fatalf("Read on a send-only stream: %v", err)
	}
	// Nothing was sent for the refused hole: the next frame is a call.
	done := goCall(context.Background(), c, 5)
	if f := p.next(t, "the call after the refused hole"); f.h.Type != wire.MessageTypeCall {
		t.Fatalf("a frame was sent for the refused hole: %+v", f.h)
	} else {
		p.reply(f, f.body)
	}
	if err := await(t, done, "the call after the refused hole"); err != nil {
		t.Fatal(err)
	}
}

func TestStreamServerHoleOnPlainStreamFails(t *testing.T) {
	c, p := newPair(t, Options{})
	st, h := openTestStream(t, context.Background(), c, p, StreamRecv, false)
	p.send(streamHeader(h, wire.MessageTypeStreamHole, wire.MessageStatusContinue), holeBody(5))
	if err := within(t, "Read after an unexpected hole", func() error { _, err := st.Read(make([]byte, 8)); return err }); !errors.Is(err, ErrProtocol) {
		t.Fatalf("Read after an unexpected hole: %v", err)
	}
	// Close (abort) still tells the server.
	peerErr := confirm(p, h, wire.MessageStatusError, wire.MessageStatusOK, nil)
	if err := within(t, "Abort", st.Abort); err != nil {
		t.Fatal(err)
	}
	if err := await(t, peerErr, "the peer to confirm the abort"); err != nil {
		t.Fatalf("peer: %v", err)
	}
}

func TestStreamServerErrorMidway(t *testing.T) {
	c, p := newPair(t, Options{})
	st, h := openTestStream(t, context.Background(), c, p, StreamRecv|StreamSend, false)
	p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), []byte("partial"))
	p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusError), errorBody("disk on fire"))
	awaitClosed(t, st.Done(), "the stream to end on the server's error")
	_, err := st.Read(make([]byte, 64))
	var re *RemoteError
	if !errors.As(err, &re) || err.Error() != "disk on fire" {
		t.Fatalf("Read: %v, want the server's error", err)
	}
	if _, err := st.Write([]byte("x")); !errors.As(err, &re) {
		t.Fatalf("Write: %v, want the server's error", err)
	}
	if err := within(t, "Finish of a failed stream", st.Finish); !errors.As(err, &re) {
		t.Fatalf("Finish: %v, want the server's error", err)
	}
	if err := within(t, "Abort of a failed stream", st.Abort); err != nil {
		t.Fatalf("Abort of an ended stream: %v", err)
	}
	// Nothing was sent for Finish or Abort: the next frame is a call.
	done := goCall(context.Background(), c, 5)
	if f := p.next(t, "the call after the failed stream"); f.h.Type != wire.MessageTypeCall {
		t.Fatalf("a frame was sent for a stream the server ended: %+v", f.h)
	} else {
		p.reply(f, f.body)
	}
	if err := await(t, done, "the call after the failed stream"); err != nil {
		t.Fatal(err)
	}
}

func TestStreamFinishRejected(t *testing.T) {
	c, p := newPair(t, Options{})
	st, h := openTestStream(t, context.Background(), c, p, StreamSend, false)
	peerErr := confirm(p, h, wire.MessageStatusOK, wire.MessageStatusError, errorBody("short write"))
	if err := within(t, "Finish", st.Finish); err == nil || err.Error() != "short write" {
		t.Fatalf("Finish: %v, want the server's error", err)
	}
	if err := await(t, peerErr, "the peer to refuse the finish"); err != nil {
		t.Fatalf("peer: %v", err)
	}
}

func TestStreamCancelAbortsPromptly(t *testing.T) {
	c, p := newPair(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	st, h := openTestStream(t, ctx, c, p, StreamRecv, false)
	readErr := make(chan error, 1)
	go func() {
		_, err := st.Read(make([]byte, 8))
		readErr <- err
	}()
	waitBlocked(t, "rpc.(*Stream).read", "Read to wait for data")
	cancel()
	select {
	case err := <-readErr:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Read: %v, want context.Canceled", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Read did not return after cancel")
	}
	expectFrame(t, p, wire.MessageTypeStream, wire.MessageStatusError) // the abort
	// Data in flight before the server saw the abort is dropped.
	p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), []byte("late"))
	p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusOK), nil)
	select {
	case <-st.Done():
	case <-time.After(time.Second):
		t.Fatal("abort confirmation not taken")
	}
	if err := within(t, "Abort after cancel", st.Abort); err != nil {
		t.Fatalf("Abort after cancel: %v", err)
	}
	go p.echo()
	echoed(t, c, 1, "a call after the cancelled stream")
}

func TestStreamCancelWhileOpening(t *testing.T) {
	c, p := newPair(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	opened := make(chan error, 1)
	go func() {
		_, _, err := c.OpenStream(ctx, c.NewCall(1, 1, streamProc), StreamRecv, false)
		opened <- err
	}()
	call := p.next(t, "the opening call")
	cancel()
	select {
	case err := <-opened:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("OpenStream: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("OpenStream did not return after cancel")
	}
	// The server opens the stream anyway and starts sending: the client
	// aborts it.
	p.reply(call, nil)
	p.send(streamHeader(call.h, wire.MessageTypeStream, wire.MessageStatusContinue), []byte("unwanted"))
	f := expectFrame(t, p, wire.MessageTypeStream, wire.MessageStatusError)
	if f.h.Serial != call.h.Serial {
		t.Fatalf("abort for serial %d, want %d", f.h.Serial, call.h.Serial)
	}
	p.send(streamHeader(call.h, wire.MessageTypeStream, wire.MessageStatusOK), nil)
	go p.echo()
	echoed(t, c, 1, "a call after the stream opened too late")
	c.mu.Lock()
	left := len(c.streams)
	c.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d streams still registered", left)
	}
}

func TestStreamOpenRefused(t *testing.T) {
	c, p := newPair(t, Options{})
	go func() {
		f, ok := p.read()
		if !ok {
			return
		}
		h := f.h
		h.Type, h.Status = wire.MessageTypeReply, wire.MessageStatusError
		p.send(h, errorBody("no such volume"))
	}()
	err := within(t, "OpenStream refused by the server", func() error {
		_, _, err := c.OpenStream(context.Background(), c.NewCall(1, 1, streamProc), StreamRecv, false)
		return err
	})
	if err == nil || err.Error() != "no such volume" {
		t.Fatalf("OpenStream: %v", err)
	}
	c.mu.Lock()
	left := len(c.streams)
	c.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d streams still registered after a refused open", left)
	}
}

func TestStreamConnectionLoss(t *testing.T) {
	c, p := newPair(t, Options{})
	st, _ := openTestStream(t, context.Background(), c, p, StreamRecv|StreamSend, false)
	readErr := make(chan error, 1)
	go func() {
		_, err := st.Read(make([]byte, 8))
		readErr <- err
	}()
	p.nc.Close()
	var de *DisconnectedError
	select {
	case err := <-readErr:
		if !errors.As(err, &de) {
			t.Fatalf("Read: %v, want a DisconnectedError", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Read did not return after the connection was lost")
	}
	awaitClosed(t, st.Done(), "the stream to end with the connection")
	if err := within(t, "Finish after the connection was lost", st.Finish); !errors.As(err, &de) {
		t.Fatalf("Finish: %v", err)
	}
	if _, err := st.Write([]byte("x")); !errors.As(err, &de) {
		t.Fatalf("Write: %v", err)
	}
}

func TestStreamFramesForUnknownStreamsAreSkipped(t *testing.T) {
	c, p := newPair(t, Options{})
	h := wire.MessageHeader{Prog: 1, Vers: 1, Proc: streamProc, Serial: 999}
	p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), []byte("stray"))
	p.send(streamHeader(h, wire.MessageTypeStreamHole, wire.MessageStatusContinue), holeBody(5))
	p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusOK), nil)
	go p.echo()
	echoed(t, c, 3, "a call after frames for unknown streams")
}

// TestStreamBackPressure: with the consumer not reading, the engine queues
// at most StreamQueueLimit bytes (plus the frame in hand), stops reading
// the connection, keeps the daemon's keepalive satisfied, and resumes
// when the consumer reads.
func TestStreamBackPressure(t *testing.T) {
	c, p := newPair(t, Options{})
	st, h := openTestStream(t, context.Background(), c, p, StreamRecv, false)
	const frames = 3 * StreamQueueLimit / StreamChunk
	chunk := bytes.Repeat([]byte{7}, StreamChunk)
	sent := make(chan int, 1)
	go func() {
		n := 0
		for ; n < frames; n++ {
			if p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), chunk) != nil {
				break
			}
		}
		p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), nil)
		sent <- n
	}()
	// A keepalive message shows up while the reader holds off.
	pong := make(chan wire.MessageHeader, 1)
	go func() {
		for {
			f, ok := p.read()
			if !ok {
				return
			}
			if f.h.Prog == wire.KeepaliveProgram {
				select {
				case pong <- f.h:
				default:
				}
			}
		}
	}()
	// Wait until the reader holds off, waiting for the consumer to make
	// room: from then on it reads nothing more until the consumer reads.
	queuedNow := func() int {
		st.mu.Lock()
		defer st.mu.Unlock()
		return st.queued
	}
	waitBlocked(t, "rpc.(*Conn).waitSpace", "the reader to wait for queue space")
	if queued := queuedNow(); queued > StreamQueueLimit || queued < StreamQueueLimit-StreamChunk {
		t.Fatalf("%d bytes queued while the consumer sleeps; limit %d", queued, StreamQueueLimit)
	}
	select {
	case n := <-sent:
		t.Fatalf("the peer wrote all %d frames: the engine did not stop reading", n)
	default:
	}
	select {
	case h := <-pong:
		if h.Proc != int32(wire.ProcKeepalivePong) {
			t.Fatalf("keepalive message %+v", h)
		}
	case <-time.After(3 * stallPing):
		t.Fatal("no keepalive message while the reader was stalled")
	}
	var n int64
	err := within(t, "reading the whole stream", func() (err error) { n, err = io.Copy(io.Discard, st); return err })
	if err != nil || n != frames*StreamChunk {
		t.Fatalf("read %d bytes, %v; want %d", n, err, frames*StreamChunk)
	}
	await(t, sent, "the peer to write every frame")
}
