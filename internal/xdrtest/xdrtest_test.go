package xdrtest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
)

// These tests feed the checks deliberately broken codecs to show that each
// check catches the fault it exists for.

// names is a correct codec: a variable array of strings and a trailing int.
type names struct {
	List []string
	N    int32
}

func (v *names) EncodeXDR(e *xdr.Encoder) {
	if e.ArrayLen(len(v.List), 100) {
		for _, s := range v.List {
			e.String(s, 100)
		}
	}
	e.Int32(v.N)
}

func (v *names) DecodeXDR(d *xdr.Decoder) { v.decode(d, 4) }

func (v *names) decode(d *xdr.Decoder, minSize int) {
	v.List = nil
	if n := d.ArrayLen(100, minSize); n > 0 {
		v.List = make([]string, n)
		for i := range v.List {
			v.List[i] = d.String(100)
		}
	}
	v.N = d.Int32()
}

// overGuarded claims each string needs at least 12 bytes, rejecting valid
// arrays of short strings.
type overGuarded names

func (v *overGuarded) EncodeXDR(e *xdr.Encoder) { (*names)(v).EncodeXDR(e) }
func (v *overGuarded) DecodeXDR(d *xdr.Decoder) { (*names)(v).decode(d, 12) }

// dropsField never decodes N.
type dropsField names

func (v *dropsField) EncodeXDR(e *xdr.Encoder) { (*names)(v).EncodeXDR(e) }
func (v *dropsField) DecodeXDR(d *xdr.Decoder) {
	(*names)(v).decode(d, 4)
	v.N = 0
}

// narrow encodes a 64-bit field as 32 bits, unlike go-xdr.
type narrow struct{ X int64 }

func (v *narrow) EncodeXDR(e *xdr.Encoder) { e.Int32(int32(v.X)) }
func (v *narrow) DecodeXDR(d *xdr.Decoder) { v.X = int64(d.Int32()) }

// greedy allocates a megabyte whatever the input.
type greedy struct{ B []byte }

func (v *greedy) EncodeXDR(e *xdr.Encoder) { e.Opaque(v.B, xdr.Unbounded) }
func (v *greedy) DecodeXDR(d *xdr.Decoder) {
	v.B = make([]byte, 1<<20)
	copy(v.B, d.Opaque(xdr.Unbounded))
}

// lenient masks a 32-bit word to 8 bits, so several inputs decode alike,
// as bools do (any non-zero word is true).
type lenient struct{ C uint8 }

func (v *lenient) EncodeXDR(e *xdr.Encoder) { e.Uint32(uint32(v.C)) }
func (v *lenient) DecodeXDR(d *xdr.Decoder) { v.C = uint8(d.Uint32()) }

// drifting encodes a value one higher than it decodes, so no encoding is
// stable under decode and encode.
type drifting struct{ C uint32 }

func (v *drifting) EncodeXDR(e *xdr.Encoder) { e.Uint32(v.C + 1) }
func (v *drifting) DecodeXDR(d *xdr.Decoder) { v.C = d.Uint32() }

func TestRoundTripCatchesMissingField(t *testing.T) {
	v := &dropsField{List: []string{"a"}, N: 5}
	if _, err := RoundTrip(v, new(dropsField)); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("RoundTrip error = %v, want a difference", err)
	}
	if _, err := RoundTrip(&names{List: []string{"a"}, N: 5}, new(names)); err != nil {
		t.Fatalf("correct codec failed: %v", err)
	}
}

