package rpc

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

func TestMain(m *testing.M) {
	// A fuzzing worker process runs inputs for the coordinator and keeps
	// its own goroutines; goleak would fail it. Leaks are checked in the
	// ordinary run, which also runs the fuzz seeds.
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.fuzzworker") {
			os.Exit(m.Run())
		}
	}
	goleak.VerifyTestMain(m)
}

// callU64 sends v as the arguments of a call and returns the uint64 the
// reply carries.
func callU64(ctx context.Context, c *Conn, v uint64) (uint64, error) {
	cl := c.NewCall(1, 1, 7)
	cl.Encoder().Uint64(v)
	d, err := c.Do(ctx, cl)
	if err != nil {
		return 0, err
	}
	got := d.Uint64()
	return got, cl.Finish()
}

// goCall runs callU64 in a goroutine; its error arrives on the channel.
func goCall(ctx context.Context, c *Conn, v uint64) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := callU64(ctx, c, v)
		done <- err
	}()
	return done
}

// cancelPromptly cancels a call started by goCall and checks that it
// returns context.Canceled within 100 ms.
func cancelPromptly(t *testing.T, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	cancel()
	start := time.Now()
	if err := await(t, done, "the cancelled call to return"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call returned %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("cancel took %v", d)
	}
}

// echoed makes a call with an uncancellable context (the path most calls
// take, and the one that reads its own reply on every transport) to a
// peer that echoes its arguments, and checks that v comes back. The call
// runs on a goroutine of its own so that the test can bound it; what
// names it in the failure.
func echoed(t *testing.T, c *Conn, v uint64, what string) {
	t.Helper()
	type result struct {
		v   uint64
		err error
	}
	done := make(chan result, 1)
	go func() {
		got, err := callU64(context.Background(), c, v)
		done <- result{got, err}
	}()
	r := await(t, done, what)
	if r.err != nil || r.v != v {
		t.Fatalf("%s: got %d, %v; want %d", what, r.v, r.err, v)
	}
}

func TestConcurrentCallsGetTheirOwnReplies(t *testing.T) {
	c, p := newPair(t, Options{})
	// Answer in a scrambled order: collect up to 8 calls, reply last-first;
	// a partial batch is flushed after 5 ms without a new call.
	go func() {
		frames := make(chan frame, 64)
		go func() {
			defer close(frames)
			for {
				f, ok := p.read()
				if !ok {
					return
				}
				frames <- f
			}
		}()
		var batch []frame
		flush := func() bool {
			for i := len(batch) - 1; i >= 0; i-- {
				if p.reply(batch[i], batch[i].body) != nil {
					return false
				}
			}
			batch = batch[:0]
			return true
		}
		for {
			select {
			case f, ok := <-frames:
				if !ok {
					return
				}
				batch = append(batch, f)
				if len(batch) == 8 && !flush() {
					return
				}
			case <-time.After(5 * time.Millisecond):
				if !flush() {
					return
				}
			}
		}
	}()
	const goroutines, calls = 64, 200
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				want := uint64(g)<<32 | uint64(i)
				got, err := callU64(context.Background(), c, want)
				if err != nil || got != want {
					errs <- errors.Join(err, errors.New("reply mismatch"))
					return
				}
			}
		}(g)
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	awaitClosed(t, allDone, "every caller to get all its replies")
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestCancelledCallDiscardsLateReply(t *testing.T) {
	c, p := newPair(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := goCall(ctx, c, 1)
	first := p.next(t, "the call to cancel")
	cancelPromptly(t, cancel, done)
	// The late reply arrives; it must be skipped, not handed to the next
	// call, and the connection must stay usable.
	if err := p.reply(first, first.body); err != nil {
		t.Fatal(err)
	}
	go p.echo()
	echoed(t, c, 42, "a call after a cancelled one")
}

func TestDeadlineExceeded(t *testing.T) {
	c, p := newPair(t, Options{})
	go func() { p.read() }() // never answers
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := within(t, "a call with a 30ms deadline", func() error { _, err := callU64(ctx, c, 1); return err })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
}

func TestCloseFailsPendingCalls(t *testing.T) {
	c, p := newPair(t, Options{})
	const n = 16
	started := make(chan struct{}, n)
	go func() {
		for i := 0; i < n; i++ {
			if _, ok := p.read(); !ok {
				return
			}
			started <- struct{}{}
		}
	}()
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, err := callU64(context.Background(), c, 1)
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		await(t, started, "the peer to receive every call")
	}
	if err := within(t, "Close", c.Close); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		select {
		case err := <-errs:
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("pending call got %v, want ErrClosed", err)
			}
		case <-time.After(time.Second):
			t.Fatal("pending call not failed by Close")
		}
	}
	if err := within(t, "a call after Close", func() error { _, err := callU64(context.Background(), c, 1); return err }); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after Close: %v", err)
	}
}

