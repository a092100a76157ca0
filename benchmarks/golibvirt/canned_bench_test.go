package golibvirt

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"

	gl "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
	vw "github.com/virtwire/libvirt"
)

// The canned benchmarks run against cannedServer instead of libvirtd, so
// they need no daemon and no build tag:
//
//	go test -run '^$' -bench Canned -benchmem
//
// The server runs in this process, so cpu-ns/op counts its CPU too. Each
// benchmark runs raw first; its cpu-ns/op (server, syscalls, GC and a
// client that decodes nothing) is the floor, and the client sub-benchmarks
// also report client-cpu-ns/op, their cpu-ns/op minus that floor.

// cannedRawCPU is the cpu-ns/op of the raw sub-benchmark of the canned
// benchmark now running, or 0 if it has not run (e.g. -bench
// 'Canned.*/virtwire'), in which case no client-cpu-ns/op is reported.
// Each canned benchmark resets it before its sub-benchmarks run.
var cannedRawCPU float64

// runCannedRaw times b.N calls of the raw floor and records their CPU in
// cannedRawCPU.
func runCannedRaw(b *testing.B, call func() error) {
	cannedRawCPU = runSeq(b, call)
}

// runCannedClient times b.N calls of a client and also reports
// client-cpu-ns/op: cpu-ns/op minus the raw floor measured just before in
// the same run. It is an estimate: it assumes the server's and the
// kernel's share of a call is the same for every client (the server sends
// the same bytes to all), and the floor's own few instructions of reading
// and writing are subtracted too, so it is what a client costs beyond a
// bare socket round trip. Noise in either measurement lands in it whole.
func runCannedClient(b *testing.B, call func() error) {
	cpu := runSeq(b, call)
	if cannedRawCPU > 0 {
		b.ReportMetric(cpu-cannedRawCPU, "client-cpu-ns/op")
	}
}

// BenchmarkCannedAllDomainStats decodes a ConnectGetAllDomainStats reply of
// cannedRecords records of cannedParams typed parameters each (67,604 bytes)
// from the canned server: the clients' decoding of typed parameters, which
// libvirtd's own cost hides in BenchmarkGetAllDomainStats1000.
func BenchmarkCannedAllDomainStats(b *testing.B) {
	srv := startCannedServer(b)
	cannedRawCPU = 0
	ctx := context.Background()
	b.Run("raw", func(b *testing.B) {
		r := dialRaw(b, srv.path)
		// doms=<empty array>, stats=0, flags=0; the server ignores them.
		f := newFrame(vw.ProcConnectGetAllDomainStats, xdrUint32s(0, 0, 0))
		stats := func() error {
			body, err := r.call(f)
			if err != nil {
				return err
			}
			return checkStatsBody(body)
		}
		runCannedRaw(b, stats)
	})
	b.Run("virtwire", func(b *testing.B) {
		c := dialVirtwire(b, srv.path)
		runCannedClient(b, func() error {
			recs, err := c.ConnectGetAllDomainStats(ctx, nil, 0, 0)
			if err != nil {
				return err
			}
			return checkStatsShape(len(recs), func(i int) int { return len(recs[i].Params) })
		})
	})
	b.Run("golibvirt", func(b *testing.B) {
		l := dialGoLibvirt(b, srv.path)
		runCannedClient(b, func() error {
			recs, err := l.ConnectGetAllDomainStats(nil, 0, 0)
			if err != nil {
				return err
			}
			return checkStatsShape(len(recs), func(i int) int { return len(recs[i].Params) })
		})
	})
}

// BenchmarkCannedGetLibVersion is the smallest round trip against the
// canned server: no arguments, an 8-byte reply. What is left above the
// floor is each client's per-call overhead (framing, dispatch, wakeups).
func BenchmarkCannedGetLibVersion(b *testing.B) {
	srv := startCannedServer(b)
	cannedRawCPU = 0
	b.Run("raw", func(b *testing.B) {
		r := dialRaw(b, srv.path)
		f := newFrame(vw.ProcConnectGetLibVersion, nil)
		runCannedRaw(b, func() error {
			body, err := r.call(f)
			if err != nil {
				return err
			}
			if len(body) != 8 {
				return fmt.Errorf("reply body of %d bytes, want 8", len(body))
			}
			return checkVersion(binary.BigEndian.Uint64(body))
		})
	})
	b.Run("virtwire", func(b *testing.B) {
		c := dialVirtwire(b, srv.path)
		runCannedClient(b, virtwireLibVersion(c))
	})
	b.Run("golibvirt", func(b *testing.B) {
		l := dialGoLibvirt(b, srv.path)
		runCannedClient(b, golibvirtLibVersion(l))
	})
}

// BenchmarkCannedParallel64GetLibVersion has 64 goroutines share one
// connection to the canned server. Against libvirtd on a small machine the
// daemon bounds the calls per second and its noise swamps the clients';
// here the clients' own cost of multiplexing (cpu-ns/op, with the same
// server work in every row) is what differs.
func BenchmarkCannedParallel64GetLibVersion(b *testing.B) {
	srv := startCannedServer(b)
	b.Run("virtwire", func(b *testing.B) {
		c := dialVirtwire(b, srv.path)
		runParallel64(b, virtwireLibVersion(c))
	})
	b.Run("golibvirt", func(b *testing.B) {
		l := dialGoLibvirt(b, srv.path)
		runParallel64(b, golibvirtLibVersion(l))
	})
}

