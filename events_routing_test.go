package libvirt

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/event"
	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// The router's rules as a subscriber sees them: which subscriptions get an
// event, and what happens to events that arrive for a callback ID no
// subscription has recorded yet.

// send routes msg as the daemon's event procedure proc.
func send(r *router, prog uint32, proc int32, msg interface{ EncodeXDR(*xdr.Encoder) }) {
	var e xdr.Encoder
	msg.EncodeXDR(&e)
	r.handle(&wire.MessageHeader{Prog: prog, Proc: proc}, e.Bytes())
}

// rebootFor sends a reboot event of domain name for callback ID cb.
func rebootFor(r *router, cb int32, name string) {
	send(r, Program, int32(ProcDomainEventCallbackReboot),
		&DomainEventCallbackRebootMsg{CallbackID: cb, Msg: DomainEventRebootMsg{Dom: Domain{Name: name}}})
}

// newSub returns an unregistered subscription with room for n events.
func newSub(family eventFamily, id DomainEventID, cb int32, n int) *Subscription {
	return &Subscription{family: family, id: int32(id), callbackID: cb, q: event.NewQueue[Event](n, 0)}
}

// received drains what s has queued so far (the router pushes
// synchronously, so everything routed is already there) and names each
// event by its domain, network or type.
func received(s *Subscription) []string {
	var out []string
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				return append(out, "closed")
			}
			out = append(out, eventName(ev))
		default:
			return out
		}
	}
}

func eventName(ev Event) string {
	switch m := ev.(type) {
	case *DomainEventCallbackRebootMsg:
		return m.Msg.Dom.Name
	case *DomainEventRebootMsg:
		return "legacy-reboot:" + m.Dom.Name
	case *DomainEventLifecycleMsg:
		return "legacy-lifecycle:" + m.Dom.Name
	case *NetworkEventLifecycleMsg:
		return "net:" + m.Net.Name
	case *ConnectEventConnectionClosedMsg:
		return fmt.Sprintf("closed-by-daemon:%d", m.Reason)
	}
	return fmt.Sprintf("%T", ev)
}

func mustAdd(t *testing.T, r *router, s *Subscription) {
	t.Helper()
	if !r.add(s) {
		t.Fatal("router refused a subscription before closeAll")
	}
}

func TestRouterLegacyEventsGoToSubscribersOfTheirEventID(t *testing.T) {
	r := newRouter()
	reboot := newSub(familyDomain, DomainEventIDReboot, 1, 8)
	reboot2 := newSub(familyDomain, DomainEventIDReboot, 2, 8)
	lifecycle := newSub(familyDomain, DomainEventIDLifecycle, 3, 8)
	network := newSub(familyNetwork, 0, 4, 8)
	for _, s := range []*Subscription{reboot, reboot2, lifecycle, network} {
		mustAdd(t, r, s)
	}
	// Events of the legacy procedures carry no callback ID.
	send(r, Program, int32(ProcDomainEventReboot), &DomainEventRebootMsg{Dom: Domain{Name: "a"}})
	send(r, Program, int32(ProcDomainEventLifecycle), &DomainEventLifecycleMsg{Dom: Domain{Name: "b"}})
	for _, c := range []struct {
		name string
		s    *Subscription
		want []string
	}{
		{"reboot", reboot, []string{"legacy-reboot:a"}},
		{"second reboot", reboot2, []string{"legacy-reboot:a"}},
		{"lifecycle", lifecycle, []string{"legacy-lifecycle:b"}},
		{"network", network, nil},
	} {
		if got := received(c.s); !slices.Equal(got, c.want) {
			t.Errorf("%s subscription got %q, want %q", c.name, got, c.want)
		}
	}
	// A removed subscription no longer gets legacy events.
	r.remove(reboot)
	send(r, Program, int32(ProcDomainEventReboot), &DomainEventRebootMsg{Dom: Domain{Name: "c"}})
	if got := received(reboot); !slices.Equal(got, []string{"closed"}) {
		t.Errorf("removed subscription got %q, want only its close", got)
	}
	if got := received(reboot2); !slices.Equal(got, []string{"legacy-reboot:c"}) {
		t.Errorf("remaining reboot subscription got %q", got)
	}
}

