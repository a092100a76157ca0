package admin

import (
	"github.com/virtwire/libvirt"
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
	"github.com/virtwire/libvirt/internal/xdrtest"
)

// FuzzDecodeClientGetInfoRet checks, through xdrtest.CheckDecodeInput,
// that decoding arbitrary bytes into the admin protocol's typed-parameter
// reply never panics, allocates no more than the input justifies, and
// accepts only canonical encodings.
func FuzzDecodeClientGetInfoRet(f *testing.F) {
	v := &clientGetInfoRet{Params: []TypedParam{
		{Field: "readonly", Value: libvirt.NewTypedParamValueBoolean(0)},
		{Field: "sock_addr", Value: libvirt.NewTypedParamValueString("127.0.0.1;42")},
		{Field: "unix_user_id", Value: libvirt.NewTypedParamValueUllong(1000)},
	}}
	e := xdr.NewEncoder(nil)
	v.EncodeXDR(e)
	if e.Err() != nil {
		f.Fatal(e.Err())
	}
	xdrtest.FuzzDecode(f, "clientGetInfoRet",
		func() xdrtest.Codec { return new(clientGetInfoRet) }, unionMakers,
		e.Bytes())
}
