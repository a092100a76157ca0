package rpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
)

// A caller reading its own reply (leading) is cancelled while half of a
// frame has arrived: it returns at once, and the next reader finishes that
// frame where it stopped, so the connection stays in step.
func TestLeaderCancelledMidFrame(t *testing.T) {
	for _, split := range []int{3, 20, headerLen + 2} {
		t.Run(fmt.Sprintf("after %d bytes", split), func(t *testing.T) {
			var cc *countingConn
			c, p := newPairWrapped(t, Options{}, func(nc net.Conn) net.Conn { cc = &countingConn{Conn: nc}; return cc })
			ctx, cancel := context.WithCancel(context.Background())
			done := goCall(ctx, c, 1)
			first := p.next(t, "the call to cancel")
			whole := replyBytes(first, first.body)
			if err := p.write(whole[:split]); err != nil {
				t.Fatal(err)
			}
			cc.waitRead(t, int64(split), "the leader to read part of its reply")
			cancelPromptly(t, cancel, done)
			if err := p.write(whole[split:]); err != nil {
				t.Fatal(err)
			}
			go p.echo()
			for i := uint64(0); i < 3; i++ {
				echoed(t, c, 100+i, "a call after the cancelled one")
			}
		})
	}
}

// A leader delivers the replies of the callers that wait behind it, in
// whatever order the server sends them.
func TestLeaderDeliversOthersReplies(t *testing.T) {
	c, p := newPair(t, Options{})
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := uint64(0); i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := callU64(context.Background(), c, i)
			if err == nil && got != i {
				err = errors.New("reply mismatch")
			}
			errs <- err
		}()
	}
	var frames []frame
	for range n {
		frames = append(frames, p.next(t, "the waiting callers' calls"))
	}
	for i := n - 1; i >= 0; i-- {
		if err := p.reply(frames[i], frames[i].body); err != nil {
			t.Fatal(err)
		}
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	awaitClosed(t, allDone, "every caller to get its reply")
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// noDeadlineConn hides a connection's deadline support, like the pipes to
// an ssh or ext command.
type noDeadlineConn struct{ net.Conn }

func (noDeadlineConn) SetReadDeadline(time.Time) error  { return errors.New("no deadlines") }
func (noDeadlineConn) SetDeadline(time.Time) error      { return errors.New("no deadlines") }
func (noDeadlineConn) SetWriteDeadline(time.Time) error { return errors.New("no deadlines") }

// Without read deadlines a cancellable caller cannot be interrupted while
// it reads, so it waits for the background reader instead, and
// cancellation stays prompt.
func TestCancelWithoutReadDeadlines(t *testing.T) {
	a, b := net.Pipe()
	c := New(noDeadlineConn{a}, Options{})
	defer c.Close()
	defer b.Close()
	if c.deadlines {
		t.Fatal("deadline support not detected as missing")
	}
	p := &peer{t: t, nc: b}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	go func() { p.read() }() // never answers
	start := time.Now()
	err := within(t, "a call with a 30ms deadline on a transport without deadlines", func() error { _, err := callU64(ctx, c, 1); return err })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("deadline took %v", d)
	}
	go p.echo()
	echoed(t, c, 7, "a call after the timed-out one")
}

// Messages that arrive while no call is in flight are read by the
// background reader within its idle delay.
func TestIdleConnectionStillReadsEvents(t *testing.T) {
	got := make(chan struct{}, 16)
	c, p := newPair(t, Options{OnMessage: func(*wire.MessageHeader, []byte) { got <- struct{}{} }})
	go p.echo()
	for i := uint64(0); i < 20; i++ { // leave the connection just after calls
		echoed(t, c, i, "a call before the events")
	}
	ev := wire.MessageHeader{Prog: 0x20008086, Vers: 1, Proc: 100, Type: wire.MessageTypeMessage}
	for i := 0; i < 3; i++ {
		start := time.Now()
		if err := p.send(ev, nil); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
			if d := time.Since(start); d > 200*time.Millisecond {
				t.Errorf("event read after %v", d)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("event not read on an idle connection")
		}
		// Leave the connection idle again: the idle gap is the scenario,
		// not a wait for something to happen.
		time.Sleep(20 * time.Millisecond)
	}
}

// A reply left half read by a leader that was cancelled still reaches its
// caller: the next reader finishes it, or, when the connection is closed
// first, the caller gets the connection's error instead of waiting forever.
func TestHalfReadReplyOfAnotherCallerOnClose(t *testing.T) {
	var cc *countingConn
	c, p := newPairWrapped(t, Options{}, func(nc net.Conn) net.Conn { cc = &countingConn{Conn: nc}; return cc })
	ctxA, cancelA := context.WithCancel(context.Background())
	doneA := goCall(ctxA, c, 1)
	p.next(t, "call A") // A has sent its call and leads
	doneB := goCall(context.Background(), c, 2)
	fb := p.next(t, "call B")
	whole := replyBytes(fb, fb.body)
	if err := p.write(whole[:headerLen+3]); err != nil { // B's reply, half
		t.Fatal(err)
	}
	cc.waitRead(t, headerLen+3, "A to read half of B's reply")
	cancelPromptly(t, cancelA, doneA)
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	awaitClosed(t, closed, "Close")
	select {
	case err := <-doneB:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("B: %v, want ErrClosed", err)
		}
	case <-time.After(time.Second):
		t.Fatal("B still waits after Close")
	}
}

// emptyReadConn passes reads through until empty is set, then returns no
// bytes and no error, as a broken transport may.
type emptyReadConn struct {
	net.Conn
	empty atomic.Bool
}

func (c *emptyReadConn) Read(p []byte) (int, error) {
	if c.empty.Load() {
		return 0, nil
	}
	return c.Conn.Read(p)
}

// A transport whose reads return nothing and no error fails the
// connection with io.ErrNoProgress, on the idle reader's direct header read
// as on the buffered path, instead of spinning forever.
func TestEmptyReadsFailTheConnection(t *testing.T) {
	var ec *emptyReadConn
	c, p := newPairWrapped(t, Options{}, func(nc net.Conn) net.Conn { ec = &emptyReadConn{Conn: nc}; return ec })
	go p.echo()
	echoed(t, c, 1, "a call before the transport breaks")
	ec.empty.Store(true)
	awaitClosed(t, c.Done(), "the connection to fail on empty reads (the idle reader spins)")
	if err := c.Err(); !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("connection error %v, want io.ErrNoProgress", err)
	}
}
