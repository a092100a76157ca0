package wire

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/xdrtest"
)

func TestCodecGoldenMessageHeader(t *testing.T) {
	v := &MessageHeader{Prog: 0x20008086, Vers: 1, Proc: 66, Type: MessageTypeReply, Serial: 9, Status: 1}
	want, _ := hex.DecodeString(strings.Join([]string{
		"20008086", // prog: REMOTE_PROGRAM
		"00000001", // vers 1
		"00000042", // proc 66
		"00000001", // type: VIR_NET_REPLY
		"00000009", // serial 9
		"00000001", // status: VIR_NET_ERROR
	}, ""))
	got, err := xdrtest.Encode(v)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("encode = % x, %v; want % x", got, err, want)
	}
	if len(got) != MessageHeaderMax {
		t.Fatalf("header is %d bytes, want MessageHeaderMax = %d", len(got), MessageHeaderMax)
	}
	var back MessageHeader
	if err := xdrtest.Decode(want, &back); err != nil || !reflect.DeepEqual(&back, v) {
		t.Fatalf("decode = %#v, %v; want %#v", back, err, v)
	}
}

func TestCodecGoldenMessageError(t *testing.T) {
	msg := "no"
	v := &MessageError{Code: 1, Domain: 2, Message: &msg, Level: 2, Net: &MessageNetwork{Name: "n", UUID: MessageUUID{0: 0xab}}}
	want, _ := hex.DecodeString(strings.Join([]string{
		"00000001",                         // code 1
		"00000002",                         // domain 2
		"00000001", "00000002", "6e6f0000", // message: present, "no" + 2 bytes of padding
		"00000002",                         // level 2
		"00000000",                         // dom: absent
		"00000000", "00000000", "00000000", // str1..str3: absent
		"00000000", "00000000", // int1, int2
		"00000001", "00000001", "6e000000", // net: present, name "n"
		"ab000000000000000000000000000000", // net uuid
	}, ""))
	got, err := xdrtest.Encode(v)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("encode = % x, %v; want % x", got, err, want)
	}
	var back MessageError
	if err := xdrtest.Decode(want, &back); err != nil || !reflect.DeepEqual(&back, v) {
		t.Fatalf("decode = %#v, %v; want %#v", back, err, v)
	}
}
