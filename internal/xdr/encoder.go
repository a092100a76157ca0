package xdr

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Unbounded is the bound of an RPCL variable-length item declared with "<>".
// XDR lengths are 32-bit, so this is the largest length the wire can carry.
const Unbounded = math.MaxUint32

var zeroPad [4]byte

// Encoder appends XDR encodings to a byte slice.
//
// The zero value is ready to use and starts with an empty buffer; Reset
// hands it a reusable one. Once an error is recorded, further writes are
// ignored and Err reports the first error.
type Encoder struct {
	buf []byte
	err error
}

// NewEncoder returns an Encoder that appends to buf.
func NewEncoder(buf []byte) *Encoder { return &Encoder{buf: buf} }

// Reset makes e append to buf and clears any error.
func (e *Encoder) Reset(buf []byte) { e.buf, e.err = buf, nil }

// Bytes returns the encoded bytes (the buffer passed to Reset plus
// everything appended since).
func (e *Encoder) Bytes() []byte { return e.buf }

// Len returns the number of bytes in the buffer.
func (e *Encoder) Len() int { return len(e.buf) }

// Err returns the first error recorded, if any.
func (e *Encoder) Err() error { return e.err }

// SetErr records err unless an error is already recorded. Generated code
// uses it for errors only it can detect, such as an invalid union value.
func (e *Encoder) SetErr(err error) {
	if e.err == nil {
		e.err = err
	}
}

// Uint32 appends an unsigned int.
func (e *Encoder) Uint32(v uint32) {
	if e.err == nil {
		e.buf = binary.BigEndian.AppendUint32(e.buf, v)
	}
}

// Int32 appends an int (also used for char, short and enums).
func (e *Encoder) Int32(v int32) { e.Uint32(uint32(v)) }

// Uint64 appends an unsigned hyper.
func (e *Encoder) Uint64(v uint64) {
	if e.err == nil {
		e.buf = binary.BigEndian.AppendUint64(e.buf, v)
	}
}

// Int64 appends a hyper.
func (e *Encoder) Int64(v int64) { e.Uint64(uint64(v)) }

// Bool appends a bool as 0 or 1.
func (e *Encoder) Bool(v bool) {
	if v {
		e.Uint32(1)
	} else {
		e.Uint32(0)
	}
}

// Float32 appends a float.
func (e *Encoder) Float32(v float32) { e.Uint32(math.Float32bits(v)) }

// Float64 appends a double.
func (e *Encoder) Float64(v float64) { e.Uint64(math.Float64bits(v)) }

// String appends a string of at most max bytes.
func (e *Encoder) String(s string, max uint32) {
	if e.err != nil {
		return
	}
	if uint64(len(s)) > uint64(max) {
		e.err = lengthError("string", uint64(len(s)), max)
		return
	}
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(s)))
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, zeroPad[:pad(len(s))]...)
}

// Opaque appends variable-length opaque data of at most max bytes.
func (e *Encoder) Opaque(b []byte, max uint32) {
	if e.err != nil {
		return
	}
	if uint64(len(b)) > uint64(max) {
		e.err = lengthError("opaque", uint64(len(b)), max)
		return
	}
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(b)))
	e.buf = append(e.buf, b...)
	e.buf = append(e.buf, zeroPad[:pad(len(b))]...)
}

// FixedOpaque appends fixed-length opaque data (no length prefix).
func (e *Encoder) FixedOpaque(b []byte) {
	if e.err != nil {
		return
	}
	e.buf = append(e.buf, b...)
	e.buf = append(e.buf, zeroPad[:pad(len(b))]...)
}

// ArrayLen appends the element count of a variable-length array, failing
// when n exceeds max. It reports whether the caller should go on to encode
// the elements.
func (e *Encoder) ArrayLen(n int, max uint32) bool {
	if e.err != nil {
		return false
	}
	if uint64(n) > uint64(max) {
		e.err = lengthError("array", uint64(n), max)
		return false
	}
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(n))
	return true
}

// FixedLen checks that a slice standing for a fixed-length array has
// exactly n elements. It reports whether the caller should encode them.
func (e *Encoder) FixedLen(got, n int) bool {
	if e.err != nil {
		return false
	}
	if got != n {
		e.err = fmt.Errorf("%w: got %d elements, want %d", ErrFixedLength, got, n)
		return false
	}
	return true
}

// Optional appends the presence flag of optional data and reports whether
// the caller should encode the value.
func (e *Encoder) Optional(present bool) bool {
	e.Bool(present)
	return present && e.err == nil
}

// pad returns the number of zero bytes that follow n bytes of opaque data
// or string to reach a multiple of four.
func pad(n int) int { return (4 - n&3) & 3 }
