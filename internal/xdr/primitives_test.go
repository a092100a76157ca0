package xdr_test

import (
	"bytes"
	"encoding/hex"
	"math"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
)

// unhex turns a hex string with optional spaces into bytes.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func encodeWith(fn func(e *xdr.Encoder)) ([]byte, error) {
	e := xdr.NewEncoder(nil)
	fn(e)
	return e.Bytes(), e.Err()
}

func TestEncodePrimitiveBytes(t *testing.T) {
	tests := []struct {
		name string
		enc  func(e *xdr.Encoder)
		want string
	}{
		{"uint32", func(e *xdr.Encoder) { e.Uint32(0x01020304) }, "01020304"},
		{"uint32 max", func(e *xdr.Encoder) { e.Uint32(math.MaxUint32) }, "ffffffff"},
		{"int32 -1", func(e *xdr.Encoder) { e.Int32(-1) }, "ffffffff"},
		{"int32 -2", func(e *xdr.Encoder) { e.Int32(-2) }, "fffffffe"},
		{"int32 min", func(e *xdr.Encoder) { e.Int32(math.MinInt32) }, "80000000"},
		{"uint64", func(e *xdr.Encoder) { e.Uint64(0x0102030405060708) }, "01020304 05060708"},
		{"int64 -2", func(e *xdr.Encoder) { e.Int64(-2) }, "ffffffff fffffffe"},
		{"int64 min", func(e *xdr.Encoder) { e.Int64(math.MinInt64) }, "80000000 00000000"},
		{"bool false", func(e *xdr.Encoder) { e.Bool(false) }, "00000000"},
		{"bool true", func(e *xdr.Encoder) { e.Bool(true) }, "00000001"},
		{"float 1.5", func(e *xdr.Encoder) { e.Float32(1.5) }, "3fc00000"},
		{"float -0", func(e *xdr.Encoder) { e.Float32(float32(math.Copysign(0, -1))) }, "80000000"},
		{"float +inf", func(e *xdr.Encoder) { e.Float32(float32(math.Inf(1))) }, "7f800000"},
		{"double 1.5", func(e *xdr.Encoder) { e.Float64(1.5) }, "3ff80000 00000000"},
		{"double -2.25", func(e *xdr.Encoder) { e.Float64(-2.25) }, "c0020000 00000000"},
		{"double -inf", func(e *xdr.Encoder) { e.Float64(math.Inf(-1)) }, "fff00000 00000000"},
		{"double NaN payload", func(e *xdr.Encoder) { e.Float64(math.Float64frombits(0x7ff8000000000001)) }, "7ff80000 00000001"},
		// Strings: length, bytes, zero padding to a multiple of four.
		{"string len 0", func(e *xdr.Encoder) { e.String("", 10) }, "00000000"},
		{"string len 1", func(e *xdr.Encoder) { e.String("a", 10) }, "00000001 61000000"},
		{"string len 2", func(e *xdr.Encoder) { e.String("ab", 10) }, "00000002 61620000"},
		{"string len 3", func(e *xdr.Encoder) { e.String("abc", 10) }, "00000003 61626300"},
		{"string len 4", func(e *xdr.Encoder) { e.String("abcd", 10) }, "00000004 61626364"},
		{"string len 5", func(e *xdr.Encoder) { e.String("abcde", 10) }, "00000005 61626364 65000000"},
		{"opaque len 0", func(e *xdr.Encoder) { e.Opaque(nil, 10) }, "00000000"},
		{"opaque len 1", func(e *xdr.Encoder) { e.Opaque([]byte{0xff}, 10) }, "00000001 ff000000"},
		{"opaque len 2", func(e *xdr.Encoder) { e.Opaque([]byte{0xff, 0xfe}, 10) }, "00000002 fffe0000"},
		{"opaque len 3", func(e *xdr.Encoder) { e.Opaque([]byte{0xff, 0xfe, 0xfd}, 10) }, "00000003 fffefd00"},
		{"opaque len 4", func(e *xdr.Encoder) { e.Opaque([]byte{1, 2, 3, 4}, 10) }, "00000004 01020304"},
		{"opaque len 5", func(e *xdr.Encoder) { e.Opaque([]byte{1, 2, 3, 4, 5}, 10) }, "00000005 01020304 05000000"},
		// Fixed opaque: no length word, same padding.
		{"fixed opaque len 0", func(e *xdr.Encoder) { e.FixedOpaque(nil) }, ""},
		{"fixed opaque len 1", func(e *xdr.Encoder) { e.FixedOpaque([]byte{9}) }, "09000000"},
		{"fixed opaque len 2", func(e *xdr.Encoder) { e.FixedOpaque([]byte{9, 8}) }, "09080000"},
		{"fixed opaque len 3", func(e *xdr.Encoder) { e.FixedOpaque([]byte{9, 8, 7}) }, "09080700"},
		{"fixed opaque len 4", func(e *xdr.Encoder) { e.FixedOpaque([]byte{9, 8, 7, 6}) }, "09080706"},
		{"fixed opaque len 5", func(e *xdr.Encoder) { e.FixedOpaque([]byte{9, 8, 7, 6, 5}) }, "09080706 05000000"},
		{"array len", func(e *xdr.Encoder) { e.ArrayLen(3, 10) }, "00000003"},
		{"optional absent", func(e *xdr.Encoder) { e.Optional(false) }, "00000000"},
		{"optional present", func(e *xdr.Encoder) { e.Optional(true) }, "00000001"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := encodeWith(tc.enc)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if want := unhex(t, tc.want); !bytes.Equal(got, want) {
				t.Fatalf("got % x, want % x", got, want)
			}
		})
	}
}

