package libvirt

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	xdr2 "github.com/davecgh/go-xdr/xdr2"

	"github.com/virtwire/libvirt/internal/xdr"
)

// benchDomainList is a ConnectListAllDomains reply with n domains named
// domain-0001 and up, random UUIDs and sequential IDs.
func benchDomainList(n int) *connectListAllDomainsRet {
	rng := rand.New(rand.NewPCG(1, 1))
	doms := make([]Domain, n)
	for i := range doms {
		doms[i].Name = fmt.Sprintf("domain-%04d", i+1)
		for j := range doms[i].UUID {
			doms[i].UUID[j] = byte(rng.Uint32())
		}
		doms[i].ID = int32(i + 1)
	}
	return &connectListAllDomainsRet{Domains: doms, Ret: uint32(n)}
}

// benchStats is a ConnectGetAllDomainStats reply with records domains of
// params typed parameters each, cycling through int, unsigned long long
// and string values as a real stats reply mixes them.
func benchStats(records, params int) *connectGetAllDomainStatsRet {
	list := benchDomainList(records)
	ret := &connectGetAllDomainStatsRet{RetStats: make([]DomainStatsRecord, records)}
	states := []string{"running", "paused", "vda", "virtio", "52:54:00:12:34:56"}
	for i := range ret.RetStats {
		rec := &ret.RetStats[i]
		rec.Dom = list.Domains[i]
		rec.Params = make([]TypedParam, params)
		for p := range rec.Params {
			tp := &rec.Params[p]
			switch p % 4 {
			case 0:
				tp.Field = fmt.Sprintf("vcpu.%d.state", p)
				tp.Value = NewTypedParamValueInt(int32(p % 3))
			case 1, 2:
				tp.Field = fmt.Sprintf("block.%d.rd.bytes", p)
				tp.Value = NewTypedParamValueUllong(uint64(i)<<32 | uint64(p)*4096)
			case 3:
				tp.Field = fmt.Sprintf("net.%d.name", p)
				tp.Value = NewTypedParamValueString(states[(i+p)%len(states)])
			}
		}
	}
	return ret
}

// goxdrParam mirrors TypedParam for go-xdr, which has no unions: the
// discriminant is an ordinary field and the arm an interface holding a
// value of the arm's Go type, which go-xdr encodes by its dynamic type.
// The bytes are the same as the union's.
type goxdrParam struct {
	Field string
	Type  int32
	Value any
}

type goxdrRecord struct {
	Dom    Domain
	Params []goxdrParam
}

type goxdrStats struct {
	RetStats []goxdrRecord
}

func mirrorStats(v *connectGetAllDomainStatsRet) *goxdrStats {
	m := &goxdrStats{RetStats: make([]goxdrRecord, len(v.RetStats))}
	for i, rec := range v.RetStats {
		m.RetStats[i].Dom = rec.Dom
		m.RetStats[i].Params = make([]goxdrParam, len(rec.Params))
		for p, tp := range rec.Params {
			m.RetStats[i].Params[p] = goxdrParam{Field: tp.Field, Type: int32(tp.Value.Type()), Value: tp.Value.Value()}
		}
	}
	return m
}

// goxdrDecodeStats decodes a stats reply with go-xdr's primitive decoder.
// go-xdr's reflection cannot choose a union arm from the discriminant, so
// this is how a go-xdr user has to read this reply.
func goxdrDecodeStats(r io.Reader) (*connectGetAllDomainStatsRet, error) {
	d := xdr2.NewDecoder(r)
	n, _, err := d.DecodeUint()
	if err != nil {
		return nil, err
	}
	ret := &connectGetAllDomainStatsRet{}
	if n > 0 {
		ret.RetStats = make([]DomainStatsRecord, n)
	}
	for i := range ret.RetStats {
		rec := &ret.RetStats[i]
		if _, err := d.Decode(&rec.Dom); err != nil {
			return nil, err
		}
		np, _, err := d.DecodeUint()
		if err != nil {
			return nil, err
		}
		if np > 0 {
			rec.Params = make([]TypedParam, np)
		}
		for p := range rec.Params {
			if rec.Params[p].Field, _, err = d.DecodeString(); err != nil {
				return nil, err
			}
			disc, _, err := d.DecodeInt()
			if err != nil {
				return nil, err
			}
			var val TypedParamValue
			switch TypedParameterType(disc) {
			case TypedParamInt:
				x, _, e := d.DecodeInt()
				val, err = NewTypedParamValueInt(x), e
			case TypedParamUint:
				x, _, e := d.DecodeUint()
				val, err = NewTypedParamValueUint(x), e
			case TypedParamLlong:
				x, _, e := d.DecodeHyper()
				val, err = NewTypedParamValueLlong(x), e
			case TypedParamUllong:
				x, _, e := d.DecodeUhyper()
				val, err = NewTypedParamValueUllong(x), e
			case TypedParamDouble:
				x, _, e := d.DecodeDouble()
				val, err = NewTypedParamValueDouble(x), e
			case TypedParamBoolean:
				x, _, e := d.DecodeInt()
				val, err = NewTypedParamValueBoolean(x), e
			case TypedParamString:
				x, _, e := d.DecodeString()
				val, err = NewTypedParamValueString(x), e
			default:
				return nil, fmt.Errorf("bad discriminant %d", disc)
			}
			if err != nil {
				return nil, err
			}
			rec.Params[p].Value = val
		}
	}
	return ret, nil
}