func TestPeerHangupFailsCallsAndSignals(t *testing.T) {
	c, p := newPair(t, Options{})
	errs := make(chan error, 1)
	go func() {
		_, err := callU64(context.Background(), c, 1)
		errs <- err
	}()
	p.next(t, "the call in flight at the hang-up")
	p.nc.Close()
	select {
	case <-c.Done():
	case <-time.After(time.Second):
		t.Fatal("Done not closed after hang-up")
	}
	err := await(t, errs, "the call in flight to fail")
	var de *DisconnectedError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want *DisconnectedError", err)
	}
	if c.Err() == nil {
		t.Fatal("Err is nil after hang-up")
	}
}

func TestFrameLengthOutOfBounds(t *testing.T) {
	for _, length := range []uint32{0, 27, maxFrame + 1, 1 << 31} {
		c, p := newPair(t, Options{})
		var b [28]byte
		binary.BigEndian.PutUint32(b[:], length)
		p.nc.Write(b[:])
		select {
		case <-c.Done():
		case <-time.After(time.Second):
			t.Fatalf("length %d: connection not failed", length)
		}
		if !errors.Is(c.Err(), ErrProtocol) || !strings.Contains(c.Err().Error(), "length") {
			t.Fatalf("length %d: Err = %v, want a protocol error naming the length", length, c.Err())
		}
	}
}

func TestErrorReply(t *testing.T) {
	c, p := newPair(t, Options{})
	go func() {
		f, ok := p.read()
		if !ok {
			return
		}
		msg := "Domain not found"
		me := wire.MessageError{Code: 42, Domain: 10, Message: &msg, Level: 2}
		var e xdr.Encoder
		me.EncodeXDR(&e)
		h := f.h
		h.Type, h.Status = wire.MessageTypeReply, wire.MessageStatusError
		p.send(h, e.Bytes())
	}()
	err := within(t, "a call answered with an error", func() error { _, err := callU64(context.Background(), c, 1); return err })
	var re *RemoteError
	if !errors.As(err, &re) || re.Msg.Code != 42 || err.Error() != "Domain not found" {
		t.Fatalf("got %v, want the remote error", err)
	}
}

func TestEncodeErrorSendsNothing(t *testing.T) {
	c, p := newPair(t, Options{})
	cl := c.NewCall(1, 1, 7)
	cl.Encoder().String(strings.Repeat("x", 10), 4)
	if _, err := c.Do(context.Background(), cl); !errors.Is(err, xdr.ErrTooLong) {
		t.Fatalf("got %v, want ErrTooLong", err)
	}
	// Nothing was sent: the next frame the peer sees is the next call,
	// which has the first serial.
	done := goCall(context.Background(), c, 5)
	f := p.next(t, "the call after the refused one")
	if f.h.Proc != 7 || f.h.Serial != 1 || !bytes.Equal(f.body, []byte{0, 0, 0, 0, 0, 0, 0, 5}) {
		t.Fatalf("the peer saw %+v with body % x: something of the refused call was sent", f.h, f.body)
	}
	p.reply(f, f.body)
	if err := await(t, done, "the call after the refused one"); err != nil {
		t.Fatal(err)
	}
}