// TestCannedDecode checks that the hand-encoded stats reply and the lib
// version decode, with both clients, to exactly what the server meant, so
// that the canned benchmarks compare correct decoding.
func TestCannedDecode(t *testing.T) {
	srv := startCannedServer(t)
	want := cannedStats().RetStats
	ctx := context.Background()

	c := dialVirtwire(t, srv.path)
	got, err := c.ConnectGetAllDomainStats(ctx, nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("virtwire: %d records, want %d", len(got), len(want))
	}
	for i, rec := range got {
		if rec.Dom != want[i].Dom {
			t.Fatalf("virtwire: record %d domain %+v, want %+v", i, rec.Dom, want[i].Dom)
		}
		if len(rec.Params) != len(want[i].Params) {
			t.Fatalf("virtwire: record %d has %d params, want %d", i, len(rec.Params), len(want[i].Params))
		}
		for p, tp := range rec.Params {
			w := want[i].Params[p]
			if tp.Field != w.Field || tp.Value.Type() != w.Value.Type() || tp.Value.Value() != w.Value.Value() {
				t.Fatalf("virtwire: record %d param %d is %s=%v (type %d), want %s=%v (type %d)",
					i, p, tp.Field, tp.Value.Value(), tp.Value.Type(), w.Field, w.Value.Value(), w.Value.Type())
			}
		}
	}
	if v, err := c.ConnectGetLibVersion(ctx); err != nil || checkVersion(v) != nil {
		t.Fatalf("virtwire: lib version %d, %v", v, err)
	}

	l := dialGoLibvirt(t, srv.path)
	glGot, err := l.ConnectGetAllDomainStats(nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(glGot) != len(want) {
		t.Fatalf("golibvirt: %d records, want %d", len(glGot), len(want))
	}
	for i, rec := range glGot {
		w := want[i].Dom
		if rec.Dom.Name != w.Name || [16]byte(rec.Dom.UUID) != [16]byte(w.UUID) || rec.Dom.ID != w.ID {
			t.Fatalf("golibvirt: record %d domain %+v, want %+v", i, rec.Dom, w)
		}
		if len(rec.Params) != len(want[i].Params) {
			t.Fatalf("golibvirt: record %d has %d params, want %d", i, len(rec.Params), len(want[i].Params))
		}
		for p, tp := range rec.Params {
			w := want[i].Params[p]
			if tp.Field != w.Field || tp.Value.D != uint32(w.Value.Type()) || tp.Value.I != w.Value.Value() {
				t.Fatalf("golibvirt: record %d param %d is %s=%v (type %d), want %s=%v (type %d)",
					i, p, tp.Field, tp.Value.I, tp.Value.D, w.Field, w.Value.Value(), w.Value.Type())
			}
		}
	}
	if v, err := l.ConnectGetLibVersion(); err != nil || checkVersion(v) != nil {
		t.Fatalf("golibvirt: lib version %d, %v", v, err)
	}
}

// checkStatsBody checks the shape of a raw stats reply without decoding
// it: the record count and the parameter count of the first record.
func checkStatsBody(body []byte) error {
	if err := checkCount(arrayLen(body), cannedRecords); err != nil {
		return err
	}
	if len(body) < 8 {
		return fmt.Errorf("stats reply of %d bytes", len(body))
	}
	name := int(binary.BigEndian.Uint32(body[4:]))
	off := 8 + (name+3)&^3 + 16 + 4 // name, uuid, id
	if off+4 > len(body) || off < 0 {
		return fmt.Errorf("stats reply of %d bytes is cut short", len(body))
	}
	return checkCount(int(binary.BigEndian.Uint32(body[off:])), cannedParams)
}

// virtwireLibVersion is a ConnectGetLibVersion call on c, checked against
// the canned server's answer.
func virtwireLibVersion(c *vw.Client) func() error {
	ctx := context.Background()
	return func() error {
		v, err := c.ConnectGetLibVersion(ctx)
		if err != nil {
			return err
		}
		return checkVersion(v)
	}
}

// golibvirtLibVersion is virtwireLibVersion for go-libvirt.
func golibvirtLibVersion(l *gl.Libvirt) func() error {
	return func() error {
		v, err := l.ConnectGetLibVersion()
		if err != nil {
			return err
		}
		return checkVersion(v)
	}
}

func checkVersion[V ~uint64](v V) error {
	if v != cannedLibVersion {
		return fmt.Errorf("lib version %d, want %d", uint64(v), cannedLibVersion)
	}
	return nil
}

// checkStatsShape checks that a stats reply has cannedRecords records of
// cannedParams parameters each; params returns record i's count (the two
// clients have different record types).
func checkStatsShape(records int, params func(i int) int) error {
	if err := checkCount(records, cannedRecords); err != nil {
		return err
	}
	for i := range records {
		if err := checkCount(params(i), cannedParams); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkCannedConnect opens and closes a connection to the canned
// server (AUTH_LIST, the client's own probes, CONNECT_OPEN,
// CONNECT_CLOSE): what a tool that connects per operation pays on the
// client side, without libvirtd's CPU in the numbers.
func BenchmarkCannedConnect(b *testing.B) {
	srv := startCannedServer(b)
	b.Run("virtwire", func(b *testing.B) {
		runSeq(b, func() error {
			c, err := vw.Dial(context.Background(), "test+unix:///default?socket="+srv.path)
			if err != nil {
				return err
			}
			return c.Close()
		})
	})
	b.Run("golibvirt", func(b *testing.B) {
		runSeq(b, func() error {
			l := gl.NewWithDialer(dialers.NewLocal(dialers.WithSocket(srv.path)))
			if err := l.ConnectToURI(gl.TestDefault); err != nil {
				return err
			}
			return l.Disconnect()
		})
	})
}