func TestDecodePrimitiveBytes(t *testing.T) {
	check := func(t *testing.T, in string, read func(d *xdr.Decoder) any, want any) {
		t.Helper()
		d := xdr.NewDecoder(unhex(t, in))
		got := read(d)
		if err := d.Finish(); err != nil {
			t.Fatalf("%s: unexpected error: %v", in, err)
		}
		switch w := want.(type) {
		case []byte:
			if !bytes.Equal(got.([]byte), w) {
				t.Fatalf("%s: got % x, want % x", in, got, w)
			}
		case float64:
			if math.Float64bits(got.(float64)) != math.Float64bits(w) {
				t.Fatalf("%s: got %v, want %v", in, got, w)
			}
		default:
			if got != want {
				t.Fatalf("%s: got %#v, want %#v", in, got, want)
			}
		}
	}
	check(t, "01020304", func(d *xdr.Decoder) any { return d.Uint32() }, uint32(0x01020304))
	check(t, "fffffffe", func(d *xdr.Decoder) any { return d.Int32() }, int32(-2))
	check(t, "01020304 05060708", func(d *xdr.Decoder) any { return d.Uint64() }, uint64(0x0102030405060708))
	check(t, "ffffffff fffffffe", func(d *xdr.Decoder) any { return d.Int64() }, int64(-2))
	check(t, "00000000", func(d *xdr.Decoder) any { return d.Bool() }, false)
	check(t, "00000001", func(d *xdr.Decoder) any { return d.Bool() }, true)
	check(t, "00000001", func(d *xdr.Decoder) any { return d.Optional() }, true)
	// libtirpc's leniency: any non-zero word is true, padding is not read.
	check(t, "01000000", func(d *xdr.Decoder) any { return d.Bool() }, true)
	check(t, "ffffffff", func(d *xdr.Decoder) any { return d.Bool() }, true)
	check(t, "01000000", func(d *xdr.Decoder) any { return d.Optional() }, true)
	check(t, "00000003 61626301", func(d *xdr.Decoder) any { return d.String(10) }, "abc")
	check(t, "00000001 61800000", func(d *xdr.Decoder) any { return d.String(10) }, "a")
	check(t, "00000002 0102ff00", func(d *xdr.Decoder) any { return d.Opaque(10) }, []byte{1, 2})
	check(t, "00000001 01000030", func(d *xdr.Decoder) any { return d.OpaqueView(10) }, []byte{1})
	check(t, "01020304 05000100", func(d *xdr.Decoder) any { b := make([]byte, 5); d.FixedOpaque(b); return b }, []byte{1, 2, 3, 4, 5})
	check(t, "3fc00000", func(d *xdr.Decoder) any { return d.Float32() }, float32(1.5))
	check(t, "c0020000 00000000", func(d *xdr.Decoder) any { return d.Float64() }, -2.25)
	check(t, "7ff80000 00000001", func(d *xdr.Decoder) any { return d.Float64() }, math.Float64frombits(0x7ff8000000000001))
	check(t, "00000000", func(d *xdr.Decoder) any { return d.String(10) }, "")
	check(t, "00000001 61000000", func(d *xdr.Decoder) any { return d.String(10) }, "a")
	check(t, "00000002 61620000", func(d *xdr.Decoder) any { return d.String(10) }, "ab")
	check(t, "00000003 61626300", func(d *xdr.Decoder) any { return d.String(10) }, "abc")
	check(t, "00000004 61626364", func(d *xdr.Decoder) any { return d.String(10) }, "abcd")
	check(t, "00000005 61626364 65000000", func(d *xdr.Decoder) any { return d.String(10) }, "abcde")
	check(t, "00000003 fffefd00", func(d *xdr.Decoder) any { return d.Opaque(10) }, []byte{0xff, 0xfe, 0xfd})
	check(t, "00000005 01020304 05000000", func(d *xdr.Decoder) any { return d.OpaqueView(10) }, []byte{1, 2, 3, 4, 5})
	check(t, "09080700", func(d *xdr.Decoder) any { b := make([]byte, 3); d.FixedOpaque(b); return b }, []byte{9, 8, 7})
	check(t, "00000003", func(d *xdr.Decoder) any { return d.ArrayLen(10, 0) }, 3)

	// Empty opaque data decodes as nil, which generated code relies on to
	// make empty and absent arrays compare equal.
	d := xdr.NewDecoder(unhex(t, "00000000"))
	if b := d.Opaque(10); b != nil || d.Finish() != nil {
		t.Fatalf("empty opaque: got %#v, err %v; want nil, nil", b, d.Finish())
	}
}

