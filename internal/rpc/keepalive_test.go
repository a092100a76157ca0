package rpc

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
)

// readKeepalives makes the peer read everything, counting the pings it
// gets (and answering none) and echoing calls, until the connection ends;
// done is closed then, once every ping read is counted.
func readKeepalives(p *peer) (pings <-chan struct{}, done <-chan struct{}) {
	ch, end := make(chan struct{}, 64), make(chan struct{})
	go func() {
		defer close(end)
		for {
			f, ok := p.read()
			if !ok {
				return
			}
			switch {
			case f.h.Prog == wire.KeepaliveProgram && f.h.Proc == int32(wire.ProcKeepalivePing):
				ch <- struct{}{}
			case f.h.Type == wire.MessageTypeCall:
				if p.reply(f, f.body) != nil {
					return
				}
			}
		}
	}()
	return ch, end
}

// Starting keepalive again replaces the earlier setting: an hour-long
// interval followed by a short one detects a silent peer as quickly as
// the short one alone.
func TestKeepaliveRestartTakesTheNewSetting(t *testing.T) {
	c, p := newPair(t, Options{})
	pings, peerDone := readKeepalives(p)
	c.StartKeepalive(time.Hour, 1)
	c.StartKeepalive(30*time.Millisecond, 1)
	awaitClosed(t, c.Done(), "keepalive to detect the silent peer")
	if !errors.Is(c.Err(), ErrKeepaliveTimeout) {
		t.Fatalf("Err = %v, want ErrKeepaliveTimeout", c.Err())
	}
	// Count once the peer has read everything the client sent before
	// closing the connection.
	awaitClosed(t, peerDone, "the peer to read the client's last frames")
	if n := len(pings); n != 1 {
		t.Fatalf("the peer got %d pings, want 1", n)
	}
}

// Keepalive turned off (interval 0) after it ran stops pinging and never
// declares the peer dead: the silence below lasts many times what the
// first setting allowed. The silence is the scenario, not a wait for
// something to happen.
func TestKeepaliveTurnedOff(t *testing.T) {
	c, p := newPair(t, Options{})
	pings, peerDone := readKeepalives(p)
	c.StartKeepalive(20*time.Millisecond, 1)
	c.StartKeepalive(0, 0)
	select {
	case <-c.Done():
		t.Fatalf("connection closed with keepalive off: %v", c.Err())
	case <-time.After(300 * time.Millisecond):
	}
	echoed(t, c, 1, "a call with keepalive off")
	// Count once the peer has read everything the client sent.
	c.Close()
	awaitClosed(t, peerDone, "the peer to read the client's last frames")
	if n := len(pings); n != 0 {
		t.Fatalf("%d pings with keepalive off", n)
	}
}

// A ping that arrives while a long write holds the connection is still
// answered: the pong is retried until the write is done, so a daemon
// receiving a large upload does not take the client for dead.
func TestPongWaitsForALongWrite(t *testing.T) {
	var cc *countingConn
	c, p := newPairWrapped(t, Options{}, func(nc net.Conn) net.Conn { cc = &countingConn{Conn: nc}; return cc })
	// A request larger than the socket buffers: its write blocks until the
	// peer reads.
	big := c.NewCall(1, 1, 7)
	big.Encoder().Opaque(make([]byte, 8<<20), 1<<30)
	done := make(chan error, 1)
	go func() {
		_, err := c.Do(context.Background(), big)
		done <- err
	}()
	waitBlocked(t, "rpc.(*Conn).writeLocked", "the large request to block")
	ping := wire.KeepaliveFrame(wire.ProcKeepalivePing)
	if err := p.write(ping); err != nil {
		t.Fatal(err)
	}
	cc.waitRead(t, int64(len(ping)), "the client to read the ping")
	// Now read: the request, then the pong that waited for it.
	f := p.next(t, "the large request")
	if f.h.Type != wire.MessageTypeCall || len(f.body) != 4+8<<20 {
		t.Fatalf("first frame %+v with %d body bytes, want the request", f.h, len(f.body))
	}
	pong := p.next(t, "the pong after the large request")
	if pong.h.Prog != wire.KeepaliveProgram || pong.h.Proc != int32(wire.ProcKeepalivePong) {
		t.Fatalf("frame after the request: %+v, want a PONG", pong.h)
	}
	p.reply(f, nil)
	if err := await(t, done, "the large request's reply"); err != nil {
		t.Fatal(err)
	}
}

// Only a keepalive PING sent as a message is answered: a PONG, or a ping
// of another type, gets nothing back. An event sent right after each is
// the barrier: once the handler has it, the message before it has been
// handled, and an answer to it would have taken the write token before
// the call that follows (keepalive answers take it at once), so it would
// reach the peer first.
func TestOnlyPingsAreAnswered(t *testing.T) {
	events := make(chan struct{}, 1)
	c, p := newPair(t, Options{OnMessage: func(*wire.MessageHeader, []byte) { events <- struct{}{} }})
	ping := wire.MessageHeader{Prog: wire.KeepaliveProgram, Vers: wire.KeepaliveProtocolVersion,
		Proc: int32(wire.ProcKeepalivePing), Type: wire.MessageTypeMessage}
	pong, pingCall := ping, ping
	pong.Proc = int32(wire.ProcKeepalivePong)
	pingCall.Type = wire.MessageTypeCall
	event := wire.MessageHeader{Prog: 0x20008086, Vers: 1, Proc: 100, Type: wire.MessageTypeMessage}
	for i, tc := range []struct {
		name     string
		h        wire.MessageHeader
		answered bool
	}{
		{"a PONG", pong, false},
		{"a PING of type CALL", pingCall, false},
		{"a PING", ping, true},
	} {
		p.send(tc.h, nil)
		p.send(event, nil)
		await(t, events, "the event after "+tc.name)
		done := goCall(context.Background(), c, uint64(i))
		f := p.next(t, "the frame after "+tc.name)
		if tc.answered {
			if f.h.Prog != wire.KeepaliveProgram || f.h.Proc != int32(wire.ProcKeepalivePong) {
				t.Fatalf("%s: the peer got %+v, want the PONG before the call", tc.name, f.h)
			}
			f = p.next(t, "the call after "+tc.name)
		}
		if f.h.Type != wire.MessageTypeCall || f.h.Prog != 1 {
			t.Fatalf("%s: the peer got %+v, want the call", tc.name, f.h)
		}
		p.reply(f, f.body)
		if err := await(t, done, "the call after "+tc.name); err != nil {
			t.Fatal(err)
		}
	}
}

// Events reach no one on a connection without a handler, which carries
// on.
func TestEventsWithoutAHandlerAreDropped(t *testing.T) {
	c, p := newPair(t, Options{})
	p.send(wire.MessageHeader{Prog: 0x20008086, Vers: 1, Proc: 100, Type: wire.MessageTypeMessage}, []byte("nobody listens"))
	go p.echo()
	echoed(t, c, 4, "a call after an event nobody handles")
}
