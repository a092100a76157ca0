package rpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/wire"
)

// readAllWithin reads st to its end on a goroutine of its own, failing
// the test with what if that takes longer than stuckAfter.
func readAllWithin(t *testing.T, st *Stream, what string) ([]byte, error) {
	t.Helper()
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(st)
		done <- result{b, err}
	}()
	r := await(t, done, what)
	return r.b, r.err
}

// finishWithin finishes st while the peer confirms the finish, and
// returns Finish's error; both are bounded by stuckAfter.
func finishWithin(t *testing.T, st *Stream, p *peer, h wire.MessageHeader) error {
	t.Helper()
	peerErr := make(chan error, 1)
	go func() {
		f, err := nextFrameOf(p, wire.MessageTypeStream, wire.MessageStatusOK)
		if err == nil && f.h.Serial != h.Serial {
			err = fmt.Errorf("finish frame for serial %d, want %d", f.h.Serial, h.Serial)
		}
		if err == nil {
			err = p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusOK), nil)
		}
		peerErr <- err
	}()
	done := make(chan error, 1)
	go func() { done <- st.Finish() }()
	err := await(t, done, "Finish to return")
	if perr := await(t, peerErr, "the peer to see the finish"); perr != nil {
		t.Errorf("peer: %v", perr)
	}
	return err
}

// A stream is the frames that repeat its opening call's program,
// procedure and serial. A frame with the stream's serial but another
// program or procedure is no part of it: its data is not delivered, its
// hole not queued, and an end, error or confirmation in it does not end
// the stream.
func TestStreamFramesMatchProgramAndProcedure(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(h *wire.MessageHeader)
	}{
		{"another procedure", func(h *wire.MessageHeader) { h.Proc = streamProc + 1 }},
		{"another program", func(h *wire.MessageHeader) { h.Prog = 2 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, p := newPair(t, Options{})
			st, h := openTestStream(t, context.Background(), c, p, StreamRecv, true)
			other := h
			tc.edit(&other)
			for _, f := range []struct {
				typ    wire.MessageType
				status wire.MessageStatus
				body   []byte
			}{
				{wire.MessageTypeStream, wire.MessageStatusContinue, []byte("foreign data")},
				{wire.MessageTypeStreamHole, wire.MessageStatusContinue, holeBody(4)},
				{wire.MessageTypeStream, wire.MessageStatusContinue, nil}, // an end of data
				{wire.MessageTypeStream, wire.MessageStatusError, errorBody("not this stream")},
				{wire.MessageTypeStream, wire.MessageStatusOK, nil},
			} {
				if err := p.send(streamHeader(other, f.typ, f.status), f.body); err != nil {
					t.Fatal(err)
				}
			}
			p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), []byte("own data"))
			p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), nil)
			got, err := readAllWithin(t, st, "reading the stream to its end")
			if err != nil || string(got) != "own data" {
				t.Fatalf("stream read %q, %v; want only its own %q", got, err, "own data")
			}
			select {
			case <-st.Done():
				t.Fatal("a frame of another call ended the stream")
			default:
			}
			if err := finishWithin(t, st, p, h); err != nil {
				t.Fatalf("Finish: %v", err)
			}
		})
	}
}

// Serials wrap around after 2^32 calls. A serial still in use (a call in
// flight, an open stream, an abandoned call whose late reply may still
// come) is skipped, so the peer never sees two conversations with one
// serial and every reply reaches its own caller.
func TestSerialsSkipBusyOnesAfterWrapAround(t *testing.T) {
	c, p := newPair(t, Options{})
	// Three serials in use: a call in flight, a stream, an abandoned call.
	pendingDone := goCall(context.Background(), c, 11)
	pending := p.next(t, "the call left in flight")
	st, sh := openTestStream(t, context.Background(), c, p, StreamRecv, false)
	ctx, cancel := context.WithCancel(context.Background())
	abandonedDone := goCall(ctx, c, 33)
	abandoned := p.next(t, "the call to abandon")
	cancelPromptly(t, cancel, abandonedDone)
	busy := []uint32{pending.h.Serial, sh.Serial, abandoned.h.Serial}
	if busy[0] != 1 || busy[1] != 2 || busy[2] != 3 {
		t.Fatalf("first serials %v, want 1 2 3", busy)
	}

	// Bring the counter to the end of its range, as 2^32 - 2 calls would.
	c.mu.Lock()
	c.serial = math.MaxUint32 - 1
	c.mu.Unlock()
	for i, want := range []uint32{math.MaxUint32, 0, 4, 5} {
		done := goCall(context.Background(), c, uint64(100+i))
		f := p.next(t, fmt.Sprintf("call %d after the wrap", i))
		if f.h.Serial != want {
			t.Errorf("call %d after the wrap has serial %d, want %d (in use: %v)", i, f.h.Serial, want, busy)
		}
		if err := p.reply(f, f.body); err != nil {
			t.Fatal(err)
		}
		if err := await(t, done, fmt.Sprintf("the reply to call %d after the wrap", i)); err != nil {
			t.Fatalf("call %d after the wrap: %v", i, err)
		}
	}

	// The older conversations carry on undisturbed: the call in flight
	// gets its own reply, the abandoned call's late reply is skipped, and
	// the stream gets its data.
	if err := p.reply(pending, pending.body); err != nil {
		t.Fatal(err)
	}
	if err := await(t, pendingDone, "the reply to the call left in flight"); err != nil {
		t.Fatalf("the call left in flight: %v", err)
	}
	p.reply(abandoned, abandoned.body)
	p.send(streamHeader(sh, wire.MessageTypeStream, wire.MessageStatusContinue), []byte("still mine"))
	p.send(streamHeader(sh, wire.MessageTypeStream, wire.MessageStatusContinue), nil)
	if got, err := readAllWithin(t, st, "reading the stream"); err != nil || string(got) != "still mine" {
		t.Fatalf("stream read %q, %v", got, err)
	}
	go p.echo()
	echoed(t, c, 7, "a call after the late reply")
}

