package xdrtest

import (
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
)

// underGuarded claims each string needs only 3 bytes (its length word is
// 4), so a forged count passes its guard.
type underGuarded names

func (v *underGuarded) EncodeXDR(e *xdr.Encoder) { (*names)(v).EncodeXDR(e) }
func (v *underGuarded) DecodeXDR(d *xdr.Decoder) { (*names)(v).decode(d, 3) }

// bytesOnly has nothing but opaque data.
type bytesOnly struct{ B []byte }

func (v *bytesOnly) EncodeXDR(e *xdr.Encoder) { e.Opaque(v.B, 100) }
func (v *bytesOnly) DecodeXDR(d *xdr.Decoder) { v.B = d.Opaque(100) }

func TestForgedCountAcceptsExactGuard(t *testing.T) {
	typ := Type{Name: "names", New: func() Codec { return new(names) }}
	if ok, err := ForgedCount(typ, nil, 0); !ok || err != nil {
		t.Fatalf("correct guard: checked=%v, %v", ok, err)
	}
}

func TestForgedCountCatchesUnderestimatedGuard(t *testing.T) {
	typ := Type{Name: "underGuarded", New: func() Codec { return new(underGuarded) }}
	ok, err := ForgedCount(typ, nil, 0)
	if !ok || err == nil || !strings.Contains(err.Error(), "at least 4 bytes") {
		t.Fatalf("guard of 3 bytes per string: checked=%v, %v; want a failure naming the 4-byte minimum", ok, err)
	}
}

func TestForgedCountSkipsOpaque(t *testing.T) {
	typ := Type{Name: "bytesOnly", New: func() Codec { return new(bytesOnly) }}
	if ok, err := ForgedCount(typ, nil, 0); ok || err != nil {
		t.Fatalf("opaque data: checked=%v, %v; want skipped", ok, err)
	}
}