func TestRouterEventsGoToTheirCallbackIDOnly(t *testing.T) {
	r := newRouter()
	a1 := newSub(familyDomain, DomainEventIDReboot, 7, 8)
	a2 := newSub(familyDomain, DomainEventIDReboot, 7, 8) // shares the registration
	b := newSub(familyDomain, DomainEventIDReboot, 8, 8)
	net7 := newSub(familyNetwork, 0, 7, 8) // same number, other family
	closer := newSub(familyConnectionClosed, -1, -1, 8)
	for _, s := range []*Subscription{a1, a2, b, net7, closer} {
		mustAdd(t, r, s)
	}
	rebootFor(r, 7, "x")
	send(r, Program, int32(ProcNetworkEventLifecycle), &NetworkEventLifecycleMsg{CallbackID: 7, Net: Network{Name: "n"}})
	send(r, Program, int32(ProcConnectEventConnectionClosed), &ConnectEventConnectionClosedMsg{Reason: 2})
	for _, c := range []struct {
		name string
		s    *Subscription
		want []string
	}{
		{"domain 7", a1, []string{"x"}},
		{"second domain 7", a2, []string{"x"}},
		{"domain 8", b, nil},
		{"network 7", net7, []string{"net:n"}},
		{"connection closed", closer, []string{"closed-by-daemon:2"}},
	} {
		if got := received(c.s); !slices.Equal(got, c.want) {
			t.Errorf("%s subscription got %q, want %q", c.name, got, c.want)
		}
	}
	// Delivered events are not kept for later subscribers.
	late := newSub(familyDomain, DomainEventIDReboot, 7, 8)
	mustAdd(t, r, late)
	if got := received(late); got != nil {
		t.Errorf("a later subscriber to callback 7 got %q, already delivered", got)
	}
}

func TestRouterKeepsOnlyTheNewestOrphans(t *testing.T) {
	r := newRouter()
	var want []string
	for i := range orphanLimit + 3 {
		name := fmt.Sprintf("d%d", i)
		rebootFor(r, 9, name)
		if i >= 3 {
			want = append(want, name)
		}
	}
	s := newSub(familyDomain, DomainEventIDReboot, 9, 2*orphanLimit)
	mustAdd(t, r, s)
	if got := received(s); !slices.Equal(got, want) {
		t.Fatalf("replayed orphans:\n got %q\nwant the newest %d: %q", got, orphanLimit, want)
	}
}

func TestRouterReplaysOnlyMatchingOrphansOnce(t *testing.T) {
	r := newRouter()
	rebootFor(r, 7, "a")
	rebootFor(r, 8, "b")
	send(r, Program, int32(ProcNetworkEventLifecycle), &NetworkEventLifecycleMsg{CallbackID: 7, Net: Network{Name: "n"}})
	rebootFor(r, 7, "c")

	first := newSub(familyDomain, DomainEventIDReboot, 7, 8)
	mustAdd(t, r, first)
	if got := received(first); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("domain callback 7 got %q, want its own orphans [a c] in order", got)
	}
	// A second subscription to the same callback ID does not get them
	// again: replayed orphans are gone.
	second := newSub(familyDomain, DomainEventIDReboot, 7, 8)
	mustAdd(t, r, second)
	if got := received(second); got != nil {
		t.Errorf("second subscriber to callback 7 got %q, already replayed", got)
	}
	// The others stay until their subscriber comes.
	net := newSub(familyNetwork, 0, 7, 8)
	mustAdd(t, r, net)
	if got := received(net); !slices.Equal(got, []string{"net:n"}) {
		t.Errorf("network callback 7 got %q", got)
	}
	other := newSub(familyDomain, DomainEventIDReboot, 8, 8)
	mustAdd(t, r, other)
	if got := received(other); !slices.Equal(got, []string{"b"}) {
		t.Errorf("domain callback 8 got %q", got)
	}
	// Replaying freed the room: a full set of new orphans fits again.
	for i := range orphanLimit {
		rebootFor(r, 10, fmt.Sprintf("e%d", i))
	}
	late := newSub(familyDomain, DomainEventIDReboot, 10, 2*orphanLimit)
	mustAdd(t, r, late)
	if got := received(late); len(got) != orphanLimit || got[0] != "e0" {
		t.Errorf("after replay, callback 10 got %d orphans starting %q, want %d from e0", len(got), got[:min(1, len(got))], orphanLimit)
	}
}