func encodeOurs(b *testing.B, v interface{ EncodeXDR(*xdr.Encoder) }) []byte {
	e := xdr.NewEncoder(nil)
	v.EncodeXDR(e)
	if e.Err() != nil {
		b.Fatal(e.Err())
	}
	return e.Bytes()
}

// benchEncodeOurs encodes v into a reused buffer and checks the result
// against enc.
func benchEncodeOurs(b *testing.B, v interface{ EncodeXDR(*xdr.Encoder) }, enc []byte) {
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	buf := make([]byte, 0, len(enc))
	e := xdr.NewEncoder(nil)
	for b.Loop() {
		e.Reset(buf[:0])
		v.EncodeXDR(e)
	}
	if e.Err() != nil || !bytes.Equal(e.Bytes(), enc) {
		b.Fatal("bad encoding")
	}
}

// benchEncodeGoXDR encodes v with go-xdr's reflection into a reused buffer.
func benchEncodeGoXDR(b *testing.B, v any, size int) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	var buf bytes.Buffer
	buf.Grow(size)
	for b.Loop() {
		buf.Reset()
		if _, err := xdr2.Marshal(&buf, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCodecListAllDomains(b *testing.B) {
	v := benchDomainList(1000)
	enc := encodeOurs(b, v)
	var ref bytes.Buffer
	if _, err := xdr2.Marshal(&ref, v); err != nil || !bytes.Equal(ref.Bytes(), enc) {
		b.Fatalf("go-xdr encoding differs from ours (err %v)", err)
	}

	b.Run("Encode/virtwire", func(b *testing.B) { benchEncodeOurs(b, v, enc) })
	b.Run("Encode/go-xdr", func(b *testing.B) { benchEncodeGoXDR(b, v, len(enc)) })
	b.Run("Decode/virtwire", func(b *testing.B) {
		b.SetBytes(int64(len(enc)))
		b.ReportAllocs()
		d := xdr.NewDecoder(nil)
		var out connectListAllDomainsRet
		for b.Loop() {
			d.Reset(enc)
			out = connectListAllDomainsRet{}
			out.DecodeXDR(d)
			if err := d.Finish(); err != nil {
				b.Fatal(err)
			}
		}
		if len(out.Domains) != 1000 {
			b.Fatal("bad decode")
		}
	})
	b.Run("Decode/go-xdr", func(b *testing.B) {
		b.SetBytes(int64(len(enc)))
		b.ReportAllocs()
		r := bytes.NewReader(enc)
		var out connectListAllDomainsRet
		for b.Loop() {
			r.Reset(enc)
			out = connectListAllDomainsRet{}
			if _, err := xdr2.Unmarshal(r, &out); err != nil {
				b.Fatal(err)
			}
		}
		if len(out.Domains) != 1000 {
			b.Fatal("bad decode")
		}
	})
}

func BenchmarkCodecAllDomainStats(b *testing.B) {
	v := benchStats(100, 20)
	enc := encodeOurs(b, v)
	mirror := mirrorStats(v)
	var ref bytes.Buffer
	if _, err := xdr2.Marshal(&ref, mirror); err != nil || !bytes.Equal(ref.Bytes(), enc) {
		b.Fatalf("go-xdr encoding of the mirror differs from ours (err %v)", err)
	}

	b.Run("Encode/virtwire", func(b *testing.B) { benchEncodeOurs(b, v, enc) })
	b.Run("Encode/go-xdr-mirror", func(b *testing.B) { benchEncodeGoXDR(b, mirror, len(enc)) })
	b.Run("Decode/virtwire", func(b *testing.B) {
		b.SetBytes(int64(len(enc)))
		b.ReportAllocs()
		d := xdr.NewDecoder(nil)
		var out connectGetAllDomainStatsRet
		for b.Loop() {
			d.Reset(enc)
			out = connectGetAllDomainStatsRet{}
			out.DecodeXDR(d)
			if err := d.Finish(); err != nil {
				b.Fatal(err)
			}
		}
		if len(out.RetStats) != 100 {
			b.Fatal("bad decode")
		}
	})
	b.Run("Decode/go-xdr-primitives", func(b *testing.B) {
		b.SetBytes(int64(len(enc)))
		b.ReportAllocs()
		r := bytes.NewReader(enc)
		var out *connectGetAllDomainStatsRet
		for b.Loop() {
			r.Reset(enc)
			var err error
			if out, err = goxdrDecodeStats(r); err != nil {
				b.Fatal(err)
			}
		}
		if len(out.RetStats) != 100 {
			b.Fatal("bad decode")
		}
	})
}
