package xdrtest

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"reflect"
)

// maxDepth stops the filler from following pointers and slices forever
// should a type ever refer to itself.
const maxDepth = 12

// Filler sets values of generated types to pseudo-random contents.
//
// Strings, opaque data and variable-length arrays get between 0 and MaxLen
// elements; a length of zero always yields a nil slice, which is what the
// decoders return for empty data. Optional data (pointers) is absent about
// a third of the time. Floating-point values are random bit patterns other
// than NaN, so reflect.DeepEqual can compare them.
type Filler struct {
	rng    *rand.Rand
	unions UnionMakers
	// MaxLen is the largest length used for strings, opaque data and
	// variable-length arrays.
	MaxLen int
	err    error
}

// NewFiller returns a Filler whose sequence is fixed by seed and name, so
// each type gets its own reproducible stream regardless of the order in
// which types are visited.
func NewFiller(seed uint64, name string, unions UnionMakers) *Filler {
	h := fnv.New64a()
	h.Write([]byte(name))
	s := h.Sum64()
	return &Filler{rng: rand.New(rand.NewPCG(seed, s)), unions: unions, MaxLen: 8}
}

// Fill sets the value ptr points to.
func (f *Filler) Fill(ptr any) error {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("xdrtest: Fill needs a non-nil pointer, got %T", ptr)
	}
	f.err = nil
	f.fill(v.Elem(), 0)
	return f.err
}

// FillUnion sets the union ptr points to so that it holds arm pick (modulo
// the number of arms), filling the arm at random.
func (f *Filler) FillUnion(ptr any, pick int) error {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("xdrtest: FillUnion needs a non-nil pointer, got %T", ptr)
	}
	mk, ok := f.unions[v.Elem().Type()]
	if !ok {
		return fmt.Errorf("xdrtest: %s is not a union", v.Elem().Type())
	}
	f.err = nil
	f.setUnion(v.Elem(), mk, pick, 0)
	return f.err
}

func (f *Filler) fail(format string, args ...any) {
	if f.err == nil {
		f.err = fmt.Errorf("xdrtest: "+format, args...)
	}
}

func (f *Filler) length(depth int) int {
	if depth >= maxDepth {
		return 0
	}
	return f.rng.IntN(f.MaxLen + 1)
}

func (f *Filler) fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(f.rng.IntN(2) == 1)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		// SetInt keeps the low bits, which is a uniform value of the
		// narrower type.
		v.SetInt(int64(f.rng.Uint64()))
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(f.rng.Uint64())
	case reflect.Float32:
		x := math.Float32frombits(f.rng.Uint32())
		for x != x {
			x = math.Float32frombits(f.rng.Uint32())
		}
		v.SetFloat(float64(x))
	case reflect.Float64:
		x := math.Float64frombits(f.rng.Uint64())
		for math.IsNaN(x) {
			x = math.Float64frombits(f.rng.Uint64())
		}
		v.SetFloat(x)
	case reflect.String:
		b := make([]byte, f.length(depth))
		for i := range b {
			b[i] = byte(f.rng.Uint32())
		}
		v.SetString(string(b))
	case reflect.Slice:
		n := f.length(depth)
		if n == 0 {
			v.SetZero()
			return
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Pointer:
		if depth >= maxDepth || f.rng.IntN(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		if mk, ok := f.unions[v.Type()]; ok {
			f.setUnion(v, mk, f.rng.IntN(1<<20), depth)
			return
		}
		t := v.Type()
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				f.fail("%s has unexported field %s but is not a registered union", t, t.Field(i).Name)
				return
			}
			f.fill(v.Field(i), depth+1)
		}
	default:
		f.fail("unsupported kind %s in %s", v.Kind(), v.Type())
	}
}

func (f *Filler) setUnion(v reflect.Value, mk func(int, func(any)) any, pick, depth int) {
	u := mk(pick, func(arm any) {
		p := reflect.ValueOf(arm)
		if p.Kind() != reflect.Pointer || p.IsNil() {
			f.fail("union maker for %s passed %T, not a pointer", v.Type(), arm)
			return
		}
		f.fill(p.Elem(), depth+1)
	})
	uv := reflect.ValueOf(u)
	if uv.Type() != v.Type() {
		f.fail("union maker for %s returned %T", v.Type(), u)
		return
	}
	v.Set(uv)
}
