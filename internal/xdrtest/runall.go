package xdrtest

import (
	"slices"
	"testing"
)

// Expect is what a package's protocol files make RunAll find; each
// package states its own so that a generator change that drops types,
// arrays or oracle comparisons fails the package's test.
type Expect struct {
	// Unions tells whether the package defines union types (the virnet
	// and keepalive protocols define none).
	Unions bool
	// Arrays is how many variable-length arrays with a non-empty element
	// encoding the package's types hold: RunForgedCounts must reach each.
	Arrays int
	// Compared names types that the go-xdr oracle must compare, such as
	// those with char, unsigned char and unsigned short fields.
	Compared []string
}

// RunAll runs every codec check on a package's generated types as
// subtests: the random round trip, minimal arrays, zero unions, the go-xdr
// oracle and forged array counts, and checks the counts against want.
func RunAll(t *testing.T, types []Type, unions UnionMakers, want Expect) {
	t.Run("RoundTrip", func(t *testing.T) {
		n := RunRoundTrip(t, types, unions)
		t.Logf("round-tripped %d of %d types, %d random values each", n, len(types), Iterations)
	})
	t.Run("MinimalArrays", func(t *testing.T) {
		n := RunMinimal(t, types, unions)
		t.Logf("%d minimal-encoding cases over %d types", n, len(types))
	})
	t.Run("ZeroUnions", func(t *testing.T) {
		if n := RunZeroUnions(t, unions); (n > 0) != want.Unions {
			t.Fatalf("%d union types registered, want some: %v", n, want.Unions)
		}
	})
	t.Run("OracleGoXDR", func(t *testing.T) {
		compared, excluded := RunOracle(t, types, unions)
		t.Logf("compared %d of %d types with go-xdr; excluded: %v", len(compared), len(types), excluded)
		if len(compared) == 0 {
			t.Fatal("no type compared with go-xdr")
		}
		for _, name := range want.Compared {
			if !slices.Contains(compared, name) {
				t.Errorf("%s was not compared with go-xdr", name)
			}
		}
	})
	// Forges, for every variable-length array, a count just over what the
	// input can hold and checks that the decoder refuses it before
	// allocating the slice.
	t.Run("ForgedCounts", func(t *testing.T) {
		n := RunForgedCounts(t, types, unions)
		t.Logf("%d arrays over %d types", n, len(types))
		if n != want.Arrays {
			t.Fatalf("checked %d arrays, want %d", n, want.Arrays)
		}
	})
}