func TestServerPingIsAnswered(t *testing.T) {
	_, p := newPair(t, Options{})
	ping := wire.MessageHeader{Prog: wire.KeepaliveProgram, Vers: wire.KeepaliveProtocolVersion,
		Proc: int32(wire.ProcKeepalivePing), Type: wire.MessageTypeMessage}
	if err := p.send(ping, nil); err != nil {
		t.Fatal(err)
	}
	f := p.next(t, "the PONG")
	if f.h.Prog != wire.KeepaliveProgram || f.h.Proc != int32(wire.ProcKeepalivePong) || f.h.Type != wire.MessageTypeMessage {
		t.Fatalf("got %+v, want a PONG", f.h)
	}
}

func TestKeepaliveDetectsSilentPeer(t *testing.T) {
	c, p := newPair(t, Options{})
	pings := make(chan struct{}, 16)
	peerDone := make(chan struct{})
	go func() {
		defer close(peerDone)
		for {
			f, ok := p.read()
			if !ok {
				return
			}
			if f.h.Prog == wire.KeepaliveProgram && f.h.Proc == int32(wire.ProcKeepalivePing) {
				pings <- struct{}{}
			}
		}
	}()
	// The interval leaves room for a loaded machine's timer delays: a
	// tick late by a whole interval would skip a ping.
	const interval, count = 100 * time.Millisecond, 3
	start := time.Now()
	c.StartKeepalive(interval, count)
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("silent peer not detected")
	}
	elapsed := time.Since(start)
	if !errors.Is(c.Err(), ErrKeepaliveTimeout) {
		t.Fatalf("Err = %v, want ErrKeepaliveTimeout", c.Err())
	}
	bound := interval * (count + 1)
	if elapsed < bound-interval/2 || elapsed > bound+60*time.Millisecond {
		t.Fatalf("detected after %v, want about %v", elapsed, bound)
	}
	// Count once the peer has read everything the client sent before
	// closing the connection.
	awaitClosed(t, peerDone, "the peer to read the client's last frames")
	if len(pings) != count {
		t.Fatalf("sent %d pings, want %d", len(pings), count)
	}
}

func TestKeepaliveAnsweredStaysUp(t *testing.T) {
	c, p := newPair(t, Options{})
	go func() {
		for {
			f, ok := p.read()
			if !ok {
				return
			}
			if f.h.Prog == wire.KeepaliveProgram && f.h.Proc == int32(wire.ProcKeepalivePing) {
				h := f.h
				h.Proc = int32(wire.ProcKeepalivePong)
				p.send(h, nil)
			}
		}
	}()
	c.StartKeepalive(50*time.Millisecond, 2)
	select {
	case <-c.Done():
		t.Fatalf("connection closed although the peer answers: %v", c.Err())
	case <-time.After(500 * time.Millisecond):
	}
}

func TestUnsolicitedMessagesReachHandler(t *testing.T) {
	got := make(chan string, 1)
	opts := Options{OnMessage: func(h *wire.MessageHeader, body []byte) {
		got <- string(body[4:7]) // copy: body is only valid during the call
	}}
	_, p := newPair(t, opts)
	var e xdr.Encoder
	e.String("evt", 16)
	p.send(wire.MessageHeader{Prog: 0x20008086, Vers: 1, Proc: 100, Type: wire.MessageTypeMessage}, e.Bytes())
	select {
	case s := <-got:
		if s != "evt" {
			t.Fatalf("body %q", s)
		}
	case <-time.After(time.Second):
		t.Fatal("handler not called")
	}
}

func BenchmarkCallRoundTrip(b *testing.B) {
	c, p := newPair(b, Options{})
	go p.echo()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := callU64(ctx, c, uint64(i)); err != nil {
			b.Fatal(err)
		}
	}
}
