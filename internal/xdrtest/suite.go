package xdrtest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
)

// Seed is the fixed seed of the random round-trip and oracle tests.
const Seed = 0x76697274 // "virt"

// Iterations is how many random values each type is tested with.
const Iterations = 12

// RunRoundTrip round-trips Iterations random values of every type (and
// every arm of every union type), checks that each strict prefix of each
// encoding fails to decode and that trailing bytes are rejected. It returns
// the number of types checked.
func RunRoundTrip(t *testing.T, types []Type, unions UnionMakers) int {
	t.Helper()
	checked := 0
	for _, typ := range types {
		ok := t.Run(typ.Name, func(t *testing.T) {
			f := NewFiller(Seed, typ.Name, unions)
			_, isUnion := unions[reflect.TypeOf(typ.New()).Elem()]
			for i := range Iterations {
				v := typ.New()
				var err error
				if isUnion {
					err = f.FillUnion(v, i)
				} else {
					err = f.Fill(v)
				}
				if err != nil {
					t.Fatalf("fill: %v", err)
				}
				b, err := RoundTrip(v, typ.New())
				if errors.Is(err, xdr.ErrTooLong) {
					t.Fatalf("value %d: a bound in the protocol is below the filler's MaxLen %d: %v", i, f.MaxLen, err)
				}
				if err != nil {
					t.Fatalf("value %d: %v", i, err)
				}
				if err := CheckTruncations(b, typ.New); err != nil {
					t.Fatalf("value %d: %v", i, err)
				}
			}
		})
		if ok {
			checked++
		}
	}
	return checked
}

// MinimalArrayLen is how many shortest-possible elements RunMinimal puts
// in the array under test.
const MinimalArrayLen = 8

// RunMinimal round-trips, for every type and every variable-length array
// reachable in it, the value built by MinimalFiller for that array. It
// returns the number of (type, array) cases checked, plus one per type for
// the value with every array empty.
func RunMinimal(t *testing.T, types []Type, unions UnionMakers) int {
	t.Helper()
	cases := 0
	for _, typ := range types {
		t.Run(typ.Name, func(t *testing.T) {
			m := NewMinimalFiller(unions, MinimalArrayLen)
			for target := 0; ; target++ {
				v := typ.New()
				arrays, err := m.Fill(v, target)
				if err != nil {
					t.Fatalf("fill: %v", err)
				}
				if _, err := RoundTrip(v, typ.New()); err != nil {
					t.Fatalf("array %d of %d: %v", target, arrays, err)
				}
				cases++
				if target >= arrays {
					return
				}
			}
		})
	}
	return cases
}

// RunZeroUnions checks that the zero value of every union type fails to
// encode with xdr.ErrBadDiscriminant, and that a discriminant with no arm
// fails to decode the same way. It returns the number of unions checked.
func RunZeroUnions(t *testing.T, unions UnionMakers) int {
	t.Helper()
	n := 0
	for ut := range unions {
		p := reflect.New(ut)
		c, ok := p.Interface().(Codec)
		if !ok {
			t.Errorf("%s does not implement Codec", ut)
			continue
		}
		e := xdr.NewEncoder(nil)
		c.EncodeXDR(e)
		if !errors.Is(e.Err(), xdr.ErrBadDiscriminant) {
			t.Errorf("%s: encoding the zero value gave error %v, want %v", ut, e.Err(), xdr.ErrBadDiscriminant)
		}
		// 0x7fffffff matches no arm of any libvirt union.
		if err := Decode([]byte{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0}, c); !errors.Is(err, xdr.ErrBadDiscriminant) {
			t.Errorf("%s: decoding discriminant 0x7fffffff gave error %v, want %v", ut, err, xdr.ErrBadDiscriminant)
		}
		n++
	}
	return n
}

// RunOracle compares every type go-xdr can express against go-xdr with
// Iterations random values. It returns the names of the types compared
// and, for the others, how many were left out per combination of reasons.
func RunOracle(t *testing.T, types []Type, unions UnionMakers) (compared []string, excluded map[string]int) {
	t.Helper()
	excluded = map[string]int{}
	for _, typ := range types {
		rt := reflect.TypeOf(typ.New()).Elem()
		if why := OracleExclusions(rt, unions); len(why) > 0 {
			key := why[0]
			for _, w := range why[1:] {
				key += " + " + w
			}
			excluded[key]++
			continue
		}
		compared = append(compared, typ.Name)
		t.Run(typ.Name, func(t *testing.T) {
			f := NewFiller(Seed+1, typ.Name, unions)
			for i := range Iterations {
				v := typ.New()
				if err := f.Fill(v); err != nil {
					t.Fatalf("fill: %v", err)
				}
				if err := CheckOracle(v, typ.New()); err != nil {
					t.Fatalf("value %d: %v", i, err)
				}
			}
		})
	}
	return compared, excluded
}
