package libvirt

import (
	"slices"
	"testing"

	"github.com/virtwire/libvirt/internal/xdrtest"
)

// codecTypes adapts the generated registry to xdrtest.
func codecTypes() []xdrtest.Type {
	ts := make([]xdrtest.Type, len(xdrTypes))
	for i, x := range xdrTypes {
		ts[i] = xdrtest.Type{Name: x.name, New: func() xdrtest.Codec { return x.new() }}
	}
	return ts
}

func TestCodecRoundTripAllTypes(t *testing.T) {
	n := xdrtest.RunRoundTrip(t, codecTypes(), unionMakers)
	t.Logf("round-tripped %d of %d types, %d random values each", n, len(xdrTypes), xdrtest.Iterations)
}

func TestCodecMinimalArrays(t *testing.T) {
	n := xdrtest.RunMinimal(t, codecTypes(), unionMakers)
	t.Logf("%d minimal-encoding cases over %d types", n, len(xdrTypes))
}

func TestCodecZeroUnionFails(t *testing.T) {
	if n := xdrtest.RunZeroUnions(t, unionMakers); n == 0 {
		t.Fatal("no union types registered")
	}
}

func TestCodecOracleGoXDR(t *testing.T) {
	compared, excluded := xdrtest.RunOracle(t, codecTypes(), unionMakers)
	t.Logf("compared %d of %d types with go-xdr; excluded: %v", len(compared), len(xdrTypes), excluded)
	// These carry char, unsigned char and unsigned short fields and char
	// arrays, whose 4-byte encodings go-xdr must agree on.
	must := []string{"NodeGetInfoRet", "DomainGetInfoRet", "storageVolGetInfoRet",
		"DomainGetSecurityLabelRet", "authSASLStartArgs", "connectListAllDomainsRet"}
	for _, name := range must {
		if !slices.Contains(compared, name) {
			t.Errorf("%s was not compared with go-xdr", name)
		}
	}
}
