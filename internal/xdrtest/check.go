package xdrtest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"

	"github.com/virtwire/libvirt/internal/xdr"
)

// Encode returns the encoding of v, or the encoder's error.
func Encode(v Codec) ([]byte, error) {
	e := xdr.NewEncoder(nil)
	v.EncodeXDR(e)
	if err := e.Err(); err != nil {
		return nil, err
	}
	return e.Bytes(), nil
}

// Decode decodes b into v and returns d.Finish, which also rejects
// trailing bytes.
func Decode(b []byte, v Codec) error {
	d := xdr.NewDecoder(b)
	v.DecodeXDR(d)
	return d.Finish()
}

// RoundTrip encodes v, checks the encoding is whole XDR units, decodes it
// into fresh (a new zero value of the same type) and checks the result is
// deeply equal to v. It returns the encoding.
func RoundTrip(v, fresh Codec) ([]byte, error) {
	b, err := Encode(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if len(b)%4 != 0 {
		return b, fmt.Errorf("encoding is %d bytes, not a multiple of 4", len(b))
	}
	if err := Decode(b, fresh); err != nil {
		return b, fmt.Errorf("decode of % x: %w", b, err)
	}
	if !reflect.DeepEqual(v, fresh) {
		return b, fmt.Errorf("decoded value differs:\n got  %#v\n want %#v\n bytes % x", fresh, v, b)
	}
	again, err := Encode(fresh)
	if err != nil {
		return b, fmt.Errorf("re-encode: %w", err)
	}
	if !bytes.Equal(again, b) {
		return b, fmt.Errorf("re-encoding differs:\n got  % x\n want % x", again, b)
	}
	return b, nil
}

// CheckTruncations decodes every strict prefix of the valid encoding b and
// requires each to fail as too short (or, when an array count no longer
// fits, too long), and requires b followed by four more bytes to fail with
// xdr.ErrTrailingData.
func CheckTruncations(b []byte, newv func() Codec) error {
	for n := range len(b) {
		err := Decode(b[:n], newv())
		if !errors.Is(err, xdr.ErrShortBuffer) && !errors.Is(err, xdr.ErrTooLong) {
			return fmt.Errorf("prefix of %d of %d bytes: got error %v, want short buffer or too long", n, len(b), err)
		}
	}
	long := append(bytes.Clone(b), 0, 0, 0, 0)
	if err := Decode(long, newv()); !errors.Is(err, xdr.ErrTrailingData) {
		return fmt.Errorf("with 4 trailing bytes: got error %v, want trailing data", err)
	}
	return nil
}