func TestMinimalFillerCatchesOverestimatedGuard(t *testing.T) {
	m := NewMinimalFiller(nil, MinimalArrayLen)
	good, bad := new(names), new(overGuarded)
	if n, err := m.Fill(good, 0); err != nil || n != 1 {
		t.Fatalf("Fill = %d, %v; want 1 array", n, err)
	}
	if len(good.List) != MinimalArrayLen || good.List[0] != "" {
		t.Fatalf("minimal value %#v, want %d empty strings", good.List, MinimalArrayLen)
	}
	if _, err := RoundTrip(good, new(names)); err != nil {
		t.Fatalf("correct guard rejected a minimal value: %v", err)
	}
	if _, err := m.Fill(bad, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := RoundTrip(bad, new(overGuarded)); err == nil {
		t.Fatal("an over-estimated element size went unnoticed")
	}
}

func TestOracleCatchesDifferentEncoding(t *testing.T) {
	if err := CheckOracle(&narrow{X: 1 << 40}, new(narrow)); err == nil {
		t.Fatal("a 32-bit encoding of an int64 matched go-xdr")
	}
	if err := CheckOracle(&names{List: []string{"x", "yz"}, N: -3}, new(names)); err != nil {
		t.Fatalf("correct codec differs from go-xdr: %v", err)
	}
}

func TestOracleExclusions(t *testing.T) {
	type withPtr struct{ P *int32 }
	type union struct{ _ int32 }
	type withUnion struct{ U []union }
	unions := UnionMakers{reflect.TypeOf(union{}): nil}
	tests := []struct {
		t    reflect.Type
		want []string
	}{
		{reflect.TypeOf(names{}), nil},
		{reflect.TypeOf(withPtr{}), []string{ExcludeOptional}},
		{reflect.TypeOf(withUnion{}), []string{ExcludeUnion}},
	}
	for _, tc := range tests {
		if got := OracleExclusions(tc.t, unions); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.t, got, tc.want)
		}
	}
}

func TestCheckDecodeInputCatchesGreedyDecoder(t *testing.T) {
	in := []byte{0, 0, 0, 1, 7, 0, 0, 0}
	err := CheckDecodeInput(in, func() Codec { return new(greedy) })
	if err == nil || !strings.Contains(err.Error(), "allocated") {
		t.Fatalf("error = %v, want an allocation complaint", err)
	}
}

// A non-canonical input is fine (libtirpc's leniency), as long as the
// codec settles on one canonical encoding; a codec that never settles is
// caught.
func TestCheckDecodeInputCanonicalisation(t *testing.T) {
	newv := func() Codec { return new(lenient) }
	if err := CheckDecodeInput([]byte{0, 0, 0, 7}, newv); err != nil {
		t.Fatalf("canonical input rejected: %v", err)
	}
	if err := CheckDecodeInput([]byte{0, 0, 1, 7}, newv); err != nil {
		t.Fatalf("a non-canonical input with a stable re-encoding rejected: %v", err)
	}
	if err := CheckDecodeInput([]byte{0, 0, 0, 7}, func() Codec { return new(drifting) }); err == nil || !strings.Contains(err.Error(), "not stable") {
		t.Fatalf("error = %v, want the unstable re-encoding reported", err)
	}
	if err := CheckDecodeInput([]byte{0, 0}, newv); err != nil {
		t.Fatalf("a short input must be a classified error, got %v", err)
	}
}

func TestCheckTruncations(t *testing.T) {
	b, err := Encode(&names{List: []string{"abc", ""}, N: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckTruncations(b, func() Codec { return new(names) }); err != nil {
		t.Fatal(err)
	}
}

func TestFillerShapes(t *testing.T) {
	type inner struct{ S string }
	type shape struct {
		Bytes []byte
		Arr   [3]int8
		Ptr   *inner
		List  []inner
		F     float64
		B     bool
	}
	f := NewFiller(Seed, "shape", nil)
	var sawNilPtr, sawPtr, sawNilList, sawList bool
	for range 200 {
		var v shape
		if err := f.Fill(&v); err != nil {
			t.Fatal(err)
		}
		if v.Bytes != nil && len(v.Bytes) == 0 || v.List != nil && len(v.List) == 0 {
			t.Fatal("an empty slice must be nil")
		}
		if len(v.Bytes) > f.MaxLen || len(v.List) > f.MaxLen {
			t.Fatalf("length over MaxLen: %d, %d", len(v.Bytes), len(v.List))
		}
		if v.F != v.F {
			t.Fatal("NaN generated")
		}
		sawNilPtr = sawNilPtr || v.Ptr == nil
		sawPtr = sawPtr || v.Ptr != nil
		sawNilList = sawNilList || v.List == nil
		sawList = sawList || v.List != nil
	}
	if !sawNilPtr || !sawPtr || !sawNilList || !sawList {
		t.Fatalf("filler did not vary: nil ptr %v, ptr %v, nil list %v, list %v", sawNilPtr, sawPtr, sawNilList, sawList)
	}
	type hidden struct{ _ int }
	if err := f.Fill(&hidden{}); err == nil {
		t.Fatal("a struct with unexported fields that is not a union must be refused")
	}
}
