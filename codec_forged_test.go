package libvirt

import (
	"testing"

	"github.com/virtwire/libvirt/internal/xdrtest"
)

// TestCodecForgedCountsEveryArray forges, for every variable-length array
// of every generated type, a count just over what the input can hold and
// checks that the decoder refuses it before allocating the slice.
func TestCodecForgedCountsEveryArray(t *testing.T) {
	n := xdrtest.RunForgedCounts(t, codecTypes(), unionMakers)
	t.Logf("%d arrays over %d types", n, len(xdrTypes))
	// The arrays whose elements have a non-empty encoding, in the
	// protocol files of libvirt 11.3.0.
	if n != 114 {
		t.Fatalf("checked %d arrays, want 114", n)
	}
}
