package rpctest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
)

// The peer is what engine and client tests trust to play the daemon, so
// what it sends and how it reads are checked here on a raw socket: the
// client's end is read and written byte by byte, with no engine.

// pipe returns the client's raw end and the peer, both closed at the end
// of the test; every read on the client's end is bounded.
func pipe(t *testing.T) (net.Conn, *Peer) {
	t.Helper()
	nc, p, err := Pipe(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		nc.Close()
		p.Close()
	})
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	_ = p.Conn().SetDeadline(time.Now().Add(10 * time.Second))
	return nc, p
}

func TestBytesFramesAHeaderAndBody(t *testing.T) {
	h := wire.MessageHeader{Prog: 0x20008086, Vers: 1, Proc: 66, Type: wire.MessageTypeReply, Serial: 9, Status: wire.MessageStatusError}
	b := Bytes(h, []byte("body"))
	if len(b) != 4+wire.MessageHeaderMax+4 || binary.BigEndian.Uint32(b) != uint32(len(b)) {
		t.Fatalf("frame of %d bytes with length word %d", len(b), binary.BigEndian.Uint32(b))
	}
	want := []uint32{0x20008086, 1, 66, uint32(wire.MessageTypeReply), 9, uint32(wire.MessageStatusError)}
	for i, w := range want {
		if got := binary.BigEndian.Uint32(b[4+4*i:]); got != w {
			t.Errorf("header word %d = %#x, want %#x", i, got, w)
		}
	}
	if string(b[4+wire.MessageHeaderMax:]) != "body" {
		t.Fatalf("body %q", b[4+wire.MessageHeaderMax:])
	}
	r := ReplyHeader(Frame{Header: wire.MessageHeader{Prog: 1, Vers: 2, Proc: 3, Type: wire.MessageTypeCall, Serial: 4, Status: wire.MessageStatusError}})
	if r != (wire.MessageHeader{Prog: 1, Vers: 2, Proc: 3, Type: wire.MessageTypeReply, Serial: 4, Status: wire.MessageStatusOK}) {
		t.Fatalf("ReplyHeader = %+v", r)
	}
	// Bodies of any length, longer than the header too.
	long := bytes.Repeat([]byte("0123456789abcdef"), 4)
	if b := Bytes(h, long); len(b) != 4+wire.MessageHeaderMax+len(long) || !bytes.Equal(b[4+wire.MessageHeaderMax:], long) {
		t.Fatalf("frame with a %d-byte body: %d bytes", len(long), len(b))
	}
	ping := Ping()
	if binary.BigEndian.Uint32(ping[4:]) != wire.KeepaliveProgram || int32(binary.BigEndian.Uint32(ping[12:])) != int32(wire.ProcKeepalivePing) {
		t.Fatalf("Ping = % x", ping)
	}
}

// Read returns the client's frames whole, header decoded, and refuses
// impossible lengths without allocating them.
func TestReadFramesAndRefusals(t *testing.T) {
	nc, p := pipe(t)
	h := wire.MessageHeader{Prog: 1, Vers: 1, Proc: 7, Type: wire.MessageTypeCall, Serial: 3}
	if _, err := nc.Write(append(Bytes(h, []byte("args")), Bytes(h, nil)...)); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"args", ""} {
		f, err := p.Read()
		if err != nil || f.Header != h || string(f.Body) != body {
			t.Fatalf("Read = %+v %q, %v", f.Header, f.Body, err)
		}
	}
	for _, n := range []uint32{0, 4 + wire.MessageHeaderMax - 1, MaxFrame + 1} {
		nc, p := pipe(t)
		nc.Write(binary.BigEndian.AppendUint32(nil, n))
		if _, err := p.Read(); err == nil || !strings.Contains(err.Error(), "length") {
			t.Fatalf("length %d: %v", n, err)
		}
	}
	// The largest length is a frame: the peer waits for its body (cut
	// short here, which is a different error from a refused length).
	nc, p = pipe(t)
	largest := Bytes(h, []byte("the start of a body"))
	binary.BigEndian.PutUint32(largest, MaxFrame)
	nc.Write(largest)
	nc.Close()
	if _, err := p.Read(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("a frame of the largest length: %v, want it read until the connection ended", err)
	}
	// The smallest is a bare header.
	nc, p = pipe(t)
	nc.Write(Bytes(h, nil))
	if f, err := p.Read(); err != nil || f.Header != h || len(f.Body) != 0 {
		t.Fatalf("a frame of the smallest length: %+v, %d bytes, %v", f.Header, len(f.Body), err)
	}
	// A frame cut short, and a connection that ends, are errors.
	nc, p = pipe(t)
	nc.Write(Bytes(h, []byte("args"))[:10])
	nc.Close()
	if _, err := p.Read(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("cut frame: %v", err)
	}
	if _, err := p.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the end: %v", err)
	}
}

