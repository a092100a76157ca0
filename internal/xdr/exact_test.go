package xdr_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
)

// Every length check accepts a value that exactly fills its bound or the
// rest of the input, and refuses one byte or element more.
func TestDecodeExactFit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		read func(d *xdr.Decoder) any
		want any
	}{
		{"array count at its bound", "00000004", func(d *xdr.Decoder) any { return d.ArrayLen(4, 0) }, 4},
		{"array count filling the input", "00000002 00000007 00000008", func(d *xdr.Decoder) any {
			n := d.ArrayLen(10, 4)
			d.Uint32()
			d.Uint32()
			return n
		}, 2},
		{"fixed view of the whole rest", "00000001 02030405", func(d *xdr.Decoder) any {
			d.Uint32()
			return string(d.FixedView(4))
		}, "\x02\x03\x04\x05"},
		{"fixed array filling the input", "00000001 00000002", func(d *xdr.Decoder) any {
			ok := d.FixedArrayLen(2, 4)
			d.Uint64()
			return ok
		}, true},
		{"fixed opaque filling the input after a prefix", "00000009 0a0b0c00", func(d *xdr.Decoder) any {
			d.Uint32()
			b := make([]byte, 3)
			d.FixedOpaque(b)
			return string(b)
		}, "\x0a\x0b\x0c"},
		{"fixed opaque of a word filling the input after a prefix", "00000009 0a0b0c0d", func(d *xdr.Decoder) any {
			d.Uint32()
			b := make([]byte, 4)
			d.FixedOpaque(b)
			return string(b)
		}, "\x0a\x0b\x0c\x0d"},
		{"string at its bound, filling the input", "00000005 68656c6c 6f000000", func(d *xdr.Decoder) any { return d.String(5) }, "hello"},
		{"opaque at its bound, filling the input", "00000005 68656c6c 6f000000", func(d *xdr.Decoder) any { return string(d.Opaque(5)) }, "hello"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := xdr.NewDecoder(unhex(t, tc.in))
			got := tc.read(d)
			if err := d.Finish(); err != nil || got != tc.want {
				t.Fatalf("got %#v, %v; want %#v, nil", got, err, tc.want)
			}
		})
	}
}

// A short read after a prefix is caught where it happens (the offset
// counts), and the error says what was needed and what was left.
func TestDecodeShortAfterPrefix(t *testing.T) {
	tests := []struct {
		name, in string
		read     func(d *xdr.Decoder)
		msg      string
	}{
		{"fixed opaque with padding", "00000009 0a0b", func(d *xdr.Decoder) {
			d.Uint32()
			d.FixedOpaque(make([]byte, 3))
		}, "need 4 bytes at offset 4, have 2"},
		{"fixed opaque of a word", "00000009 0a0b0c", func(d *xdr.Decoder) {
			d.Uint32()
			d.FixedOpaque(make([]byte, 4))
		}, "need 4 bytes at offset 4, have 3"},
		{"fixed array", "00000009 00000001 000000", func(d *xdr.Decoder) {
			d.Uint32()
			if d.FixedArrayLen(2, 4) {
				t.Error("FixedArrayLen allowed 8 bytes of elements in 7")
			}
		}, "need 8 bytes at offset 4, have 7"},
		{"hyper", "00000009 00000001", func(d *xdr.Decoder) {
			d.Uint32()
			d.Uint64()
		}, "need 8 bytes at offset 4, have 4"},
		{"string", "00000009 00000006 6162", func(d *xdr.Decoder) {
			d.Uint32()
			d.String(10)
		}, "need 8 bytes at offset 8, have 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := xdr.NewDecoder(unhex(t, tc.in))
			tc.read(d)
			err := d.Finish()
			if !errors.Is(err, xdr.ErrShortBuffer) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Finish() = %v, want ErrShortBuffer saying %q", err, tc.msg)
			}
		})
	}
}

// The array guard's error says how many bytes the count needs.
func TestArrayGuardMessage(t *testing.T) {
	d := xdr.NewDecoder(unhex(t, "00000003 00000000 00000000"))
	if n := d.ArrayLen(10, 4); n != 0 {
		t.Fatalf("ArrayLen = %d, want 0", n)
	}
	err := d.Err()
	if !errors.Is(err, xdr.ErrTooLong) || !strings.Contains(err.Error(), "array of 3 elements needs at least 12 bytes, 8 remain") {
		t.Fatalf("error %v", err)
	}
}

// An input of exactly SharedStringMax bytes still shares one copy among
// its strings; one byte more and each string is copied on its own.
func TestSharedStringMaxIsInclusive(t *testing.T) {
	build := func(size int) []byte {
		var e xdr.Encoder
		e.String("one", 16)
		e.String("two", 16)
		e.Opaque(make([]byte, size-e.Len()-4), xdr.Unbounded)
		if e.Len() != size {
			t.Fatalf("built %d bytes, want %d", e.Len(), size)
		}
		return e.Bytes()
	}
	for _, c := range []struct {
		size   int
		allocs float64
	}{
		{xdr.SharedStringMax, 1},
		{xdr.SharedStringMax + 4, 2},
	} {
		in := build(c.size)
		d := xdr.NewDecoder(in)
		var a, b string
		n := testing.AllocsPerRun(20, func() {
			d.Reset(in)
			a, b = d.String(16), d.String(16)
			d.OpaqueView(xdr.Unbounded)
		})
		if a != "one" || b != "two" || d.Finish() != nil || n != c.allocs {
			t.Fatalf("%d-byte input: %q %q %v, %v allocations; want %v", c.size, a, b, d.Finish(), n, c.allocs)
		}
	}
}