func TestDecoderCopiesOutOfInput(t *testing.T) {
	in := unhex(t, "00000003 61626300 00000002 01020000")
	d := xdr.NewDecoder(in)
	s := d.String(10)
	o := d.Opaque(10)
	if err := d.Finish(); err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 0xee
	}
	if s != "abc" || !bytes.Equal(o, []byte{1, 2}) {
		t.Fatalf("decoded values changed with the input: %q % x", s, o)
	}
}

func TestEncoderAppendsAndReuses(t *testing.T) {
	e := xdr.NewEncoder([]byte{0xaa})
	e.Uint32(1)
	if got, want := e.Bytes(), unhex(t, "aa 00000001"); !bytes.Equal(got, want) {
		t.Fatalf("got % x, want % x", got, want)
	}
	if e.Len() != 5 {
		t.Fatalf("Len = %d, want 5", e.Len())
	}

	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		e.Reset(buf[:0])
		e.String("abcde", 10)
		e.Uint64(7)
		e.Opaque([]byte{1, 2, 3}, 10)
		e.FixedOpaque([]byte{1})
	})
	if allocs != 0 {
		t.Fatalf("encoding into a buffer with room allocated %v times per run, want 0", allocs)
	}
	if e.Err() != nil || e.Len() != (4+8)+8+(4+4)+4 {
		t.Fatalf("after reuse: len %d err %v", e.Len(), e.Err())
	}
}
