package xdr_test

import (
	"bytes"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
)

func TestEncodeBounds(t *testing.T) {
	tests := []struct {
		name    string
		enc     func(e *xdr.Encoder)
		wantErr error
		want    string
	}{
		{"string at max", func(e *xdr.Encoder) { e.String("abcd", 4) }, nil, "00000004 61626364"},
		{"string over max", func(e *xdr.Encoder) { e.String("abcde", 4) }, xdr.ErrTooLong, ""},
		{"opaque at max", func(e *xdr.Encoder) { e.Opaque([]byte{1, 2}, 2) }, nil, "00000002 01020000"},
		{"opaque over max", func(e *xdr.Encoder) { e.Opaque([]byte{1, 2, 3}, 2) }, xdr.ErrTooLong, ""},
		{"array at max", func(e *xdr.Encoder) { e.ArrayLen(4, 4) }, nil, "00000004"},
		{"array over max", func(e *xdr.Encoder) { e.ArrayLen(5, 4) }, xdr.ErrTooLong, ""},
		{"fixed length match", func(e *xdr.Encoder) { e.FixedLen(3, 3) }, nil, ""},
		{"fixed length mismatch", func(e *xdr.Encoder) { e.FixedLen(2, 3) }, xdr.ErrFixedLength, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := encodeWith(tc.enc)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if want := unhex(t, tc.want); !bytes.Equal(got, want) {
				t.Fatalf("bytes = % x, want % x (nothing is written on error)", got, want)
			}
		})
	}
}

func TestEncoderReportsWhetherToContinue(t *testing.T) {
	e := xdr.NewEncoder(nil)
	if !e.ArrayLen(2, 2) || !e.FixedLen(2, 2) || !e.Optional(true) {
		t.Fatal("valid lengths and a present flag must let the caller go on")
	}
	if e.Optional(false) {
		t.Fatal("an absent flag must not let the caller go on")
	}
	if e.ArrayLen(3, 2) {
		t.Fatal("an over-long array must stop the caller")
	}
	if e.Optional(true) || e.ArrayLen(0, 2) || e.FixedLen(1, 1) {
		t.Fatal("after an error nothing may go on")
	}
}