func TestRouterCountsWhatItCannotRoute(t *testing.T) {
	r := newRouter()
	s := newSub(familyDomain, DomainEventIDReboot, 7, 8)
	mustAdd(t, r, s)
	r.handle(&wire.MessageHeader{Prog: Program, Proc: int32(ProcConnectGetHostname)}, nil)
	// A reboot event cut short does not decode.
	r.handle(&wire.MessageHeader{Prog: Program, Proc: int32(ProcDomainEventCallbackReboot)}, []byte{0, 0, 0, 7})
	if n := r.unrouted.Load(); n != 2 {
		t.Errorf("unrouted = %d, want 2", n)
	}
	if got := received(s); got != nil {
		t.Errorf("subscriber got %q from messages that were not events of its own", got)
	}
	// What an EventTracer is told of them: no event, no callback ID (-1),
	// nothing delivered, and not routed.
	for _, m := range []struct {
		proc Procedure
		body []byte
	}{{ProcConnectGetHostname, nil}, {ProcDomainEventCallbackReboot, []byte{0, 0, 0, 7}}} {
		ev, cb, delivered, dropped, ok := r.route(&wire.MessageHeader{Prog: Program, Proc: int32(m.proc)}, m.body)
		if ev != nil || cb != -1 || delivered != 0 || dropped != 0 || ok {
			t.Errorf("route(%v) = %v, %d, %d, %d, %v; want nil, -1, 0, 0, false", m.proc, ev, cb, delivered, dropped, ok)
		}
	}
}

func TestRouterAfterCloseAll(t *testing.T) {
	r := newRouter()
	s := newSub(familyDomain, DomainEventIDReboot, 7, 8)
	closer := newSub(familyConnectionClosed, -1, -1, 8)
	mustAdd(t, r, s)
	mustAdd(t, r, closer)
	r.closeAll()
	if got := received(s); !slices.Equal(got, []string{"closed"}) {
		t.Errorf("subscription after closeAll: %q", got)
	}
	if got := received(closer); !slices.Equal(got, []string{"closed"}) {
		t.Errorf("connection-closed subscription after closeAll: %q", got)
	}
	if r.add(newSub(familyDomain, DomainEventIDReboot, 8, 8)) {
		t.Error("router accepted a subscription after closeAll")
	}
}

func TestRouterRemoveKeepsTheOthers(t *testing.T) {
	r := newRouter()
	a := newSub(familyDomain, DomainEventIDReboot, 7, 8)
	b := newSub(familyDomain, DomainEventIDReboot, 7, 8) // shares callback 7
	mustAdd(t, r, a)
	mustAdd(t, r, b)
	r.remove(a)
	rebootFor(r, 7, "x")
	if got := received(b); !slices.Equal(got, []string{"x"}) {
		t.Errorf("remaining subscriber to callback 7 got %q after the other was removed", got)
	}
	if got := received(a); !slices.Equal(got, []string{"closed"}) {
		t.Errorf("removed subscriber got %q", got)
	}
	// Once the last subscriber of a callback ID is gone, its events are
	// kept again for whoever registers it next.
	r.remove(b)
	rebootFor(r, 7, "y")
	c := newSub(familyDomain, DomainEventIDReboot, 7, 8)
	mustAdd(t, r, c)
	if got := received(c); !slices.Equal(got, []string{"y"}) {
		t.Errorf("new subscriber to callback 7 got %q, want the event sent while it had none", got)
	}
}

