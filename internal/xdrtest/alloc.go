package xdrtest

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
)

// AllocBytesPerInputByte and AllocSlack define AllocBound.
//
// A decode allocates only for what it returns: the bytes of each string
// and opaque item (never more than the input holds), each optional value,
// and each slice of a variable-length array, whose count the decoder has
// checked against count*minSize <= remaining input. So the allocation per
// input byte is bounded by the largest ratio of an element's Go size to
// its smallest encoding. Over every array element type in the generated
// packages the worst case was TypedParam, at 80 bytes in Go when its union
// had a field per arm, against 12 bytes on the wire (empty name,
// discriminant, 4-byte arm): about 6.7, or 7.5 after rounding up to the
// allocator's size classes. The union now keeps its numeric arms in one
// shared word, which makes TypedParam 48 bytes (a 16-byte string header
// plus the 32-byte union), 4 per wire byte. Domain is 40 against 24,
// DomainStatsRecord 64 against 28, an optional string 16 against 8. Eight
// bytes per input byte covers them all with room to spare; the
// slack covers the fixed cost of building one error value. Nothing more
// is allowed after the first error: every later read returns a zero value
// and must not allocate.
const (
	AllocBytesPerInputByte = 8
	AllocSlack             = 2048
)

// AllocBound is the most heap memory a decode of n input bytes may use.
func AllocBound(n int) uint64 { return AllocBytesPerInputByte*uint64(n) + AllocSlack }

// HeapAllocated returns the heap bytes allocated while f runs
// (runtime.ReadMemStats flushes the per-P allocation caches, so the count
// is exact up to size classes). The count is process-wide: another
// goroutine allocating meanwhile is counted too, which MinHeapAllocated
// filters out.
func HeapAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// MinHeapAllocated runs f up to tries times and returns the smallest
// HeapAllocated, stopping early once it is at most bound. Other
// goroutines' allocations (a test's goroutines still winding down on a
// loaded machine) land in some measurements; an allocation f itself makes
// lands in all of them.
func MinHeapAllocated(tries int, bound uint64, f func()) uint64 {
	used := uint64(math.MaxUint64)
	for range tries {
		used = min(used, HeapAllocated(f))
		if used <= bound {
			break
		}
		runtime.Gosched()
	}
	return used
}

// decodeMeasured decodes data into a new value and reports d.Finish and
// the heap bytes allocated by the decode.
func decodeMeasured(data []byte, newv func() Codec) (v Codec, used uint64, err error) {
	used = MinHeapAllocated(11, AllocBound(len(data)), func() {
		v = newv()
		d := xdr.NewDecoder(data)
		v.DecodeXDR(d)
		err = d.Finish()
	})
	return v, used, err
}

// DecodeErrors are the sentinel errors a failed decode may wrap.
var DecodeErrors = []error{
	xdr.ErrShortBuffer, xdr.ErrTooLong,
	xdr.ErrBadDiscriminant, xdr.ErrTrailingData,
}

// CheckDecodeInput is the body of the decode fuzz targets. Decoding data
// into a new value must not panic (a panic fails the fuzz target by
// itself), must allocate no more than AllocBound(len(data)), and must
// either fail with one of DecodeErrors or succeed such that re-encoding
// the value gives its canonical encoding: as long as data, and unchanged
// by another decode and encode.
func CheckDecodeInput(data []byte, newv func() Codec) error {
	v, used, err := decodeMeasured(data, newv)
	if used > AllocBound(len(data)) {
		return fmt.Errorf("decode of %d bytes allocated %d bytes, bound %d", len(data), used, AllocBound(len(data)))
	}
	if err != nil {
		for _, s := range DecodeErrors {
			if errors.Is(err, s) {
				return nil
			}
		}
		return fmt.Errorf("decode failed with an unclassified error: %v", err)
	}
	again, err := Encode(v)
	if err != nil {
		return fmt.Errorf("re-encoding a decoded value failed: %w", err)
	}
	// The decoder is as lenient as libtirpc (any non-zero bool is true,
	// padding is not read), so the input may be a non-canonical encoding;
	// the re-encoding must be the canonical one: as long as the input, and
	// a fixed point of decode and encode.
	if len(again) != len(data) {
		return fmt.Errorf("re-encoding is %d bytes, input %d:\n input % x\n again % x", len(again), len(data), data, again)
	}
	v2 := newv()
	if err := Decode(again, v2); err != nil {
		return fmt.Errorf("decoding the re-encoding failed: %w", err)
	}
	third, err := Encode(v2)
	if err != nil {
		return fmt.Errorf("re-encoding twice failed: %w", err)
	}
	if !bytes.Equal(third, again) {
		return fmt.Errorf("re-encoding is not stable:\n once  % x\n twice % x", again, third)
	}
	return nil
}

// Seeds returns the encodings of count random values of the type made by
// newv, for use as a fuzz seed corpus.
func Seeds(name string, newv func() Codec, unions UnionMakers, count int) ([][]byte, error) {
	f := NewFiller(1, name, unions)
	var out [][]byte
	for range count {
		v := newv()
		if err := f.Fill(v); err != nil {
			return nil, err
		}
		b, err := Encode(v)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// FuzzDecode seeds f with the encodings of random values of the type newv
// makes, plus extra, and fuzzes CheckDecodeInput over it.
func FuzzDecode(f *testing.F, name string, newv func() Codec, unions UnionMakers, extra ...[]byte) {
	seeds, err := Seeds(name, newv, unions, 16)
	if err != nil {
		f.Fatalf("seeding %s: %v", name, err)
	}
	for _, s := range append(seeds, extra...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := CheckDecodeInput(data, newv); err != nil {
			t.Fatal(err)
		}
	})
}
