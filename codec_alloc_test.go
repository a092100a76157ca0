package libvirt

import (
	"errors"
	"testing"

	"github.com/virtwire/libvirt/internal/xdr"
	"github.com/virtwire/libvirt/internal/xdrtest"
)

// The codec's allocation contract: encoding into a buffer with room
// allocates nothing; decoding a message of at most xdr.SharedStringMax
// bytes allocates one copy of the input shared by all its strings, plus
// one allocation per non-empty slice it returns, and nothing else.
func TestCodecAllocationsPerMessage(t *testing.T) {
	list := benchDomainList(1000)
	stats := benchStats(100, 20)
	tests := []struct {
		name        string
		v           interface{ EncodeXDR(*xdr.Encoder) }
		decode      func(d *xdr.Decoder)
		decodeAlloc float64
	}{
		// The shared copy holding the 1000 names, plus the Domains slice.
		{"connectListAllDomainsRet", list, func(d *xdr.Decoder) {
			var out connectListAllDomainsRet
			out.DecodeXDR(d)
		}, 1 + 1},
		// The shared copy for all names and string values, the RetStats
		// slice, then one Params slice per record.
		{"connectGetAllDomainStatsRet", stats, func(d *xdr.Decoder) {
			var out connectGetAllDomainStatsRet
			out.DecodeXDR(d)
		}, 1 + 1 + 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := xdr.NewEncoder(nil)
			tc.v.EncodeXDR(e)
			enc := e.Bytes()
			buf := make([]byte, 0, len(enc))
			if n := testing.AllocsPerRun(20, func() {
				e.Reset(buf[:0])
				tc.v.EncodeXDR(e)
			}); n != 0 {
				t.Errorf("encode into a reused buffer: %v allocations, want 0", n)
			}
			d := xdr.NewDecoder(nil)
			if n := testing.AllocsPerRun(20, func() {
				d.Reset(enc)
				tc.decode(d)
			}); n != tc.decodeAlloc {
				t.Errorf("decode: %v allocations, want %v", n, tc.decodeAlloc)
			}
			if err := d.Finish(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A forged array count in a generated message is refused before anything
// proportional to it is allocated.
func TestCodecForgedCountsDoNotAllocate(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		// 2^31 domains: over DomainListMax.
		{"count 2^31", []byte{0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, xdr.ErrTooLong},
		// DomainListMax domains, each at least 24 bytes, in 8 bytes.
		{"count at bound", []byte{0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0}, xdr.ErrTooLong},
		// One domain (24 bytes follow) whose name claims 2^31-1 bytes:
		// over StringMax.
		{"name length 2^31-1", append([]byte{0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff}, make([]byte, 20)...), xdr.ErrTooLong},
		// One domain whose name claims StringMax bytes.
		{"name length at bound", append([]byte{0, 0, 0, 1, 0, 0x40, 0, 0}, make([]byte, 20)...), xdr.ErrShortBuffer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Once first, so that one-time initialisation on the error
			// path (fmt's caches) is not counted.
			var warm connectListAllDomainsRet
			warm.DecodeXDR(xdr.NewDecoder(tc.in))
			// A domain slice sized by the forged count would be ~640 KiB
			// at the bound and 80 GiB for 2^31; an error value is a few
			// hundred bytes.
			var err error
			used := xdrtest.MinHeapAllocated(5, 4096, func() {
				var out connectListAllDomainsRet
				d := xdr.NewDecoder(tc.in)
				out.DecodeXDR(d)
				err = d.Finish()
			})
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if used > 4096 {
				t.Fatalf("decode of %d bytes allocated %d bytes", len(tc.in), used)
			}
		})
	}
}

// Once a decode has failed, the rest of the message must cost nothing
// more: every later read returns a zero value without allocating. Here the
// first of 100 typed parameters has a name longer than StringMax, so after
// the two slices and one error value nothing else may be allocated.
//
// A union decoder that formats its "invalid discriminant" error for the
// zero discriminant it reads after an earlier error, only for SetErr to
// discard it, allocates for every remaining element instead: found by
// FuzzDecodeConnectGetAllDomainStatsRet (testdata seed 9fc1fa5167780842).
func TestCodecNoAllocationAfterDecodeError(t *testing.T) {
	const params = 100
	in := []byte{
		0, 0, 0, 1, // one record
		0, 0, 0, 0, // domain name ""
	}
	in = append(in, make([]byte, 16+4)...)  // uuid, id
	in = append(in, 0, 0, 0, params)        // params: 100 entries
	in = append(in, 0x7f, 0xff, 0xff, 0xff) // first name: 2^31-1 bytes, over StringMax
	in = append(in, make([]byte, params*12-4)...)

	// Building the one error value takes about five allocations; the
	// race detector's sync.Pool sometimes adds fmt's printer. A decoder
	// that keeps working after the error costs two or more per element.
	const slices, errorAllocs = 2, 8
	allocs := testing.AllocsPerRun(20, func() {
		var out connectGetAllDomainStatsRet
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
