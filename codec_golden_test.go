package libvirt

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
	"github.com/virtwire/libvirt/internal/xdrtest"
)

// goldenHex turns a hex listing with spaces, newlines and "#" comments into
// bytes.
func goldenHex(t *testing.T, s string) []byte {
	t.Helper()
	var clean strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		clean.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(clean.String())
	if err != nil {
		t.Fatalf("bad golden hex: %v", err)
	}
	return b
}

// checkGolden requires v to encode to exactly the golden bytes and the
// golden bytes to decode into a value deeply equal to v.
func checkGolden(t *testing.T, v, fresh xdrtest.Codec, golden string) {
	t.Helper()
	want := goldenHex(t, golden)
	got, err := xdrtest.Encode(v)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding differs:\n got  % x\n want % x", got, want)
	}
	if err := xdrtest.Decode(want, fresh); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !reflect.DeepEqual(fresh, v) {
		t.Fatalf("decoded %#v, want %#v", fresh, v)
	}
}

var goldenUUID = UUID{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}

const goldenDomainHex = `
	00000003 646f6d00                    # name: length 3, "dom", 1 byte of padding
	00112233 44556677 8899aabb ccddeeff  # uuid: 16 bytes of fixed opaque, no length word
	00000007                             # id 7
`

func TestCodecGoldenDomain(t *testing.T) {
	checkGolden(t, &Domain{Name: "dom", UUID: goldenUUID, ID: 7}, new(Domain), goldenDomainHex)
}

func TestCodecGoldenOptionalString(t *testing.T) {
	t.Run("absent", func(t *testing.T) {
		checkGolden(t, &connectOpenArgs{Name: nil, Flags: 1}, new(connectOpenArgs), `
			00000000  # name: absent
			00000001  # flags 1
		`)
	})
	t.Run("present", func(t *testing.T) {
		name := "test:///default"
		v := &connectOpenArgs{Name: &name, Flags: 1}
		fresh := new(connectOpenArgs)
		checkGolden(t, v, fresh, `
			00000001                             # name: present
			0000000f                             # length 15
			74657374 3a2f2f2f 64656661 756c7400  # "test:///default" + 1 byte of padding
			00000001                             # flags 1
		`)
		if fresh.Name == &name {
			t.Fatal("decoded pointer aliases the original")
		}
	})
}

func TestCodecGoldenOptionalStruct(t *testing.T) {
	msg := "boom"
	v := &RemoteError{
		Code: 42, Domain: 10, Message: &msg, Level: 2,
		Dom:  &Domain{Name: "dom", UUID: goldenUUID, ID: 7},
		Int1: -1,
	}
	checkGolden(t, v, new(RemoteError), `
		0000002a                    # code 42
		0000000a                    # domain 10
		00000001 00000004 626f6f6d  # message: present, length 4, "boom" (no padding)
		00000002                    # level 2
		00000001                    # dom: present, then the Domain
	`+goldenDomainHex+`
		00000000                    # str1: absent
		00000000                    # str2: absent
		00000000                    # str3: absent
		ffffffff                    # int1 -1
		00000000                    # int2 0
		00000000                    # net: absent
	`)
}

