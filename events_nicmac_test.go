package libvirt

import (
	"encoding/binary"
	"testing"

	"github.com/virtwire/libvirt/internal/wire"
)

// xdrString appends s as an XDR string: length, bytes, zero padding to 4.
func xdrString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	b = append(b, s...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// TestNICMACChangeEventDecodes routes a REMOTE_PROC_DOMAIN_EVENT_NIC_MAC_CHANGE
// message (new in libvirt 11.3) whose body is built byte by byte from
// remote_protocol.x, not by our encoder, and checks what the subscriber of
// DomainEventIDNICMACChange receives.
func TestNICMACChangeEventDecodes(t *testing.T) {
	if ProcDomainEventNICMACChange != 453 || DomainEventIDNICMACChange != 27 {
		t.Fatalf("procedure %d, event ID %d; libvirt 11.3 numbers them 453 and 27",
			ProcDomainEventNICMACChange, DomainEventIDNICMACChange)
	}
	uuid := [16]byte{0x6d, 0x5c, 0x2b, 0x11, 0x0e, 0x3f, 0x4a, 0x1b, 0x9c, 0x2d, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60}
	var body []byte
	body = binary.BigEndian.AppendUint32(body, 9) // callbackID
	body = xdrString(body, "guest1")              // dom.name
	body = append(body, uuid[:]...)               // dom.uuid (fixed opaque[16])
	body = binary.BigEndian.AppendUint32(body, 0xffffffff)
	body = xdrString(body, "net0")              // alias
	body = xdrString(body, "52:54:00:aa:bb:cc") // oldMAC
	body = xdrString(body, "52:54:00:dd:ee:0f") // newMAC

	r := newRouter()
	s := &Subscription{family: familyDomain, id: int32(DomainEventIDNICMACChange), callbackID: 9, q: newTestQueue()}
	if !r.add(s) {
		t.Fatal("add failed")
	}
	r.handle(&wire.MessageHeader{Prog: Program, Proc: int32(ProcDomainEventNICMACChange)}, body)
	if n := r.unrouted.Load(); n != 0 {
		t.Fatalf("%d messages not routed", n)
	}
	select {
	case ev := <-s.Events():
		m, ok := ev.(*DomainEventNICMACChangeMsg)
		if !ok {
			t.Fatalf("got %T, want *DomainEventNICMACChangeMsg", ev)
		}
		want := DomainEventNICMACChangeMsg{
			CallbackID: 9,
			Dom:        Domain{Name: "guest1", UUID: uuid, ID: -1},
			Alias:      "net0",
			OldMAC:     "52:54:00:aa:bb:cc",
			NewMAC:     "52:54:00:dd:ee:0f",
		}
		if *m != want {
			t.Fatalf("decoded %+v\nwant    %+v", *m, want)
		}
	default:
		t.Fatal("the event was not delivered to its subscription")
	}

	// A body cut short inside newMAC is a protocol error, not a half-filled event.
	r2 := newRouter()
	s2 := &Subscription{family: familyDomain, id: int32(DomainEventIDNICMACChange), callbackID: 9, q: newTestQueue()}
	if !r2.add(s2) {
		t.Fatal("add failed")
	}
	r2.handle(&wire.MessageHeader{Prog: Program, Proc: int32(ProcDomainEventNICMACChange)}, body[:len(body)-6])
	select {
	case ev := <-s2.Events():
		t.Fatalf("a truncated message was delivered: %+v", ev)
	default:
	}
	if n := r2.unrouted.Load(); n != 1 {
		t.Fatalf("truncated message: %d messages counted as unrouted, want 1", n)
	}
}
