package xdr

import (
	"errors"
	"fmt"
)

// Errors reported by the Encoder and Decoder; the concrete errors wrap one of
// these so callers can test with errors.Is.
var (
	// ErrShortBuffer means the input ended before the value did.
	ErrShortBuffer = errors.New("xdr: input too short")
	// ErrTooLong means a string, opaque or array length exceeds its bound
	// from the protocol, or the count cannot fit in the remaining input.
	ErrTooLong = errors.New("xdr: length exceeds limit")
	// ErrBadDiscriminant means a union discriminant matches no arm.
	ErrBadDiscriminant = errors.New("xdr: invalid union discriminant")
	// ErrTrailingData means bytes were left over after a complete message.
	ErrTrailingData = errors.New("xdr: trailing data after message")
	// ErrFixedLength means a fixed-length array was given a slice of the
	// wrong length.
	ErrFixedLength = errors.New("xdr: fixed-length array has wrong length")
)

func lengthError(what string, n uint64, max uint32) error {
	return fmt.Errorf("%w: %s length %d, maximum %d", ErrTooLong, what, n, max)
}
