// Package xdrtest holds helpers shared by the codec tests of virtwire's
// generated packages (the root package, admin and internal/wire).
//
// It fills values of generated types with pseudo-random data by reflection,
// checks that they survive an encode/decode round trip, compares the
// generated encoding with github.com/davecgh/go-xdr used as an oracle, and
// measures how many bytes a decode allocates. Only test files import it; the
// generated code itself never uses reflection.
package xdrtest

import (
	"reflect"

	"github.com/virtwire/libvirt/internal/xdr"
)

// Codec is the method set every generated struct and union has.
type Codec interface {
	EncodeXDR(e *xdr.Encoder)
	DecodeXDR(d *xdr.Decoder)
}

// Type names one generated type and makes a new zero value of it.
type Type struct {
	Name string
	New  func() Codec
}

// UnionMakers maps each union type of a package to a function that builds a
// value holding arm pick modulo the number of arms, calling fill with a
// pointer to the arm's value. Generated test registries provide it.
type UnionMakers = map[reflect.Type]func(pick int, fill func(any)) any