// A subscription's byte bound counts each event's wire size plus
// eventOverhead for the decoded value: with room for exactly three reboot
// events, a fourth makes the oldest go.
func TestRouterByteBoundCountsTheOverhead(t *testing.T) {
	var e xdr.Encoder
	(&DomainEventCallbackRebootMsg{CallbackID: 7, Msg: DomainEventRebootMsg{Dom: Domain{Name: "a"}}}).EncodeXDR(&e)
	size := int64(len(e.Bytes())) + eventOverhead
	r := newRouter()
	s := &Subscription{family: familyDomain, id: int32(DomainEventIDReboot), callbackID: 7, q: event.NewQueue[Event](16, 3*size)}
	mustAdd(t, r, s)
	for _, name := range []string{"a", "b", "c"} {
		rebootFor(r, 7, name)
	}
	if d := s.Dropped(); d != 0 {
		t.Fatalf("three events of %d bytes in a %d-byte bound: %d dropped", size, 3*size, d)
	}
	rebootFor(r, 7, "d")
	if got := received(s); !slices.Equal(got, []string{"b", "c", "d"}) || s.Dropped() != 1 {
		t.Fatalf("after a fourth: queued %q, dropped %d; want b, c, d and 1", got, s.Dropped())
	}
}

// An orphan is kept up to orphanBytes in size, overhead included: one of
// exactly that size waits for its subscription; one a word larger is
// dropped and counted.
func TestRouterOrphanSizeLimitIsInclusive(t *testing.T) {
	// A reboot event's body is 28 bytes plus its name (a multiple of 4).
	const fixed = 28
	name := strings.Repeat("x", orphanBytes-eventOverhead-fixed)
	for _, c := range []struct {
		name string
		kept bool
	}{{name, true}, {name + "abcd", false}} {
		r := newRouter()
		rebootFor(r, 9, c.name)
		s := newSub(familyDomain, DomainEventIDReboot, 9, 4)
		mustAdd(t, r, s)
		got := received(s)
		if kept := len(got) == 1; kept != c.kept || (c.kept && r.lost.Load() != 0) || (!c.kept && r.lost.Load() != 1) {
			t.Errorf("orphan of %d bytes: replayed %d, lost %d; want kept %v", len(c.name)+fixed+eventOverhead, len(got), r.lost.Load(), c.kept)
		}
	}
}

// Orphans may fill the byte bound exactly; one word more makes the oldest
// go.
func TestRouterOrphansFillTheByteBoundExactly(t *testing.T) {
	const fixed = 28 // a reboot event's body without its name
	first := strings.Repeat("a", 1<<20)
	rest := orphanBytes - (len(first) + fixed + eventOverhead) - fixed - eventOverhead
	for _, c := range []struct {
		second string
		want   []string
		lost   uint64
	}{
		{strings.Repeat("b", rest), []string{"a", "b"}, 0},
		{strings.Repeat("b", rest+4), []string{"b"}, 1},
	} {
		r := newRouter()
		rebootFor(r, 9, first)
		rebootFor(r, 9, c.second)
		s := newSub(familyDomain, DomainEventIDReboot, 9, 4)
		mustAdd(t, r, s)
		var got []string
		for _, name := range received(s) {
			got = append(got, name[:1])
		}
		if !slices.Equal(got, c.want) || r.lost.Load() != c.lost {
			t.Errorf("second orphan of %d bytes: replayed %q, lost %d; want %q, %d", len(c.second)+fixed+eventOverhead, got, r.lost.Load(), c.want, c.lost)
		}
	}
}
