package libvirt

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/libvirt/internal/event"
	"github.com/virtwire/libvirt/internal/rpc/rpctest"
	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// tunableEvent is the frame of a domain tunable event for callback ID cb
// whose body is about size bytes (strings of at most 4 MiB, libvirt's
// string limit, in as many parameters as it takes).
func tunableEvent(cb int32, size int) []byte {
	msg := DomainEventCallbackTunableMsg{CallbackID: cb, Dom: Domain{Name: "flood"}}
	for size > 0 {
		n := min(size, 4<<20-256)
		msg.Params = append(msg.Params, TypedParam{Field: "f", Value: NewTypedParamValueString(strings.Repeat("x", n))})
		size -= n + 256
	}
	var e xdr.Encoder
	msg.EncodeXDR(&e)
	h := wire.MessageHeader{Prog: Program, Vers: ProtocolVersion, Proc: int32(ProcDomainEventCallbackTunable), Type: wire.MessageTypeMessage}
	return rpctest.Bytes(h, e.Bytes())
}

// floodClient starts a client on a socket whose peer sends n copies of
// frame and then answers calls; it returns once the client has read every
// event (a call made after them has been answered).
func floodClient(t *testing.T, n int, frame func() []byte, setup func(c *Client)) *Client {
	t.Helper()
	nc, p, err := rpctest.Pipe(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := newClientOn(nc, &config{})
	setup(c)
	peerDone := make(chan struct{})
	go func() {
		defer close(peerDone)
		f := frame()
		for i := 0; i < n; i++ {
			if p.Write(f) != nil {
				return
			}
		}
		f = nil
		_ = p.Serve(func(call rpctest.Frame) []byte {
			return rpctest.Bytes(rpctest.ReplyHeader(call), make([]byte, 8))
		})
	}()
	t.Cleanup(func() {
		c.Close()
		p.Close()
		select {
		case <-peerDone:
		case <-time.After(5 * time.Second):
			t.Error("flood peer still running 5 s after Close")
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), floodWithin)
	defer cancel()
	if _, err := c.ConnectGetLibVersion(ctx); err != nil {
		t.Fatalf("ConnectGetLibVersion after the flood: %v", err)
	}
	return c
}

// heapAfterGC is the live heap, in MiB, after a collection.
func heapAfterGC() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

// TestOrphanFloodStaysBounded: floodEvents events of 32 MiB for a callback ID no
// subscription claims (the daemon's, or a hostile peer's) must not be
// kept: each is larger than the orphan byte bound.
func TestOrphanFloodStaysBounded(t *testing.T) {
	c := floodClient(t, floodEvents, func() []byte { return tunableEvent(7, wire.MessageMax-wire.MessageHeaderMax-1024) }, func(*Client) {})
	heap := heapAfterGC()
	t.Logf("orphans: %d events of 32 MiB: heap after GC %.1f MiB, DroppedEvents %d", floodEvents, heap, c.DroppedEvents())
	if heap > 100 {
		t.Errorf("heap after GC %.1f MiB, bound 100 MiB", heap)
	}
	if got := c.DroppedEvents(); got != floodEvents {
		t.Errorf("DroppedEvents %d, want %d", got, floodEvents)
	}
}

// TestOrphanBytesBound: smaller orphans are kept up to 4 MiB; the oldest
// make way and are counted.
func TestOrphanBytesBound(t *testing.T) {
	c := floodClient(t, 100, func() []byte { return tunableEvent(7, 1<<20) }, func(*Client) {})
	c.events.mu.Lock()
	kept, bytes := len(c.events.orphans), c.events.orphanN
	c.events.mu.Unlock()
	t.Logf("orphans: 100 events of 1 MiB: kept %d (%d bytes), DroppedEvents %d", kept, bytes, c.DroppedEvents())
	if bytes > orphanBytes || kept == 0 {
		t.Errorf("kept %d orphans of %d bytes; want some, at most %d bytes", kept, bytes, orphanBytes)
	}
	if got := c.DroppedEvents(); got != uint64(100-kept) {
		t.Errorf("DroppedEvents %d, want %d", got, 100-kept)
	}
}

// TestSubscriptionFloodStaysBounded: a subscriber that does not read keeps
// at most its byte bound (or one event) of floodEvents events of 32 MiB; the rest
// are dropped and counted.
func TestSubscriptionFloodStaysBounded(t *testing.T) {
	var s *Subscription
	floodClient(t, floodEvents, func() []byte { return tunableEvent(7, wire.MessageMax-wire.MessageHeaderMax-1024) }, func(c *Client) {
		s = &Subscription{c: c, family: familyDomain, id: int32(DomainEventIDTunable), callbackID: 7,
			q: event.NewQueue[Event](event.DefaultCapacity, DefaultEventBufferBytes)}
		c.events.add(s)
	})
	heap := heapAfterGC()
	t.Logf("subscription: %d events of 32 MiB, not read: heap after GC %.1f MiB, Dropped %d, queued %d", floodEvents, heap, s.Dropped(), len(s.Events()))
	if heap > 100 {
		t.Errorf("heap after GC %.1f MiB, bound 100 MiB", heap)
	}
	if s.Dropped() != floodEvents-1 || len(s.Events()) != 1 {
		t.Errorf("dropped %d, queued %d; want %d and the newest one", s.Dropped(), len(s.Events()), floodEvents-1)
	}
	ev := <-s.Events()
	if m, ok := ev.(*DomainEventCallbackTunableMsg); !ok || len(m.Params) == 0 {
		t.Errorf("queued event %T, want the tunable event", ev)
	}
}
