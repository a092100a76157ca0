package protocol

import (
	"bytes"
	"errors"
	"testing"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/internal/xdr"
	"github.com/virtwire/libvirt/internal/xdrtest"
)

// TestCodec runs every codec check on the wire-only types.
func TestCodec(t *testing.T) {
	// 106: the arrays of the wire-only types whose elements have a
	// non-empty encoding, in the protocol files of libvirt 11.3.0.
	xdrtest.RunAll(t, xdrTypes, unionMakers, xdrtest.Expect{Unions: true, Arrays: 106})
}

// TestMarshalUnmarshal checks the helpers against a body written out by
// hand: REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME's arguments, the string "test".
func TestMarshalUnmarshal(t *testing.T) {
	body := []byte{0, 0, 0, 4, 't', 'e', 's', 't'}
	got, err := Marshal(&DomainLookupByNameArgs{Name: "test"})
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("Marshal = % x, %v; want % x", got, err, body)
	}
	var args DomainLookupByNameArgs
	if err := Unmarshal(body, &args); err != nil || args.Name != "test" {
		t.Fatalf("Unmarshal = %+v, %v", args, err)
	}
	// Root types that travel in bodies work the same way.
	var info libvirt.DomainGetInfoRet
	if err := Unmarshal(make([]byte, 4*7), &info); err == nil {
		t.Error("Unmarshal of a short DomainGetInfoRet succeeded")
	}
}

// TestUnmarshalRejectsBadBodies checks that a body for another procedure
// (bytes left over), a short body and a string over its bound fail.
func TestUnmarshalRejectsBadBodies(t *testing.T) {
	var args DomainLookupByNameArgs
	if err := Unmarshal([]byte{0, 0, 0, 1, 'x', 0, 0, 0, 9, 9, 9, 9}, &args); !errors.Is(err, xdr.ErrTrailingData) {
		t.Errorf("trailing bytes: err = %v, want ErrTrailingData", err)
	}
	if err := Unmarshal([]byte{0, 0, 0, 8, 't'}, &args); err == nil {
		t.Error("short body: no error")
	}
	long := &DomainLookupByNameArgs{Name: string(make([]byte, libvirt.StringMax+1))}
	if _, err := Marshal(long); err == nil {
		t.Error("Marshal of a string over REMOTE_STRING_MAX: no error")
	}
}
