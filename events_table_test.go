package libvirt

import (
	"testing"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// TestEveryEventMessageIsRouted derives the event messages from the
// generated procedure enums and checks that the router knows each one and
// decodes its own encoding.
func TestEveryEventMessageIsRouted(t *testing.T) {
	var remote, qemu []int32
	for p := int32(1); p <= 1000; p++ {
		if Procedure(p).IsEvent() {
			remote = append(remote, p)
		}
		if QEMUProcedure(p).IsEvent() {
			qemu = append(qemu, p)
		}
	}
	if len(remote) != 53 || len(qemu) != 1 {
		t.Fatalf("found %d remote and %d QEMU event procedures, want 53 and 1", len(remote), len(qemu))
	}
	check := func(program uint32, procs []int32) {
		for _, p := range procs {
			info, ok := eventTable[eventKey{program, p}]
			if !ok {
				t.Errorf("program %#x procedure %d is an event but is not routed", program, p)
				continue
			}
			// Encode the zero message of the decoded type and route it.
			ev, _ := info.decode(xdr.NewDecoder(nil))
			var e xdr.Encoder
			ev.(interface{ EncodeXDR(*xdr.Encoder) }).EncodeXDR(&e)
			r := newRouter()
			r.handle(&wire.MessageHeader{Prog: program, Proc: p}, e.Bytes())
			if n := r.unrouted.Load(); n != 0 {
				t.Errorf("program %#x procedure %d: its own encoding was not routed", program, p)
			}
		}
	}
	check(Program, remote)
	check(QEMUProgram, qemu)
	if len(eventTable) != len(remote)+len(qemu) {
		t.Errorf("eventTable has %d entries, want %d", len(eventTable), len(remote)+len(qemu))
	}
}

// TestRouterKeepsEarlyEvents covers the race between the daemon's first
// event for a new registration and the subscriber recording its callback
// ID: the event is kept and handed over on registration.
func TestRouterKeepsEarlyEvents(t *testing.T) {
	r := newRouter()
	msg := DomainEventCallbackRebootMsg{CallbackID: 7, Msg: DomainEventRebootMsg{Dom: Domain{Name: "d"}}}
	var e xdr.Encoder
	msg.EncodeXDR(&e)
	r.handle(&wire.MessageHeader{Prog: Program, Proc: int32(ProcDomainEventCallbackReboot)}, e.Bytes())
	s := &Subscription{family: familyDomain, id: int32(DomainEventIDReboot), callbackID: 7, q: newTestQueue()}
	if !r.add(s) {
		t.Fatal("add failed")
	}
	select {
	case ev := <-s.Events():
		if ev.(*DomainEventCallbackRebootMsg).Msg.Dom.Name != "d" {
			t.Fatalf("got %+v", ev)
		}
	default:
		t.Fatal("early event lost")
	}
}