func TestEncoderErrorIsSticky(t *testing.T) {
	e := xdr.NewEncoder(nil)
	e.Uint32(1)
	e.String("toolong", 3)
	first := e.Err()
	e.Uint32(2)
	e.String("ok", 3)
	e.Opaque([]byte{1}, 3)
	e.FixedOpaque([]byte{1})
	e.Uint64(3)
	e.SetErr(xdr.ErrBadDiscriminant)
	if !errors.Is(e.Err(), xdr.ErrTooLong) || e.Err() != first {
		t.Fatalf("Err = %v, want the first error %v", e.Err(), first)
	}
	if got, want := e.Bytes(), unhex(t, "00000001"); !bytes.Equal(got, want) {
		t.Fatalf("bytes = % x, want % x: writes after an error must be dropped", got, want)
	}
	e.Reset(nil)
	if e.Err() != nil || e.Len() != 0 {
		t.Fatalf("Reset must clear the error and buffer, got %v, %d bytes", e.Err(), e.Len())
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		read func(d *xdr.Decoder)
		want error
	}{
		{"string over max", "00000005 61626364 65000000", func(d *xdr.Decoder) { d.String(4) }, xdr.ErrTooLong},
		{"opaque over max", "00000003 01020300", func(d *xdr.Decoder) { d.Opaque(2) }, xdr.ErrTooLong},
		{"opaque view over max", "00000003 01020300", func(d *xdr.Decoder) { d.OpaqueView(2) }, xdr.ErrTooLong},
		{"array over max", "00000005", func(d *xdr.Decoder) { d.ArrayLen(4, 0) }, xdr.ErrTooLong},
		{"array count beyond input", "00000003 00000000 00000000", func(d *xdr.Decoder) { d.ArrayLen(10, 4) }, xdr.ErrTooLong},
		{"uint32 from 3 bytes", "010203", func(d *xdr.Decoder) { d.Uint32() }, xdr.ErrShortBuffer},
		{"uint32 from nothing", "", func(d *xdr.Decoder) { d.Uint32() }, xdr.ErrShortBuffer},
		{"uint64 from 7 bytes", "01020304 050607", func(d *xdr.Decoder) { d.Uint64() }, xdr.ErrShortBuffer},
		{"double from 4 bytes", "3ff80000", func(d *xdr.Decoder) { d.Float64() }, xdr.ErrShortBuffer},
		{"string missing padding", "00000005 61626364 65", func(d *xdr.Decoder) { d.String(10) }, xdr.ErrShortBuffer},
		{"string missing bytes", "00000004 616263", func(d *xdr.Decoder) { d.String(10) }, xdr.ErrShortBuffer},
		{"opaque missing length", "0000", func(d *xdr.Decoder) { d.Opaque(10) }, xdr.ErrShortBuffer},
		{"fixed opaque short", "00112233 44556677 8899aabb ccddee", func(d *xdr.Decoder) { d.FixedOpaque(make([]byte, 16)) }, xdr.ErrShortBuffer},
		{"fixed opaque missing padding", "010203", func(d *xdr.Decoder) { d.FixedOpaque(make([]byte, 3)) }, xdr.ErrShortBuffer},
		{"fixed array beyond input", "00000000 00000000", func(d *xdr.Decoder) {
			if d.FixedArrayLen(3, 4) {
				t.Error("FixedArrayLen allowed 3 four-byte elements in 8 bytes")
			}
		}, xdr.ErrShortBuffer},
		{"trailing bytes", "00000001 00000002", func(d *xdr.Decoder) { d.Uint32() }, xdr.ErrTrailingData},
		{"trailing partial word", "00000001 02", func(d *xdr.Decoder) { d.Uint32() }, xdr.ErrTrailingData},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := xdr.NewDecoder(unhex(t, tc.in))
			tc.read(d)
			if err := d.Finish(); !errors.Is(err, tc.want) {
				t.Fatalf("Finish() = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDecoderErrorIsSticky(t *testing.T) {
	d := xdr.NewDecoder(unhex(t, "00000005 00000007 00000001 61000000"))
	if s := d.String(4); s != "" || !errors.Is(d.Err(), xdr.ErrTooLong) {
		t.Fatalf("string over its bound: got %q, %v", s, d.Err())
	}
	first := d.Err()
	off := d.Offset()
	if v := d.Uint32(); v != 0 {
		t.Fatalf("read after error returned %d, want 0", v)
	}
	if s := d.String(10); s != "" {
		t.Fatalf("read after error returned %q, want empty", s)
	}
	if n := d.ArrayLen(10, 0); n != 0 {
		t.Fatalf("ArrayLen after error returned %d, want 0", n)
	}
	if d.FixedArrayLen(1, 4) {
		t.Fatal("FixedArrayLen after error let the caller go on")
	}
	d.SetErr(xdr.ErrTooLong)
	if d.Err() != first || d.Offset() != off || d.Finish() != first {
		t.Fatalf("after more reads: err %v offset %d, want first error %v at offset %d", d.Err(), d.Offset(), first, off)
	}
	d.Reset(unhex(t, "00000001"))
	if !d.Bool() || d.Finish() != nil {
		t.Fatalf("Reset must clear the error: %v", d.Finish())
	}
}

func TestDecoderRemainingAndOffset(t *testing.T) {
	d := xdr.NewDecoder(unhex(t, "00000001 00000002 03"))
	d.Uint32()
	if d.Offset() != 4 || d.Remaining() != 5 {
		t.Fatalf("offset %d remaining %d, want 4 and 5", d.Offset(), d.Remaining())
	}
	d.Uint32()
	if err := d.Finish(); !errors.Is(err, xdr.ErrTrailingData) {
		t.Fatalf("Finish() = %v, want trailing data", err)
	}
}

// heapPerRun returns the heap bytes fn allocates per call, averaged over
// runs calls (runtime.ReadMemStats flushes the allocation caches, so this is
// exact up to size-class rounding).
func heapPerRun(runs int, fn func()) float64 {
	fn() // warm up
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		fn()
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / float64(runs)
}

// errorAllocs bounds what a failed read may allocate: building the error
// value (about five allocations in fmt.Errorf, one more when the race
// detector's sync.Pool drops fmt's printer), and nothing proportional to
// the forged length.
const (
	errorAllocs = 8
	errorBytes  = 512
)

func TestDecoderAllocationGuard(t *testing.T) {
	tests := []struct {
		name string
		in   string
		read func(d *xdr.Decoder) int
		want error
	}{
		// A count of 2^31 four-byte elements with 8 bytes left: the
		// generated code makes a slice only when ArrayLen returns n > 0.
		{"array count 2^31", "80000000 00000000 00000000", func(d *xdr.Decoder) int {
			n := d.ArrayLen(xdr.Unbounded, 4)
			if n > 0 {
				return len(make([]uint32, n))
			}
			return n
		}, xdr.ErrTooLong},
		{"array count within bound but beyond input", "00004000 00000000 00000000", func(d *xdr.Decoder) int {
			n := d.ArrayLen(16384, 24)
			if n > 0 {
				return len(make([][24]byte, n))
			}
			return n
		}, xdr.ErrTooLong},
		{"string length 2^31-1", "7fffffff 61626364 65666768", func(d *xdr.Decoder) int {
			return len(d.String(xdr.Unbounded))
		}, xdr.ErrShortBuffer},
		{"opaque length 2^31-1", "7fffffff 61626364 65666768", func(d *xdr.Decoder) int {
			return len(d.Opaque(xdr.Unbounded))
		}, xdr.ErrShortBuffer},
		{"string length 2^32-1", "ffffffff 61626364 65666768", func(d *xdr.Decoder) int {
			return len(d.String(xdr.Unbounded))
		}, xdr.ErrShortBuffer},
		{"opaque length 2^32-2", "fffffffe 61626364 65666768", func(d *xdr.Decoder) int {
			return len(d.Opaque(xdr.Unbounded))
		}, xdr.ErrShortBuffer},
		{"string length 2^32-3", "fffffffd 61626364 65666768", func(d *xdr.Decoder) int {
			return len(d.String(xdr.Unbounded))
		}, xdr.ErrShortBuffer},
		{"string length 2^31 over a bound", "80000000 61626364 65666768", func(d *xdr.Decoder) int {
			return len(d.String(4194304))
		}, xdr.ErrTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := unhex(t, tc.in)
			d := xdr.NewDecoder(in)
			if n := tc.read(d); n != 0 {
				t.Fatalf("read returned %d elements from a %d-byte input", n, len(in))
			}
			if err := d.Err(); !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			run := func() {
				d.Reset(in)
				tc.read(d)
			}
			if allocs := testing.AllocsPerRun(100, run); allocs > errorAllocs {
				t.Errorf("%v allocations per failed read, want at most %d", allocs, errorAllocs)
			}
			if b := heapPerRun(100, run); b > errorBytes {
				t.Errorf("%.0f heap bytes per failed read, want at most %d", b, errorBytes)
			}
		})
	}
}

func TestUnboundedIsLargestLength(t *testing.T) {
	if xdr.Unbounded != math.MaxUint32 {
		t.Fatalf("Unbounded = %d, want %d", uint64(xdr.Unbounded), uint64(math.MaxUint32))
	}
}

// Decoded strings share one copy of a small input, never the input itself:
// the caller may reuse its buffer.
func TestDecodedStringsDoNotAliasInput(t *testing.T) {
	var e xdr.Encoder
	e.String("alpha", 16)
	e.String("beta", 16)
	buf := append([]byte(nil), e.Bytes()...)
	d := xdr.NewDecoder(buf)
	a, b := d.String(16), d.String(16)
	if err := d.Finish(); err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'x'
	}
	if a != "alpha" || b != "beta" {
		t.Fatalf("strings changed with the input: %q %q", a, b)
	}
	if n := testing.AllocsPerRun(50, func() {
		d.Reset(e.Bytes())
		d.String(16)
		d.String(16)
	}); n != 1 {
		t.Fatalf("%v allocations for two strings of a small input, want 1 shared copy", n)
	}
}

// Above xdr.SharedStringMax each string is copied on its own, so a kept string
// does not pin a large message.
func TestLargeInputCopiesEachString(t *testing.T) {
	var e xdr.Encoder
	e.Opaque(make([]byte, xdr.SharedStringMax), xdr.Unbounded)
	e.String("kept", 16)
	d := xdr.NewDecoder(e.Bytes())
	d.OpaqueView(xdr.Unbounded)
	var s string
	if n := testing.AllocsPerRun(20, func() {
		d.Reset(e.Bytes())
		d.OpaqueView(xdr.Unbounded)
		s = d.String(16)
	}); n != 1 || s != "kept" {
		t.Fatalf("%v allocations, %q; want one 4-byte copy", n, s)
	}
}

// String checks its common case inline and hands everything else to the
// general code; this runs every length up to two words with every padding
// byte zero and then each one set (libtirpc ignores padding, so must we),
// so both paths agree on what is valid.
func TestStringPaddingEveryLengthAndByte(t *testing.T) {
	for n := 0; n <= 8; n++ {
		s := strings.Repeat("z", n)
		var e xdr.Encoder
		e.String(s, 8)
		good := e.Bytes()
		d := xdr.NewDecoder(good)
		if got := d.String(8); got != s || d.Finish() != nil {
			t.Fatalf("len %d: got %q, %v", n, got, d.Finish())
		}
		for i := 4 + n; i < len(good); i++ {
			bad := append([]byte(nil), good...)
			bad[i] = 0x01
			d := xdr.NewDecoder(bad)
			if got := d.String(8); got != s || d.Finish() != nil {
				t.Fatalf("len %d, padding byte %d set: got %q, %v; want %q as libtirpc reads it", n, i-4-n, got, d.Finish(), s)
			}
		}
		// At and over the bound.
		d = xdr.NewDecoder(good)
		if d.String(uint32(n)); d.Finish() != nil {
			t.Fatalf("len %d at its bound: %v", n, d.Finish())
		}
		if n > 0 {
			d = xdr.NewDecoder(good)
			if d.String(uint32(n - 1)); !errors.Is(d.Finish(), xdr.ErrTooLong) {
				t.Fatalf("len %d over bound %d: %v", n, n-1, d.Finish())
			}
		}
		// Every strict prefix is short.
		for cut := range len(good) {
			d := xdr.NewDecoder(good[:cut])
			if got := d.String(8); got != "" || !errors.Is(d.Finish(), xdr.ErrShortBuffer) {
				t.Fatalf("len %d cut to %d bytes: got %q, %v", n, cut, got, d.Finish())
			}
		}
	}
}

// Strings after a prefix are sliced out of the shared copy at the right
// offsets (the copy starts at the first string, not at the input's start).
func TestSharedStringsAfterPrefix(t *testing.T) {
	var e xdr.Encoder
	e.Uint64(7)
	e.String("first", 16)
	e.Uint32(9)
	e.String("", 16)
	e.String("second!", 16)
	d := xdr.NewDecoder(e.Bytes())
	if d.Uint64() != 7 || d.String(16) != "first" || d.Uint32() != 9 ||
		d.String(16) != "" || d.String(16) != "second!" || d.Finish() != nil {
		t.Fatalf("bad decode: %v", d.Finish())
	}
}

func TestFixedView(t *testing.T) {
	d := xdr.NewDecoder([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	if b := d.FixedView(4); string(b) != "\x01\x02\x03\x04" || d.Offset() != 4 {
		t.Fatalf("FixedView(4) = % x at offset %d", b, d.Offset())
	}
	if b := d.FixedView(8); b != nil {
		t.Fatalf("FixedView(8) with 4 bytes left = % x, want nil", b)
	}
	if b := d.FixedView(4); b != nil {
		t.Fatalf("FixedView after a short read = % x, want nil", b)
	}
	if err := d.Err(); !errors.Is(err, xdr.ErrShortBuffer) || !strings.Contains(err.Error(), "need 8 bytes at offset 4") {
		t.Fatalf("error %v, want the first short read", err)
	}
	d = xdr.NewDecoder(nil)
	if b := d.FixedView(0); len(b) != 0 || d.Finish() != nil {
		t.Fatalf("FixedView(0) = % x, %v", b, d.Finish())
	}
}