// What the server may send on a stream besides data, and what the
// stream makes of it: a hole of length zero is nothing; a negative one,
// an undecodable one, one on a body longer than a hole can be, or a
// status no stream frame has, fails the stream (not the connection) with
// an ErrProtocol saying what was wrong.
func TestStreamControlFrameEdges(t *testing.T) {
	hole := func(h wire.MessageHeader) wire.MessageHeader {
		return streamHeader(h, wire.MessageTypeStreamHole, wire.MessageStatusContinue)
	}
	padded := func(length int64, size int) []byte {
		return append(holeBody(length), make([]byte, size-12)...)
	}
	for _, tc := range []struct {
		name   string
		header func(h wire.MessageHeader) wire.MessageHeader
		body   []byte
		want   string // "" : the stream carries on
		ended  bool   // the frame ends the stream on the server's side too
	}{
		{"hole of zero bytes", hole, holeBody(0), "", false},
		{"hole body of 64 bytes", hole, padded(3, 64), "", false},
		{"data of one byte", func(h wire.MessageHeader) wire.MessageHeader {
			return streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue)
		}, []byte{'!'}, "", false},
		{"hole of -1 bytes", hole, holeBody(-1), "negative length -1", false},
		{"hole body of 65 bytes", hole, padded(3, 65), "stream hole of 65 bytes", false},
		{"hole body of 11 bytes", hole, holeBody(3)[:11], "undecodable stream hole", false},
		{"stream frame with status 77", func(h wire.MessageHeader) wire.MessageHeader {
			return streamHeader(h, wire.MessageTypeStream, 77)
		}, nil, "status 77", false},
		{"undecodable stream error", func(h wire.MessageHeader) wire.MessageHeader {
			return streamHeader(h, wire.MessageTypeStream, wire.MessageStatusError)
		}, []byte{1, 2}, "undecodable stream error", true},
		{"a confirmation nobody asked for", func(h wire.MessageHeader) wire.MessageHeader {
			return streamHeader(h, wire.MessageTypeStream, wire.MessageStatusOK)
		}, nil, "ended a stream nobody finished", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, p := newPair(t, Options{})
			st, h := openTestStream(t, context.Background(), c, p, StreamRecv, true)
			p.send(tc.header(h), tc.body)
			p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), []byte("after"))
			p.send(streamHeader(h, wire.MessageTypeStream, wire.MessageStatusContinue), nil)
			var n int
			var hl int64
			var got []byte
			var err error
			for err == nil {
				buf := make([]byte, 64)
				err = within(t, "ReadSparse", func() (e error) { n, hl, e = st.ReadSparse(buf); return e })
				if err == nil {
					got = append(got, buf[:n]...)
					if hl > 0 {
						got = append(got, []byte(fmt.Sprintf("<hole %d>", hl))...)
					}
				}
			}
			if tc.want == "" {
				want := "after"
				switch tc.name {
				case "hole body of 64 bytes":
					want = "<hole 3>after"
				case "data of one byte":
					want = "!after"
				}
				if err != io.EOF || string(got) != want {
					t.Fatalf("read %q, %v; want %q, io.EOF", got, err, want)
				}
			} else if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("read %q, %v; want an ErrProtocol about %q", got, err, tc.want)
			} else if tc.ended {
				// The server forgot the stream: Finish reports why and
				// sends nothing (the next frame the peer sees is a call).
				if ferr := within(t, "Finish of a stream the server ended", st.Finish); !errors.Is(ferr, ErrProtocol) {
					t.Fatalf("Finish: %v", ferr)
				}
			} else {
				// The server still has the stream: Finish sends an abort
				// instead, and reports the fault.
				peerErr := confirm(p, h, wire.MessageStatusError, wire.MessageStatusOK, nil)
				if ferr := within(t, "Finish of a faulted stream", st.Finish); !errors.Is(ferr, ErrProtocol) || !strings.Contains(ferr.Error(), tc.want) {
					t.Fatalf("Finish: %v, want the fault", ferr)
				}
				if perr := await(t, peerErr, "the peer to receive the abort"); perr != nil {
					t.Fatalf("peer: %v", perr)
				}
				awaitClosed(t, st.Done(), "the abort's confirmation")
			}
			// The connection carries on either way.
			go p.echo()
			echoed(t, c, 1, "a call after the stream frame")
		})
	}
}
