package wire

import (
	"testing"

	"github.com/virtwire/libvirt/internal/xdrtest"
)

// TestCodec runs every codec check on the virnet and keepalive protocols'
// generated types. They define no unions and no array with a non-empty
// element encoding (their variable-length data is opaque).
func TestCodec(t *testing.T) {
	xdrtest.RunAll(t, xdrTypes, unionMakers, xdrtest.Expect{})
}
