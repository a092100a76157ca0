package xdr

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Decoder reads XDR values from a byte slice in place.
//
// Once an error is recorded, every read returns a zero value and Err reports
// the first error. Strings and opaque data are copied out, so the input
// buffer may be reused after decoding.
type Decoder struct {
	buf []byte
	off int
	err error
	// shortNeed and shortOff record a read past the end of the input
	// without building an error there, so that the hot reads stay small
	// enough to be inlined; Err and Finish turn them into the error.
	shortNeed uint64
	shortOff  int
	// str is a copy of buf[strBase:] made on the first String call when
	// buf is at most SharedStringMax bytes long (strBase is that call's
	// offset: no later string starts before it); strings are then slices
	// of it.
	str     string
	strBase int
}

// SharedStringMax is the largest input whose strings share one backing
// copy of the input. Decoding a message with many strings (a list of 1000
// domains) then costs one allocation instead of one per string; the price
// is that a kept string keeps the whole copy (at most this size) alive.
// Strings of larger inputs are copied one by one.
const SharedStringMax = 256 << 10

// NewDecoder returns a Decoder reading b.
func NewDecoder(b []byte) *Decoder { return &Decoder{buf: b} }

// Reset makes d read b from the start and clears any error.
func (d *Decoder) Reset(b []byte) {
	d.buf, d.off, d.err, d.shortNeed, d.str, d.strBase = b, 0, nil, 0, "", 0
}

// Err returns the first error recorded, if any.
func (d *Decoder) Err() error {
	d.settle()
	return d.err
}

// failed reports whether an error (or a short read) has been recorded.
func (d *Decoder) failed() bool { return d.err != nil || d.shortNeed != 0 }

// settle turns a recorded short read into the error.
func (d *Decoder) settle() {
	if d.err == nil && d.shortNeed != 0 {
		d.err = fmt.Errorf("%w: need %d bytes at offset %d, have %d",
			ErrShortBuffer, d.shortNeed, d.shortOff, len(d.buf)-d.shortOff)
	}
}

// SetErr records err unless an error is already recorded.
func (d *Decoder) SetErr(err error) {
	if !d.failed() {
		d.err = err
		d.off = len(d.buf) // every later read now fails its length check
	}
}

// Remaining returns the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// Offset returns the number of bytes read so far.
func (d *Decoder) Offset() int { return d.off }

// Finish returns the first error, or ErrTrailingData when input is left
// over: a complete message must be consumed exactly.
func (d *Decoder) Finish() error {
	d.settle()
	if d.err != nil {
		return d.err
	}
	if n := d.Remaining(); n != 0 {
		return fmt.Errorf("%w: %d bytes", ErrTrailingData, n)
	}
	return nil
}

// short records that need bytes were wanted at the current offset.
func (d *Decoder) short(need uint64) {
	if !d.failed() {
		d.shortNeed, d.shortOff = need, d.off
		d.off = len(d.buf) // every later read now fails its length check
	}
}

// Uint32 reads an unsigned int. It is kept small enough to be inlined: a
// failure is only recorded here (see short) and becomes an error in Err.
func (d *Decoder) Uint32() uint32 {
	// After an error d.off is at the end, so the length check fails too.
	if b := d.buf[d.off:]; len(b) >= 4 {
		d.off += 4
		return binary.BigEndian.Uint32(b)
	}
	if !d.failed() {
		d.shortNeed, d.shortOff = 4, d.off
	}
	d.off = len(d.buf)
	return 0
}

// Int32 reads an int.
func (d *Decoder) Int32() int32 { return int32(d.Uint32()) }

// Uint64 reads an unsigned hyper; inlined like Uint32.
func (d *Decoder) Uint64() uint64 {
	if b := d.buf[d.off:]; len(b) >= 8 {
		d.off += 8
		return binary.BigEndian.Uint64(b)
	}
	if !d.failed() {
		d.shortNeed, d.shortOff = 8, d.off
	}
	d.off = len(d.buf)
	return 0
}

// Int64 reads a hyper.
func (d *Decoder) Int64() int64 { return int64(d.Uint64()) }

// Bool reads a bool. Like libtirpc, which both libvirtd and libvirt's
// client use, any non-zero word is true: some encoders (go-libvirt's)
// send true as 0x01000000, and libvirt accepts it.
func (d *Decoder) Bool() bool { return d.Uint32() != 0 }

// Optional reads the presence flag of optional data; like Bool, any
// non-zero word means present.
func (d *Decoder) Optional() bool { return d.Uint32() != 0 }

// Float32 reads a float.
func (d *Decoder) Float32() float32 { return math.Float32frombits(d.Uint32()) }

// Float64 reads a double.
func (d *Decoder) Float64() float64 { return math.Float64frombits(d.Uint64()) }

