package rpc

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/wire"
)

// awaitFailure waits for the connection to end and returns why.
func awaitFailure(t *testing.T, c *Conn, what string) error {
	t.Helper()
	awaitClosed(t, c.Done(), what)
	return c.Err()
}

// A reply that does not repeat its call fails the connection with an
// error naming exactly what differs, and nothing that does not.
func TestMismatchedReplyNamesWhatDiffers(t *testing.T) {
	all := []string{"program", "version", "procedure", "type", "status"}
	for _, tc := range []struct {
		name string
		edit func(h *wire.MessageHeader)
		want []string
	}{
		{"program", func(h *wire.MessageHeader) { h.Prog = 2 }, []string{"program 0x2, not 0x1"}},
		{"version", func(h *wire.MessageHeader) { h.Vers = 9 }, []string{"version 9, not 1"}},
		{"procedure", func(h *wire.MessageHeader) { h.Proc = 8 }, []string{"procedure 8, not 7"}},
		{"type", func(h *wire.MessageHeader) { h.Type = wire.MessageTypeReplyWithFDs }, []string{"type"}},
		{"status", func(h *wire.MessageHeader) { h.Status = wire.MessageStatusContinue }, []string{"status"}},
		{"procedure and status", func(h *wire.MessageHeader) { h.Proc, h.Status = 8, 77 }, []string{"procedure 8, not 7", "status"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, p := newPair(t, Options{})
			done := goCall(context.Background(), c, 1)
			f := p.next(t, "the call")
			h := f.h
			h.Type, h.Status = wire.MessageTypeReply, wire.MessageStatusOK
			tc.edit(&h)
			p.send(h, f.body)
			err := await(t, done, "the call answered wrongly")
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("call: %v, want ErrProtocol", err)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			for _, field := range all {
				named := strings.Contains(msg, field+" ")
				wanted := false
				for _, w := range tc.want {
					wanted = wanted || strings.HasPrefix(w, field)
				}
				if named != wanted {
					t.Errorf("error %q: names %s: %v, want %v", msg, field, named, wanted)
				}
			}
		})
	}
}

// The late reply to an abandoned call is checked like any reply: a wrong
// one fails the connection; a right one is skipped, once. A second copy
// answers nothing in flight.
func TestLateRepliesAreCheckedAndTakenOnce(t *testing.T) {
	abandonOne := func(t *testing.T) (*Conn, *peer, frame) {
		c, p := newPair(t, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		done := goCall(ctx, c, 1)
		f := p.next(t, "the call to abandon")
		cancelPromptly(t, cancel, done)
		return c, p, f
	}
	t.Run("wrong procedure", func(t *testing.T) {
		c, p, f := abandonOne(t)
		h := f.h
		h.Type, h.Proc = wire.MessageTypeReply, 8
		p.send(h, f.body)
		if err := awaitFailure(t, c, "the wrong late reply to fail the connection"); !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), "procedure 8, not 7") {
			t.Fatalf("Err = %v", err)
		}
	})
	t.Run("twice", func(t *testing.T) {
		c, p, f := abandonOne(t)
		p.reply(f, f.body)
		go p.echo()
		echoed(t, c, 5, "a call after the late reply") // the late reply was skipped
		p.reply(f, f.body)
		if err := awaitFailure(t, c, "the second late reply to fail the connection"); !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), "no call in flight") {
			t.Fatalf("Err = %v", err)
		}
	})
}

// fillAbandoned brings the table of abandoned calls to n entries, as n
// calls given up by their callers would (serials 1..n, all issued).
func fillAbandoned(c *Conn, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.abandoned == nil {
		c.abandoned = map[uint32]callID{}
	}
	for s := uint32(1); s <= uint32(n); s++ {
		c.abandoned[s] = callID{1, 1, 7}
	}
	c.serial = uint32(n)
}

// The table of abandoned calls is bounded (maxAbandoned). While it has
// room, a reply no call in flight expects is a protocol violation. Once
// one more call is abandoned than it holds, the engine can no longer tell
// a late reply from a bogus one for serials it has issued, and skips
// them; a reply to a serial never issued still fails the connection.
func TestAbandonedCallsTableBound(t *testing.T) {
	abandonNext := func(t *testing.T, c *Conn, p *peer) frame {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		done := goCall(ctx, c, 1)
		f := p.next(t, "the call to abandon")
		cancelPromptly(t, cancel, done)
		return f
	}
	t.Run("room for one more", func(t *testing.T) {
		c, p := newPair(t, Options{})
		fillAbandoned(c, maxAbandoned-1)
		last := abandonNext(t, c, p) // the table is now full, and exact
		done := goCall(context.Background(), c, 2)
		f := p.next(t, "a call after the table filled")
		p.reply(f, f.body)
		if err := await(t, done, "the call after the table filled"); err != nil {
			t.Fatal(err)
		}
		p.reply(last, last.body) // the late reply: known, skipped
		p.reply(f, f.body)       // a duplicate: known to be bogus
		if err := awaitFailure(t, c, "the duplicate reply to fail the connection"); !errors.Is(err, ErrProtocol) {
			t.Fatalf("Err = %v, want ErrProtocol", err)
		}
	})
	t.Run("one past the bound", func(t *testing.T) {
		c, p := newPair(t, Options{})
		fillAbandoned(c, maxAbandoned)
		last := abandonNext(t, c, p) // one past: track is lost
		done := goCall(context.Background(), c, 2)
		f := p.next(t, "a call after the table overflowed")
		p.reply(f, f.body)
		if err := await(t, done, "the call after the table overflowed"); err != nil {
			t.Fatal(err)
		}
		p.reply(last, last.body) // not in the table, but issued: skipped
		p.reply(f, f.body)       // issued: skipped, it might be late
		go p.echo()
		echoed(t, c, 3, "a call after replies to issued serials")
		future := f.h
		future.Type, future.Serial = wire.MessageTypeReply, f.h.Serial+100
		p.send(future, nil)
		if err := awaitFailure(t, c, "a reply to a serial never issued to fail the connection"); !errors.Is(err, ErrProtocol) {
			t.Fatalf("Err = %v, want ErrProtocol", err)
		}
	})
}