// ReadCall skips keepalive traffic and other messages, answering pings
// with a pong, and returns the next call.
func TestReadCallAnswersPings(t *testing.T) {
	nc, p := pipe(t)
	call := wire.MessageHeader{Prog: 1, Vers: 1, Proc: 7, Type: wire.MessageTypeCall, Serial: 5}
	pong := wire.KeepaliveFrame(wire.ProcKeepalivePong)
	stream := wire.MessageHeader{Prog: 1, Vers: 1, Proc: 9, Type: wire.MessageTypeStream, Serial: 2, Status: wire.MessageStatusContinue}
	var b []byte
	b = append(b, Ping()...)
	b = append(b, pong...)
	b = append(b, Ping()...)
	b = append(b, Bytes(stream, []byte("data"))...)
	b = append(b, Bytes(call, []byte("x"))...)
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
	f, err := p.ReadCall()
	if err != nil || f.Header != call || string(f.Body) != "x" {
		t.Fatalf("ReadCall = %+v %q, %v", f.Header, f.Body, err)
	}
	// Exactly one pong came back for each ping, none for the pong.
	got := make([]byte, 2*len(pong))
	if _, err := io.ReadFull(nc, got); err != nil || !bytes.Equal(got, append(pong, pong...)) {
		t.Fatalf("answers to the pings: % x, %v", got, err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, err := nc.Read(make([]byte, 1)); n != 0 || !isTimeout(err) {
		t.Fatalf("more than one answer: %d bytes, %v", n, err)
	}
	nc.Close()
	if _, err := p.ReadCall(); err == nil {
		t.Fatal("ReadCall after the client left returned no error")
	}
}

// isTimeout reports whether err is a read deadline's expiry.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Serve answers every call with what the function returns, leaves calls
// unanswered for a nil body, and ends quietly when the client leaves.
func TestServe(t *testing.T) {
	nc, p := pipe(t)
	served := make(chan error, 1)
	go func() {
		served <- p.Serve(func(f Frame) []byte {
			if string(f.Body) == "ignore" {
				return nil
			}
			return Bytes(ReplyHeader(f), append([]byte("re:"), f.Body...))
		})
	}()
	call := wire.MessageHeader{Prog: 1, Vers: 1, Proc: 7, Type: wire.MessageTypeCall, Serial: 1}
	nc.Write(Bytes(call, []byte("ignore")))
	for i, arg := range []string{"hi", "again"} {
		call.Serial = uint32(2 + i)
		nc.Write(Bytes(call, []byte(arg)))
		want := Bytes(ReplyHeader(Frame{Header: call}), []byte("re:"+arg))
		got := make([]byte, len(want))
		if _, err := io.ReadFull(nc, got); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("reply %d: % x, %v; want % x", i, got, err, want)
		}
	}
	nc.Close()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve after the client left: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stuck: Serve still runs 10s after the client left")
	}
	// Serve ends quietly when the peer itself is closed too.
	_, p = pipe(t)
	go func() { served <- p.Serve(func(Frame) []byte { return nil }) }()
	p.Close()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve after the peer was closed: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stuck: Serve still runs 10s after the peer was closed")
	}
	// A broken frame ends Serve with an error.
	nc, p = pipe(t)
	go func() { served <- p.Serve(func(Frame) []byte { return nil }) }()
	nc.Write([]byte{0, 0, 0, 1})
	select {
	case err := <-served:
		if err == nil {
			t.Fatal("Serve took a frame of length 1")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stuck: Serve still runs 10s after a broken frame")
	}
}

// Dribble writes one byte per interval until done or stopped; Flood
// writes a frame until stopped and counts; both end when the client
// leaves.
func TestDribbleAndFlood(t *testing.T) {
	nc, p := pipe(t)
	msg := []byte("slow")
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- p.Dribble(msg, 5*time.Millisecond, nil) }()
	got := make([]byte, len(msg))
	for i := range got {
		if _, err := io.ReadFull(nc, got[i:i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil || string(got) != "slow" {
		t.Fatalf("Dribble: %q, %v", got, err)
	}
	if d := time.Since(start); d < 3*5*time.Millisecond {
		t.Fatalf("4 bytes dribbled in %v, want at least 3 intervals", d)
	}
	stop := make(chan struct{})
	close(stop)
	if err := p.Dribble([]byte("xyz"), time.Hour, stop); err != nil {
		t.Fatalf("stopped Dribble: %v", err)
	}
	if _, err := io.ReadFull(nc, got[:1]); err != nil || got[0] != 'x' {
		t.Fatalf("a stopped Dribble wrote %q, %v; want its first byte only", got[:1], err)
	}

	stop = make(chan struct{})
	counted := make(chan int, 1)
	frame := Ping()
	go func() { counted <- p.Flood(frame, stop) }()
	buf := make([]byte, 3*len(frame))
	if _, err := io.ReadFull(nc, buf); err != nil || !bytes.Equal(buf[:len(frame)], frame) {
		t.Fatalf("Flood wrote % x, %v", buf[:len(frame)], err)
	}
	close(stop)
	go io.Copy(io.Discard, nc) // let a Flood blocked in a write finish it
	select {
	case n := <-counted:
		if n < 3 {
			t.Fatalf("Flood counted %d frames, at least 3 were read", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stuck: Flood still runs 10s after stop")
	}
	p.Close()
	if n := p.Flood(frame, make(chan struct{})); n != 0 {
		t.Fatalf("Flood on a closed peer wrote %d frames", n)
	}
	if err := p.Dribble([]byte("x"), time.Millisecond, nil); err == nil {
		t.Fatal("Dribble on a closed peer returned no error")
	}
}