func TestCodecGoldenTypedParamArms(t *testing.T) {
	tests := []struct {
		name   string
		param  TypedParam
		golden string
		check  func(v TypedParamValue) bool
	}{
		{"int", TypedParam{Field: "i", Value: NewTypedParamValueInt(-2)}, `
			00000001 69000000  # field "i"
			00000001           # discriminant VIR_TYPED_PARAM_INT
			fffffffe           # int -2
		`, func(v TypedParamValue) bool { x, ok := v.AsInt(); return ok && x == -2 }},
		{"uint", TypedParam{Field: "u", Value: NewTypedParamValueUint(3000000000)}, `
			00000001 75000000  # field "u"
			00000002           # VIR_TYPED_PARAM_UINT
			b2d05e00           # 3000000000
		`, func(v TypedParamValue) bool { x, ok := v.AsUint(); return ok && x == 3000000000 }},
		{"llong", TypedParam{Field: "l", Value: NewTypedParamValueLlong(-1)}, `
			00000001 6c000000  # field "l"
			00000003           # VIR_TYPED_PARAM_LLONG
			ffffffff ffffffff  # hyper -1
		`, func(v TypedParamValue) bool { x, ok := v.AsLlong(); return ok && x == -1 }},
		{"ullong", TypedParam{Field: "ul", Value: NewTypedParamValueUllong(1<<40 + 5)}, `
			00000002 756c0000  # field "ul" + 2 bytes of padding
			00000004           # VIR_TYPED_PARAM_ULLONG
			00000100 00000005  # 2^40 + 5
		`, func(v TypedParamValue) bool { x, ok := v.AsUllong(); return ok && x == 1<<40+5 }},
		{"double", TypedParam{Field: "d", Value: NewTypedParamValueDouble(0.5)}, `
			00000001 64000000  # field "d"
			00000005           # VIR_TYPED_PARAM_DOUBLE
			3fe00000 00000000  # IEEE 754 0.5
		`, func(v TypedParamValue) bool { x, ok := v.AsDouble(); return ok && x == 0.5 }},
		{"boolean", TypedParam{Field: "b", Value: NewTypedParamValueBoolean(1)}, `
			00000001 62000000  # field "b"
			00000006           # VIR_TYPED_PARAM_BOOLEAN
			00000001           # true, as an int
		`, func(v TypedParamValue) bool { x, ok := v.AsBoolean(); return ok && x == 1 }},
		{"string", TypedParam{Field: "s", Value: NewTypedParamValueString("hello")}, `
			00000001 73000000           # field "s"
			00000007                    # VIR_TYPED_PARAM_STRING
			00000005 68656c6c 6f000000  # "hello" + 3 bytes of padding
		`, func(v TypedParamValue) bool { x, ok := v.AsString(); return ok && x == "hello" }},
	}
	seen := map[TypedParameterType]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fresh := new(TypedParam)
			checkGolden(t, &tc.param, fresh, tc.golden)
			if !tc.check(fresh.Value) {
				t.Fatalf("accessor disagrees with the decoded value %#v", fresh.Value.Value())
			}
			if fresh.Value.Type() != tc.param.Value.Type() {
				t.Fatalf("Type() = %v, want %v", fresh.Value.Type(), tc.param.Value.Type())
			}
		})
		seen[tc.param.Value.Type()] = true
	}
	if len(seen) != 7 {
		t.Fatalf("covered %d arms, want all 7", len(seen))
	}
}

func TestCodecGoldenAllDomainStats(t *testing.T) {
	v := &connectGetAllDomainStatsRet{RetStats: []DomainStatsRecord{
		{
			Dom: Domain{Name: "dom", UUID: goldenUUID, ID: 7},
			Params: []TypedParam{
				{Field: "state.state", Value: NewTypedParamValueInt(1)},
				{Field: "cpu.time", Value: NewTypedParamValueUllong(123456789)},
			},
		},
		{
			Dom:    Domain{Name: "b", UUID: UUID{15: 1}, ID: -1},
			Params: nil,
		},
	}}
	checkGolden(t, v, new(connectGetAllDomainStatsRet), `
		00000002                             # ret_stats: 2 records
		# record 0
	`+goldenDomainHex+`
		00000002                             # params: 2 entries
		0000000b 73746174 652e7374 61746500  # field "state.state" (11 bytes + 1 of padding)
		00000001 00000001                    # VIR_TYPED_PARAM_INT, 1
		00000008 6370752e 74696d65           # field "cpu.time" (8 bytes, no padding)
		00000004 00000000 075bcd15           # VIR_TYPED_PARAM_ULLONG, 123456789
		# record 1
		00000001 62000000                    # name "b"
		00000000 00000000 00000000 00000001  # uuid
		ffffffff                             # id -1
		00000000                             # params: empty (decodes as nil)
	`)
}

