package admin

import (
	"testing"

	"github.com/virtwire/libvirt/internal/xdrtest"
)

// TestCodec runs every codec check on the admin protocol's generated types.
func TestCodec(t *testing.T) {
	// 7: the arrays whose elements have a non-empty encoding, in the
	// protocol files of libvirt 11.3.0.
	xdrtest.RunAll(t, xdrTypes, unionMakers, xdrtest.Expect{Unions: true, Arrays: 7})
}