// bytes returns the next n bytes plus padding, checking the length against
// max and against the remaining input before anything is allocated.
func (d *Decoder) bytes(what string, max uint32) []byte {
	n := d.Uint32()
	if d.failed() {
		return nil
	}
	if n > max {
		d.SetErr(lengthError(what, uint64(n), max))
		return nil
	}
	// Compute in 64 bits: on 32-bit platforms int(n) can be negative
	// for n >= 2^31, and n plus padding can wrap around to a small value.
	total := uint64(n) + uint64(pad(int(n&3)))
	if total > uint64(d.Remaining()) {
		d.short(total)
		return nil
	}
	b := d.buf[d.off : d.off+int(n)]
	d.off += int(total)
	return b
}

// String reads a string of at most max bytes.
//
// The common case (a string within its bound and in the input) is
// handled here with one load of the length and one compare against the
// remaining input; anything else goes to stringSlow, which reads the same
// bytes again with the general checks and records the error. The padding
// is skipped unread, as libtirpc does.
func (d *Decoder) String(max uint32) string {
	b := d.buf[d.off:]
	if len(b) < 4 {
		return d.stringSlow(max)
	}
	n := binary.BigEndian.Uint32(b)
	if n == 0 {
		d.off += 4
		return ""
	}
	// total is n rounded up to a word; in 64 bits so it cannot wrap.
	total := (uint64(n) + 3) &^ 3
	if n > max || total > uint64(len(b)-4) {
		return d.stringSlow(max)
	}
	start := d.off + 4
	d.off = start + int(total)
	return d.shared(start, start+int(n))
}

// stringSlow is String for every case but the common one. The common
// case takes every string that can be decoded, so what is left is the
// empty string of a failed read: bytes records why (a length over max,
// or too little input).
func (d *Decoder) stringSlow(max uint32) string {
	d.bytes("string", max)
	return ""
}

// shared returns the input bytes [start, end) as a string: a slice of the
// shared copy of the input when it is small enough, else a copy of its own.
func (d *Decoder) shared(start, end int) string {
	if len(d.buf) > SharedStringMax {
		return string(d.buf[start:end])
	}
	if d.str == "" {
		d.str, d.strBase = string(d.buf[start:]), start
	}
	return d.str[start-d.strBase : end-d.strBase]
}

// Opaque reads variable-length opaque data of at most max bytes into a new
// slice. Empty data decodes as nil.
func (d *Decoder) Opaque(max uint32) []byte {
	b := d.bytes("opaque", max)
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// OpaqueView is like Opaque but returns a slice of the input buffer instead
// of a copy; it is valid only while the input is. Stream payloads use it to
// avoid a copy.
func (d *Decoder) OpaqueView(max uint32) []byte { return d.bytes("opaque", max) }

// FixedOpaque fills dst with fixed-length opaque data.
func (d *Decoder) FixedOpaque(dst []byte) {
	// A length that is a multiple of four (a UUID) has no padding.
	// After an error d.off is at the end, so this cannot succeed.
	if b := d.buf[d.off:]; len(dst)&3 == 0 && len(b) >= len(dst) {
		d.off += copy(dst, b)
		return
	}
	d.fixedOpaqueSlow(dst)
}

func (d *Decoder) fixedOpaqueSlow(dst []byte) {
	if d.failed() {
		return
	}
	total := len(dst) + pad(len(dst))
	if total > len(d.buf)-d.off {
		d.short(uint64(total))
		return
	}
	copy(dst, d.buf[d.off:])
	d.off += total
}

// ArrayLen reads the element count of a variable-length array. The count
// must not exceed max, and count*minSize must fit in the remaining input,
// where minSize is the smallest encoding of one element: this is what keeps
// a forged count from causing a huge allocation. It returns 0 after an error.
func (d *Decoder) ArrayLen(max uint32, minSize int) int {
	n := d.Uint32()
	if d.failed() {
		return 0
	}
	if n > max {
		d.SetErr(lengthError("array", uint64(n), max))
		return 0
	}
	if minSize > 0 && uint64(n)*uint64(minSize) > uint64(d.Remaining()) {
		d.SetErr(fmt.Errorf("%w: array of %d elements needs at least %d bytes, %d remain",
			ErrTooLong, n, uint64(n)*uint64(minSize), d.Remaining()))
		return 0
	}
	return int(n)
}

// FixedView returns the next n bytes of the input (n >= 0) and moves past
// them. When fewer than n bytes remain, or after an error, it records a
// short read as Uint32 does and returns nil. Generated code decodes a run
// of consecutive fixed-size fields from one FixedView call, so the run
// costs one length check. Like OpaqueView it returns a view of the input,
// valid only while the input is.
func (d *Decoder) FixedView(n int) []byte {
	if b := d.buf[d.off:]; len(b) >= n {
		d.off += n
		return b[:n]
	}
	d.short(uint64(n))
	return nil
}

// FixedArrayLen checks that n elements of at least minSize bytes each can
// still be read; it reports whether the caller should decode them.
func (d *Decoder) FixedArrayLen(n, minSize int) bool {
	if d.failed() {
		return false
	}
	if need := uint64(n) * uint64(minSize); need > uint64(d.Remaining()) {
		d.short(need)
		return false
	}
	return true
}