// TypedParamValue keeps every numeric arm in one shared word, so these
// tests check what that layout must not change: each accessor answers only
// for its own arm, extreme values survive a round trip bit for bit, and a
// decoded value equals the one its constructor builds.
func TestTypedParamValueSharedWord(t *testing.T) {
	values := []TypedParamValue{
		NewTypedParamValueInt(math.MinInt32),
		NewTypedParamValueInt(-1),
		NewTypedParamValueUint(math.MaxUint32),
		NewTypedParamValueLlong(math.MinInt64),
		NewTypedParamValueUllong(math.MaxUint64),
		NewTypedParamValueDouble(math.Copysign(0, -1)),
		NewTypedParamValueDouble(math.Float64frombits(0x7ff8000000000001)), // NaN with a payload
		NewTypedParamValueBoolean(-7),
		NewTypedParamValueString("s"),
	}
	for _, v := range values {
		enc, err := xdrtest.Encode(&v)
		if err != nil {
			t.Fatalf("%v: %v", v.Type(), err)
		}
		// Decode over a value holding another arm: nothing of it may remain.
		got := NewTypedParamValueString("left over")
		if v.Type() == TypedParamString {
			got = NewTypedParamValueUllong(42)
		}
		if err := xdrtest.Decode(enc, &got); err != nil {
			t.Fatalf("%v: %v", v.Type(), err)
		}
		if got != v {
			t.Errorf("%v: decoded %#v, want %#v", v.Type(), got, v)
		}
		answered := 0
		for name, as := range map[string]func(TypedParamValue) (any, bool){
			"Int":     func(u TypedParamValue) (any, bool) { return u.AsInt() },
			"Uint":    func(u TypedParamValue) (any, bool) { return u.AsUint() },
			"Llong":   func(u TypedParamValue) (any, bool) { return u.AsLlong() },
			"Ullong":  func(u TypedParamValue) (any, bool) { return u.AsUllong() },
			"Double":  func(u TypedParamValue) (any, bool) { return u.AsDouble() },
			"Boolean": func(u TypedParamValue) (any, bool) { return u.AsBoolean() },
			"String":  func(u TypedParamValue) (any, bool) { return u.AsString() },
		} {
			x, ok := as(got)
			if !ok {
				if x != zeroOf(x) {
					t.Errorf("%v: As%s returned %v for another arm, want the zero value", v.Type(), name, x)
				}
				continue
			}
			answered++
			if want := v.Value(); !sameValue(x, want) {
				t.Errorf("%v: As%s = %v, Value() = %v", v.Type(), name, x, want)
			}
		}
		if answered != 1 {
			t.Errorf("%v: %d accessors claim the arm, want 1", v.Type(), answered)
		}
	}
}

// zeroOf returns the zero value of x's dynamic type.
func zeroOf(x any) any {
	switch x.(type) {
	case int32:
		return int32(0)
	case uint32:
		return uint32(0)
	case int64:
		return int64(0)
	case uint64:
		return uint64(0)
	case float64:
		return float64(0)
	case string:
		return ""
	}
	return nil
}

// sameValue compares like ==, but floats by their bits (NaN, -0).
func sameValue(a, b any) bool {
	if fa, ok := a.(float64); ok {
		fb, ok := b.(float64)
		return ok && math.Float64bits(fa) == math.Float64bits(fb)
	}
	return a == b
}

// A discriminant with no arm fails the decode and leaves the zero value,
// which holds no arm, even when the value held one before.
func TestTypedParamValueBadDiscriminantLeavesZero(t *testing.T) {
	for _, in := range [][]byte{
		{0, 0, 0, 0, 0, 0, 0, 1},             // 0: below the first arm
		{0, 0, 0, 8, 0, 0, 0, 1},             // 8: past the last arm
		{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1}, // -1
	} {
		v := NewTypedParamValueString("before")
		d := xdr.NewDecoder(in)
		v.DecodeXDR(d)
		if err := d.Err(); !errors.Is(err, xdr.ErrBadDiscriminant) {
			t.Fatalf("% x: error %v, want a bad discriminant", in, err)
		}
		if v != (TypedParamValue{}) || v.Value() != nil {
			t.Fatalf("% x: decoded %#v, want the zero value", in, v)
		}
	}
}
