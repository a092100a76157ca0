package wire

import (
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
	"github.com/virtwire/libvirt/internal/xdrtest"
)

// The FuzzDecode targets check, through xdrtest.CheckDecodeInput, that
// decoding arbitrary bytes never panics, allocates no more than the input
// justifies, and accepts only canonical encodings.

func mustEncode(f *testing.F, v interface{ EncodeXDR(*xdr.Encoder) }) []byte {
	e := xdr.NewEncoder(nil)
	v.EncodeXDR(e)
	if e.Err() != nil {
		f.Fatal(e.Err())
	}
	return e.Bytes()
}

func FuzzDecodeMessageError(f *testing.F) {
	msg, s1 := "Domain not found: no domain with matching name 'x'", "x"
	full := &MessageError{
		Code: 42, Domain: 10, Message: &msg, Level: 2,
		Dom:  &MessageDomain{Name: "x", ID: -1},
		Str1: &s1, Int1: 7,
		Net: &MessageNetwork{Name: "default"},
	}
	xdrtest.FuzzDecode(f, "MessageError",
		func() xdrtest.Codec { return new(MessageError) }, unionMakers,
		mustEncode(f, full), mustEncode(f, &MessageError{}))
}

func FuzzDecodeMessageHeader(f *testing.F) {
	h := &MessageHeader{Prog: 0x20008086, Vers: 1, Proc: 66, Type: MessageTypeReply, Serial: 9, Status: 1}
	xdrtest.FuzzDecode(f, "MessageHeader",
		func() xdrtest.Codec { return new(MessageHeader) }, unionMakers,
		mustEncode(f, h))
}
