package xdrtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
)

// ForgedCount checks one variable-length array of a type: it forges an
// input whose count claims one element more than the bytes after it can
// hold at the element's smallest encoding, and requires the decoder to
// refuse it with its allocation guard, before making the slice.
//
// The smallest element encoding is measured, not taken from the decoder:
// it is the growth of the type's minimal encoding (MinimalFiller) from
// MinimalArrayLen-1 to MinimalArrayLen elements. A guard using a smaller
// minimum would accept the input and allocate the slice first; RunMinimal
// catches a larger one. The input's trailing bytes are chosen so that any
// smaller minimum accepts the count.
//
// It returns false when the array has no guard to check: byte arrays
// (opaque data, whose length check is the decoder's Opaque) and elements
// with an empty encoding.
func ForgedCount(typ Type, unions UnionMakers, target int) (checked bool, err error) {
	enc := func(n int) ([]byte, error) {
		v := typ.New()
		if _, err := NewMinimalFiller(unions, n).Fill(v, target); err != nil {
			return nil, err
		}
		return Encode(v)
	}
	short, err := enc(MinimalArrayLen - 1)
	if err != nil {
		return false, err
	}
	full, err := enc(MinimalArrayLen)
	if err != nil {
		return false, err
	}
	minSize := len(full) - len(short)
	if minSize <= 0 {
		// Opaque data: 7 and 8 bytes pad to the same length.
		return false, nil
	}
	// The encodings agree up to the count, whose last byte is 7 in one
	// and 8 in the other.
	diff := 0
	for diff < len(short) && short[diff] == full[diff] {
		diff++
	}
	at := diff - 3
	if at < 0 || binary.BigEndian.Uint32(full[at:]) != MinimalArrayLen {
		return false, fmt.Errorf("array %d: cannot find its count in % x", target, full)
	}
	rest := len(full) - at - 4
	pad := (minSize - 1 - rest%minSize + minSize) % minSize
	remain := rest + pad
	count := (remain + 1) / minSize // count*minSize == remain+1
	forged := bytes.Clone(full[:at])
	forged = binary.BigEndian.AppendUint32(forged, uint32(count))
	forged = append(forged, full[at+4:]...)
	forged = append(forged, make([]byte, pad)...)

	derr := Decode(forged, typ.New())
	want := fmt.Sprintf("array of %d elements needs at least %d bytes, %d remain", count, count*minSize, remain)
	if !errors.Is(derr, xdr.ErrTooLong) || !strings.Contains(derr.Error(), want) {
		return true, fmt.Errorf("array %d (elements of at least %d bytes): count %d with %d bytes left: got error %v, want the allocation guard's %q",
			target, minSize, count, remain, derr, want)
	}
	return true, nil
}

// RunForgedCounts runs ForgedCount on every variable-length array
// reachable in every type. It returns how many arrays were checked.
func RunForgedCounts(t *testing.T, types []Type, unions UnionMakers) int {
	t.Helper()
	checked := 0
	for _, typ := range types {
		t.Run(typ.Name, func(t *testing.T) {
			for target := 0; ; target++ {
				arrays, err := NewMinimalFiller(unions, 1).Fill(typ.New(), target)
				if err != nil {
					t.Fatalf("fill: %v", err)
				}
				if target >= arrays {
					return
				}
				ok, err := ForgedCount(typ, unions, target)
				if err != nil {
					t.Error(err)
				}
				if ok {
					checked++
				}
			}
		})
	}
	return checked
}
