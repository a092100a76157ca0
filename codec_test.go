package libvirt

import (
	"testing"

	"github.com/virtwire/libvirt/internal/xdrtest"
)

// TestCodec runs every codec check on the root package's generated types.
func TestCodec(t *testing.T) {
	xdrtest.RunAll(t, xdrTypes, unionMakers, xdrtest.Expect{
		Unions: true,
		// The arrays whose elements have a non-empty encoding, in the
		// protocol files of libvirt 11.3.0.
		Arrays: 114,
		// These carry char, unsigned char and unsigned short fields and
		// char arrays, whose 4-byte encodings go-xdr must agree on.
		Compared: []string{"NodeGetInfoRet", "DomainGetInfoRet", "storageVolGetInfoRet",
			"DomainGetSecurityLabelRet", "authSASLStartArgs", "connectListAllDomainsRet"},
	})
}
