package libvirt

import (
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
	"github.com/virtwire/libvirt/internal/xdrtest"
)

// Each FuzzDecode target decodes arbitrary bytes into one of the largest or
// most involved message types and checks, through xdrtest.CheckDecodeInput,
// that decoding never panics, allocates no more than the input justifies,
// and accepts only canonical encodings (a successful decode re-encodes to
// the same bytes). Seeds are encodings of random values plus the
// hand-checked golden messages.

func mustEncode(f *testing.F, v interface{ EncodeXDR(*xdr.Encoder) }) []byte {
	e := xdr.NewEncoder(nil)
	v.EncodeXDR(e)
	if e.Err() != nil {
		f.Fatal(e.Err())
	}
	return e.Bytes()
}

func FuzzDecodeConnectGetAllDomainStatsRet(f *testing.F) {
	xdrtest.FuzzDecode(f, "connectGetAllDomainStatsRet",
		func() xdrtest.Codec { return new(connectGetAllDomainStatsRet) }, unionMakers,
		mustEncode(f, benchStats(2, 8)))
}

func FuzzDecodeConnectListAllDomainsRet(f *testing.F) {
	xdrtest.FuzzDecode(f, "connectListAllDomainsRet",
		func() xdrtest.Codec { return new(connectListAllDomainsRet) }, unionMakers,
		mustEncode(f, benchDomainList(5)))
}

func FuzzDecodeDomainGetXMLDescRet(f *testing.F) {
	xml := "<domain type='kvm'><name>dom</name><memory unit='KiB'>1048576</memory></domain>"
	xdrtest.FuzzDecode(f, "domainGetXMLDescRet",
		func() xdrtest.Codec { return new(domainGetXMLDescRet) }, unionMakers,
		mustEncode(f, &domainGetXMLDescRet{XML: xml}))
}

func FuzzDecodeDomainSetSchedulerParametersFlagsArgs(f *testing.F) {
	v := &domainSetSchedulerParametersFlagsArgs{
		Dom: Domain{Name: "dom", ID: 3},
		Params: []TypedParam{
			{Field: "cpu_shares", Value: NewTypedParamValueUllong(1024)},
			{Field: "vcpu_quota", Value: NewTypedParamValueLlong(-1)},
			{Field: "weight", Value: NewTypedParamValueUint(100)},
			{Field: "cap", Value: NewTypedParamValueInt(0)},
			{Field: "ratio", Value: NewTypedParamValueDouble(0.25)},
			{Field: "on", Value: NewTypedParamValueBoolean(1)},
			{Field: "policy", Value: NewTypedParamValueString("fifo")},
		},
		Flags: 3,
	}
	xdrtest.FuzzDecode(f, "domainSetSchedulerParametersFlagsArgs",
		func() xdrtest.Codec { return new(domainSetSchedulerParametersFlagsArgs) }, unionMakers,
		mustEncode(f, v))
}
