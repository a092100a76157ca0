package admin

import (
	"errors"
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
)

// Once a decode has failed, the rest of the message must cost nothing
// more. Here the first of 60 typed parameters has a name longer than
// StringMax, so after the Params slice and one error value nothing else
// may be allocated; a union decoder that formats an error for the zero
// discriminant it reads after the first error allocates for every
// remaining element instead.
func TestCodecNoAllocationAfterDecodeError(t *testing.T) {
	const params = 60 // ClientInfoParametersMax is 64
	in := []byte{0, 0, 0, params, 0x7f, 0xff, 0xff, 0xff}
	in = append(in, make([]byte, params*12-4)...)

	// Building the one error value takes about five allocations; the
	// race detector's sync.Pool sometimes adds fmt's printer. A decoder
	// that keeps working after the error costs two or more per element.
	const slices, errorAllocs = 1, 8
	allocs := testing.AllocsPerRun(20, func() {
		var out clientGetInfoRet
		d := xdr.NewDecoder(in)
		out.DecodeXDR(d)
		if !errors.Is(d.Err(), xdr.ErrTooLong) {
			t.Fatalf("error = %v, want too long", d.Err())
		}
	})
	if allocs > slices+errorAllocs {
		t.Fatalf("%v allocations, want at most %d: the decode kept allocating after its first error", allocs, slices+errorAllocs)
	}
}
