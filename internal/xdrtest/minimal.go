package xdrtest

import (
	"fmt"
	"reflect"

	"github.com/virtwire/libvirt/internal/xdr"
)

// MinimalFiller builds values whose encoding is as short as the type
// allows, except for one chosen variable-length array, which gets Len
// elements that are themselves as short as possible.
//
// Decoders guard allocations by checking that count*minSize bytes remain,
// where minSize is the smallest encoding of one element. Such a value puts
// that check at its tightest: if minSize were overestimated the decoder
// would reject the value, so a round trip of every target array proves
// that no guard refuses valid input.
//
// Arrays are numbered in depth-first order. Arrays before the target get
// one element (so arrays nested inside them can be reached), optional data
// before the target is present, and everything after the target is empty
// or absent. Numbers are zero and strings empty.
type MinimalFiller struct {
	unions UnionMakers
	// Len is the number of elements the target array gets.
	Len     int
	target  int
	counter int
	err     error
}

// NewMinimalFiller returns a MinimalFiller giving the target array n
// elements.
func NewMinimalFiller(unions UnionMakers, n int) *MinimalFiller {
	return &MinimalFiller{unions: unions, Len: n}
}

// Fill sets *ptr to the minimal value whose array number target holds Len
// elements. It returns how many arrays the walk numbered: when that is not
// more than target, the value holds no target array and the caller has
// visited them all.
func (m *MinimalFiller) Fill(ptr any, target int) (arrays int, err error) {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return 0, fmt.Errorf("xdrtest: Fill needs a non-nil pointer, got %T", ptr)
	}
	m.target, m.counter, m.err = target, 0, nil
	m.fill(v.Elem(), true, 0)
	return m.counter, m.err
}

func (m *MinimalFiller) fail(format string, args ...any) {
	if m.err == nil {
		m.err = fmt.Errorf("xdrtest: "+format, args...)
	}
}

// fill sets v minimally; counting says whether arrays met here take part
// in the numbering (elements of the target array do not).
func (m *MinimalFiller) fill(v reflect.Value, counting bool, depth int) {
	if depth > maxDepth {
		v.SetZero()
		return
	}
	switch v.Kind() {
	case reflect.Bool, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.String:
		v.SetZero()
	case reflect.Slice:
		if !counting {
			v.SetZero()
			return
		}
		idx := m.counter
		m.counter++
		switch {
		case idx < m.target:
			s := reflect.MakeSlice(v.Type(), 1, 1)
			m.fill(s.Index(0), true, depth+1)
			v.Set(s)
		case idx == m.target:
			s := reflect.MakeSlice(v.Type(), m.Len, m.Len)
			for i := range m.Len {
				m.fill(s.Index(i), false, depth+1)
			}
			v.Set(s)
		default:
			v.SetZero()
		}
	case reflect.Array:
		for i := range v.Len() {
			m.fill(v.Index(i), counting, depth+1)
		}
	case reflect.Pointer:
		if !counting || m.counter > m.target {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		m.fill(p.Elem(), counting, depth+1)
		v.Set(p)
	case reflect.Struct:
		if mk, ok := m.unions[v.Type()]; ok {
			m.setUnion(v, mk, counting, depth)
			return
		}
		t := v.Type()
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				m.fail("%s has unexported field %s but is not a registered union", t, t.Field(i).Name)
				return
			}
			m.fill(v.Field(i), counting, depth+1)
		}
	default:
		m.fail("unsupported kind %s in %s", v.Kind(), v.Type())
	}
}

// maxArms bounds the search for a union's shortest arm; unions in the
// libvirt protocols have far fewer arms.
const maxArms = 32

// setUnion picks the arm whose minimal encoding is shortest, then fills it.
func (m *MinimalFiller) setUnion(v reflect.Value, mk func(int, func(any)) any, counting bool, depth int) {
	best, bestLen := -1, 0
	var e xdr.Encoder
	for pick := range maxArms {
		u := mk(pick, func(arm any) { m.fill(reflect.ValueOf(arm).Elem(), false, depth+1) })
		p := reflect.New(v.Type())
		p.Elem().Set(reflect.ValueOf(u))
		c, ok := p.Interface().(Codec)
		if !ok {
			m.fail("%s does not implement Codec", v.Type())
			return
		}
		e.Reset(nil)
		c.EncodeXDR(&e)
		if e.Err() == nil && (best < 0 || e.Len() < bestLen) {
			best, bestLen = pick, e.Len()
		}
	}
	if best < 0 {
		m.fail("no arm of %s encodes", v.Type())
		return
	}
	u := mk(best, func(arm any) { m.fill(reflect.ValueOf(arm).Elem(), counting, depth+1) })
	v.Set(reflect.ValueOf(u))
}
