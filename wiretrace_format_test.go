package libvirt

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// How trace lines render values: floats in full, long lists and strings
// cut with what was left out counted, never in the middle of a character.
func TestWireTraceValueFormatting(t *testing.T) {
	long := strings.Repeat("a", traceStringMax-1) + "é" + "tail" // é straddles the cut
	for _, c := range []struct {
		name string
		v    any
		want string
	}{
		{"float", &struct{ Load float64 }{3.25}, `{Load: 3.25}`},
		{"small float", &struct{ Load float64 }{0.000125}, `{Load: 0.000125}`},
		{"list at the limit", &struct{ N []int32 }{[]int32{0, 1, 2, 3, 4, 5, 6, 7}}, `{N: [0, 1, 2, 3, 4, 5, 6, 7]}`},
		{"list over the limit", &struct{ N []int32 }{[]int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}, `{N: [0, 1, 2, 3, 4, 5, 6, 7, … 3 more]}`},
		{"string cut before a split character", &struct{ S string }{long},
			`{S: "` + strings.Repeat("a", traceStringMax-1) + `"…(` + "69" + ` bytes)}`},
		{"string not in UTF-8 cut at most UTFMax bytes back", &struct{ S string }{strings.Repeat("a", traceStringMax-6) + strings.Repeat("\x80", 12)},
			`{S: "` + strings.Repeat("a", traceStringMax-6) + `\x80\x80"…(` + strconv.Itoa(traceStringMax+6) + ` bytes)}`},
		{"string at the limit", &struct{ S string }{strings.Repeat("b", traceStringMax)}, `{S: "` + strings.Repeat("b", traceStringMax) + `"}`},
	} {
		var b strings.Builder
		formatValue(&b, c.v)
		if b.String() != c.want {
			t.Errorf("%s: got  %s\nwant %s", c.name, b.String(), c.want)
		}
	}
}

// traceNode nests to any depth, for the trace's nesting limit.
type traceNode struct {
	V int32
	N *traceNode
}

// traceTree nests through lists.
type traceTree struct {
	V    int32
	Kids []traceTree
}

// Nesting is shown traceDepthMax levels deep and cut below that; nil
// slices of any element type show as empty lists.
func TestWireTraceNestingAndNilSlices(t *testing.T) {
	var chain *traceNode
	for i := int32(traceDepthMax + 2); i >= 0; i-- {
		chain = &traceNode{V: i, N: chain}
	}
	want := ""
	for i := 0; i < traceDepthMax; i++ {
		want += "{V: " + strconv.Itoa(i) + ", N: "
	}
	want += "{V: …, N: …}" + strings.Repeat("}", traceDepthMax)
	var b strings.Builder
	formatValue(&b, chain)
	if b.String() != want {
		t.Errorf("nested %d levels:\ngot  %s\nwant %s", traceDepthMax+3, b.String(), want)
	}
	// Lists nest too: each level here is a struct and a list.
	var tree traceTree
	for i := int32(traceDepthMax); i >= 0; i-- {
		tree = traceTree{V: i, Kids: []traceTree{tree}}
	}
	want = ""
	for i := 0; i < traceDepthMax/2; i++ {
		want += "{V: " + strconv.Itoa(i) + ", Kids: ["
	}
	want += "{V: …, Kids: …}" + strings.Repeat("]}", traceDepthMax/2)
	b.Reset()
	formatValue(&b, &tree)
	if b.String() != want {
		t.Errorf("nested lists:\ngot  %s\nwant %s", b.String(), want)
	}
	b.Reset()
	formatValue(&b, &struct {
		B []byte
		L []int32
		E []byte
	}{E: []byte{}})
	if want := "{B: [], L: [], E: <0 bytes>}"; b.String() != want {
		t.Errorf("nil slices: got %s, want %s", b.String(), want)
	}
}

// Frames too large to decode, and the zero-length data frame that ends a
// stream, are described instead of decoded.
func TestWireTraceUndecodedFrames(t *testing.T) {
	frame := func(typ wire.MessageType, status wire.MessageStatus, raw []byte) []byte {
		var e xdr.Encoder
		e.Reset(make([]byte, 4, 64))
		h := wire.MessageHeader{Prog: Program, Vers: 1, Proc: int32(ProcDomainGetXMLDesc), Type: typ, Serial: 3, Status: status}
		h.EncodeXDR(&e)
		out := append(e.Bytes(), raw...)
		binary.BigEndian.PutUint32(out, uint32(len(out)))
		return out
	}
	// A reply whose body is exactly the largest decoded: an XML string
	// of maxTraceBody-4 bytes.
	atLimit := binary.BigEndian.AppendUint32(nil, maxTraceBody-4)
	atLimit = append(atLimit, bytes.Repeat([]byte("x"), maxTraceBody-4)...)
	var out lockedBuffer
	f := &frameTracer{dir: "<-", tw: &traceWriter{w: &out}}
	f.feed(frame(wire.MessageTypeReply, wire.MessageStatusOK, atLimit))
	if cap(f.body) > 64<<10 {
		t.Errorf("the tracer still holds a %d-byte buffer after a large frame", cap(f.body))
	}
	f.feed(frame(wire.MessageTypeReply, wire.MessageStatusOK, bytes.Repeat([]byte{0}, maxTraceBody+4)))
	f.feed(frame(wire.MessageTypeStream, wire.MessageStatusContinue, nil))
	// The largest frame libvirt allows, then one byte more: the tracer
	// stops at a frame no libvirt peer sends.
	f.feed(frame(wire.MessageTypeStream, wire.MessageStatusContinue, make([]byte, wire.MessageLenMax+wire.MessageMax-frameHeaderLen)))
	f.feed(frame(wire.MessageTypeStream, wire.MessageStatusContinue, make([]byte, wire.MessageLenMax+wire.MessageMax-frameHeaderLen+1)))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		`<- reply remote.DomainGetXMLDesc proc=14 serial=3 status=ok len=1048604 {XML: "xxxx`,
		"<- reply remote.DomainGetXMLDesc proc=14 serial=3 status=ok len=1048608 body 1048580 bytes (not decoded)",
		"<- stream remote.DomainGetXMLDesc proc=14 serial=3 status=continue len=28 end of data",
		"<- stream remote.DomainGetXMLDesc proc=14 serial=3 status=continue len=33554436 data 33554408 bytes",
		"<- ? frame length 33554437 out of range: not a libvirt stream, trace stopped",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(lines), out.String())
	}
	for i, w := range want {
		if !strings.HasSuffix(lines[i], w) && !(i == 0 && strings.Contains(lines[i], w)) {
			t.Errorf("line %d: %.200s\nwant it to end with %s", i, lines[i], w)
		}
	}
	if f.feed([]byte{0}); strings.Count(out.String(), "\n") != len(want) {
		t.Error("the tracer wrote more after it stopped")
	}
}
