package admin

import (
	"bytes"
	"encoding/hex"
	"github.com/virtwire/libvirt"
	"reflect"
	"strings"
	"testing"

	"github.com/virtwire/libvirt/internal/xdrtest"
)

func TestCodecGoldenClientGetInfoRet(t *testing.T) {
	v := &clientGetInfoRet{Params: []TypedParam{
		{Field: "uid", Value: libvirt.NewTypedParamValueUllong(1000)},
		{Field: "addr", Value: libvirt.NewTypedParamValueString("1.2.3.4;5")},
	}}
	want, _ := hex.DecodeString(strings.Join([]string{
		"00000002",             // params: 2 entries
		"00000003", "75696400", // field "uid" + 1 byte of padding
		"00000004", "00000000", "000003e8", // ullong arm (4), 1000
		"00000004", "61646472", // field "addr", no padding
		"00000007", "00000009", "312e322e", "332e343b", "35000000", // string arm (7), "1.2.3.4;5" + 3 bytes of padding
	}, ""))
	got, err := xdrtest.Encode(v)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("encode = % x, %v; want % x", got, err, want)
	}
	var back clientGetInfoRet
	if err := xdrtest.Decode(want, &back); err != nil || !reflect.DeepEqual(&back, v) {
		t.Fatalf("decode = %#v, %v; want %#v", back, err, v)
	}
	if s, ok := back.Params[1].Value.AsString(); !ok || s != "1.2.3.4;5" {
		t.Fatalf("AsString = %q, %v", s, ok)
	}
}
